import { Rng } from '../../../engine/core/rng.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import type { RadialKernel } from '../../../engine/particles/radial-kernels.ts';

/** Relative error of the blob kernels' inline e^y (engine/backend/exp-source.ts, tested in exp-source.test.ts). */
export const EXP_REL_ERROR = 2e-5;

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;

/**
 * N points in [−1, 1]^d on a jittered lattice (a random subset of the cells of a
 * side^d grid, each point within ±0.3 cell of its centre), so the closest pair is
 * ≥ 0.4 cell apart; random positive weights normalized to 1 (non-uniform).
 */
export function separatedCloud(seed: number, n: number, d: number, offset = 0): { m: ParticleMeasure; rMin: number; R: number } {
  const rng = new Rng(seed);
  const side = Math.max(1, Math.ceil(Math.pow(n, 1 / d)));
  const cells = Array.from({ length: side ** d }, (_, c) => c);
  for (let i = cells.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [cells[i], cells[j]] = [cells[j], cells[i]];
  }
  const h = 2 / side;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let c = cells[i];
    for (let k = 0; k < d; k++) {
      const q = c % side;
      c = Math.floor(c / side);
      x[i * d + k] = offset - 1 + (q + 0.5 + 0.6 * (rng.uniform() - 0.5)) * h;
    }
  }
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += (w[i] = 0.2 + rng.uniform());
  for (let i = 0; i < n; i++) w[i] /= s;
  return { m: new ParticleMeasure(x, d, w), rMin: 0.4 * h, R: Math.sqrt(d) };
}

/**
 * The stated float32 tolerance of a gpu.js pair sum against its float64
 * reference: |Δ| ≤ 8u (R/r_min + N) S, where S is the sum of the absolute values
 * of the terms, u = 2^−24, R the cloud radius and r_min its closest pair. The
 * R/r_min part is the cast of positions to float32 (pair differences lose
 * u·R/|z| relatively), the N part the float32 accumulation over N partners.
 */
export function pairTolerance(n: number, R: number, rMin: number, S: number): number {
  return 8 * U32 * (R / rMin + n) * S;
}

/** S_i = Σ_{j≠i} w_j |∇W(x_i − x_j)|, the scale of the interaction velocity's float32 error. */
export function interactionAbsSums(W: RadialKernel, m: ParticleMeasure): Float64Array {
  const { n, d, x, w } = m;
  const S = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += (x[i * d + k] - x[j * d + k]) ** 2;
      S[i] += w[j] * Math.abs(W.gradFactor(r2)) * Math.sqrt(r2);
    }
  }
  return S;
}

/** S_i = σ/δ² Σ_j w_j e^{−r²/2δ²} (1/s_i + 1/s_j) |x_i − x_j|, s the unnormalized blob sums. */
export function blobAbsSums(m: ParticleMeasure, delta: number, sigma: number): Float64Array {
  const { n, d, x, w } = m;
  const c = 1 / (2 * delta * delta);
  const r2 = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (x[i * d + k] - x[j * d + k]) ** 2;
    return s;
  };
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i] += w[j] * Math.exp(-c * r2(i, j));
  const S = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const q = r2(i, j);
      S[i] += (sigma / (delta * delta)) * w[j] * Math.exp(-c * q) * (1 / s[i] + 1 / s[j]) * Math.sqrt(q);
    }
  }
  return S;
}

/** max over entries of |got − ref| / tol(particle), for [n, d] arrays. */
export function maxScaledError(ref: ArrayLike<number>, got: ArrayLike<number>, d: number, tol: (i: number) => number): number {
  let worst = 0;
  for (let q = 0; q < ref.length; q++) worst = Math.max(worst, Math.abs(got[q] - ref[q]) / tol(Math.floor(q / d)));
  return worst;
}
