import type { ParticleMeasure } from '../particles/measure.ts';
import { argsortFloat64, SortHint } from '../core/sort.ts';

/** The previous call's order of the radii (a run asks both radial metrics at every record). */
const hint = new SortHint();

/**
 * Distances to `centre` sorted ascending, with the weights in the same order. Equal weights:
 * the sorted values alone (ties need no order), from the previous call's order; else the
 * stable index sort (ties in index order).
 */
function sortedRadii(m: ParticleMeasure, centre?: ArrayLike<number>): { rs: Float64Array; ws: Float64Array } {
  const { n, d, x, w } = m;
  const r = new Float64Array(n);
  let equal = true;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (x[i * d + k] - (centre ? centre[k] : 0)) ** 2;
    r[i] = Math.sqrt(s);
    if (w[i] !== w[0]) equal = false;
  }
  if (equal) return { rs: hint.sortInto(r, new Float64Array(n)), ws: w };
  const idx = argsortFloat64(r, new Uint32Array(n));
  const rs = new Float64Array(n), ws = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    rs[k] = r[idx[k]];
    ws[k] = w[idx[k]];
  }
  return { rs, ws };
}

/**
 * Kolmogorov–Smirnov distance between the radial distribution of the particles
 * (distance to `centre`) and the uniform law on the unit d-ball, whose radial CDF
 * is r^d on [0, 1]. For n i.i.d. samples it is ≈ 0.87/√n at the median
 * (Kolmogorov's law), a scale for tolerances.
 */
export function radialKsToUniformBall(m: ParticleMeasure, centre?: ArrayLike<number>): number {
  const { d } = m;
  const { rs, ws } = sortedRadii(m, centre);
  let cdf = 0;
  let ks = 0;
  for (let k = 0; k < rs.length; k++) {
    const F = Math.min(1, rs[k]) ** d;
    ks = Math.max(ks, Math.abs(cdf - F));
    cdf += ws[k];
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
  const { d } = m;
  const { rs, ws } = sortedRadii(m, centre);
  // ∫|F_n − G| over [r_(k), r_(k+1)] where F_n is constant c and G(r) = min(r,1)^d.
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
  for (let k = 0; k < rs.length; k++) {
    total += segment(prev, rs[k], cdf);
    cdf += ws[k];
    prev = rs[k];
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
