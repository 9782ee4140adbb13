import type { ParticleMeasure } from '../particles/measure.ts';

/** Weighted mean [d]. */
export function mean(m: ParticleMeasure): Float64Array {
  const out = new Float64Array(m.d);
  for (let i = 0; i < m.n; i++) for (let k = 0; k < m.d; k++) out[k] += m.w[i] * m.x[i * m.d + k];
  return out;
}

/** Weighted covariance [d, d] row-major (population form Σ w_i (x_i−m)(x_i−m)ᵀ). */
export function covariance(m: ParticleMeasure, mu = mean(m)): Float64Array {
  const d = m.d;
  const out = new Float64Array(d * d);
  for (let i = 0; i < m.n; i++) {
    for (let a = 0; a < d; a++) {
      const za = m.x[i * d + a] - mu[a];
      for (let b = a; b < d; b++) out[a * d + b] += m.w[i] * za * (m.x[i * d + b] - mu[b]);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) out[a * d + b] = out[b * d + a];
  return out;
}

/** Σ_i w_i |x_i − mean|²: the spread (trace of the covariance). */
export function spread(m: ParticleMeasure): number {
  const c = covariance(m);
  let s = 0;
  for (let k = 0; k < m.d; k++) s += c[k * m.d + k];
  return s;
}

/** Largest distance between two particles (O(n²)). */
export function diameter(m: ParticleMeasure): number {
  const { n, d, x } = m;
  let best = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += (x[i * d + k] - x[j * d + k]) ** 2;
      if (r2 > best) best = r2;
    }
  return Math.sqrt(best);
}
