import type { ParticleMeasure } from '../particles/measure.ts';
import { argsortFloat64 } from '../core/sort.ts';

/** Distances to `centre` and the particle indices sorted by them. */
function sortedRadii(m: ParticleMeasure, centre?: ArrayLike<number>): { r: Float64Array; idx: Uint32Array } {
  const { n, d, x } = m;
  const r = new Float64Array(n);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (x[i * d + k] - (centre ? centre[k] : 0)) ** 2;
    r[i] = Math.sqrt(s);
  }
  // The comparator sort's permutation (ties in index order), by radix passes.
  argsortFloat64(r, idx);
  return { r, idx };
}

/**
 * Kolmogorov–Smirnov distance between the radial distribution of the particles
 * (distance to `centre`) and the uniform law on the unit d-ball, whose radial CDF
 * is r^d on [0, 1]. For n i.i.d. samples it is ≈ 0.87/√n at the median
 * (Kolmogorov's law), a scale for tolerances.
 */
export function radialKsToUniformBall(m: ParticleMeasure, centre?: ArrayLike<number>): number {
  const { d, w } = m;
  const { r, idx } = sortedRadii(m, centre);
  let cdf = 0;
  let ks = 0;
  for (const i of idx) {
    const F = Math.min(1, r[i]) ** d;
    ks = Math.max(ks, Math.abs(cdf - F));
    cdf += w[i];
    ks = Math.max(ks, Math.abs(cdf - F));
  }
  return ks;
}

/**
 * 1-Wasserstein distance between the radial law of the particles and that of the
 * uniform law on the unit d-ball (radial CDF r^d): ∫₀^∞ |F_n(r) − min(r,1)^d| dr,
 * computed exactly between sorted radii. Unlike KS it is not dominated by the
 * shells that finite-N equilibria form, whose spacing (∝ N^{−1/d}) bounds it.
 */
export function radialW1ToUniformBall(m: ParticleMeasure, centre?: ArrayLike<number>): number {
  const { d, w } = m;
  const { r, idx } = sortedRadii(m, centre);
  // ∫|F_n − G| over [r_(k), r_(k+1)] where F_n is constant c and G(r) = min(r,1)^d.
  const G = (s: number) => Math.min(s, 1) ** d;
  const intG = (s: number) => (s <= 1 ? s ** (d + 1) / (d + 1) : 1 / (d + 1) + (s - 1));
  /** ∫_a^b |c − G(s)| ds, G increasing: split at the crossing G(s*) = c. */
  const segment = (a: number, b: number, c: number) => {
    if (b <= a) return 0;
    const cross = c >= 1 ? Infinity : Math.pow(c, 1 / d);
    const m1 = Math.min(Math.max(cross, a), b);
    return c * (m1 - a) - (intG(m1) - intG(a)) + (intG(b) - intG(m1)) - c * (b - m1);
  };
  let total = 0;
  let cdf = 0;
  let prev = 0;
  for (const i of idx) {
    total += segment(prev, r[i], cdf);
    cdf += w[i];
    prev = r[i];
  }
  total += segment(prev, Math.max(prev, 1), Math.min(cdf, 1));
  return total;
}

/** Largest distance of a particle to `centre`. */
export function maxRadius(m: ParticleMeasure, centre?: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let k = 0; k < m.d; k++) s += (m.x[i * m.d + k] - (centre ? centre[k] : 0)) ** 2;
    best = Math.max(best, s);
  }
  return Math.sqrt(best);
}
