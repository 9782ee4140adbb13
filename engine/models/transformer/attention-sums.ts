import { DotProductGeometry } from './attention-geometry.ts';
import { SinkhornAttention, type SinkhornAttentionOptions } from './sinkhorn-attention.ts';
import type { AttentionKind } from './token-field.ts';

/** Extremes of the attention matrix's row and column sums (1 for a doubly stochastic A), for the token metrics. */
export interface AttentionSums {
  rowMin: number;
  rowMax: number;
  colMin: number;
  colMax: number;
  /** Sinkhorn only: iterations and final marginal error of the solve. */
  iterations?: number;
  marginalError?: number;
}

/**
 * Row sums r_i = Σ_j A_ij and column sums c_j = Σ_i w_i A_ij / w_j (= Σ_i A_ij for uniform
 * weights) of the attention matrix at tokens x [n, d] (kx = M x): 1 and 1 for a doubly
 * stochastic A. Written through the scalings of A_ij = e^{α_i + β_j + L_ij}/w_i
 * (L_ij = β⟨x_i, kx_j⟩): usa α = β = log w; softmax α = log w − log K(w), β = log w;
 * sinkhorn from a fresh solve. Online kernel passes: O(n² d) time, O(n) memory.
 * With `symmetricLogits` (M = QᵀK symmetric) softmax/USA take two pair-symmetric passes.
 * `solver`: a SinkhornAttention to reuse (its stored kernel), e.g. the simulation's own.
 * NaN sums when the logits are too large for them to be computed (LOG_PRECISION).
 */
export function attentionSums(
  kind: AttentionKind, beta: number, x: Float64Array, kx: Float64Array, w: Float64Array, d: number,
  sinkhorn?: SinkhornAttentionOptions, symmetricLogits = false, solver?: SinkhornAttention,
): AttentionSums {
  const n = w.length;
  if (logitBound(beta, x, kx, w.length, d) * Number.EPSILON > LOG_PRECISION) {
    return { rowMin: NaN, rowMax: NaN, colMin: NaN, colMax: NaN };
  }
  if (kind !== 'sinkhorn' && symmetricLogits) {
    const fast = symmetricPlainSums(kind, beta, x, kx, w, d);
    if (fast) return fast;
  }
  const eps = 1 / beta;
  const logw = new Float64Array(n);
  for (let i = 0; i < n; i++) logw[i] = Math.log(w[i]);
  let alpha: Float64Array = logw.slice();
  let betaS: Float64Array = logw;
  let geometry: DotProductGeometry;
  const extra: Partial<AttentionSums> = {};
  if (kind === 'sinkhorn') {
    const s = solver ?? new SinkhornAttention(d, n, sinkhorn ?? { tol: 1e-9, maxIter: 1000 }, false);
    const r = s.solve(beta, x, kx, w);
    alpha = s.alpha;
    betaS = s.betaScaling;
    geometry = s.geometry;
    extra.iterations = r.iterations;
    extra.marginalError = r.marginalError;
  } else {
    geometry = new DotProductGeometry(d, n, false);
    geometry.setTokens(x, kx);
    if (kind === 'softmax') {
      const lk = new Float64Array(n);
      geometry.logApply(eps, logw, lk);
      for (let i = 0; i < n; i++) alpha[i] = logw[i] - lk[i];
    }
  }
  const rowLog = new Float64Array(n);
  const colLog = new Float64Array(n);
  geometry.logApply(eps, betaS, rowLog);
  geometry.logApplyT(eps, alpha, colLog);
  let rowMin = Infinity, rowMax = -Infinity, colMin = Infinity, colMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = Math.exp(alpha[i] + rowLog[i] - logw[i]);
    const c = Math.exp(betaS[i] + colLog[i] - logw[i]);
    rowMin = Math.min(rowMin, r);
    rowMax = Math.max(rowMax, r);
    colMin = Math.min(colMin, c);
    colMax = Math.max(colMax, c);
  }
  return { rowMin, rowMax, colMin, colMax, ...extra };
}

/**
 * Largest absolute error of a log-domain sum (log w_j + L_ij added to logits of size c
 * loses ~c·2⁻⁵² absolutely) for which the sums are still reported: beyond, they would be
 * rounding noise (tokens in R^d grow like e^t: at |L| ~ 1e27 a softmax row summed to 64
 * in float64, issue #11), so they are NaN (null in metrics.jsonl) instead.
 */
const LOG_PRECISION = 1e-9;

/** c = β max|x| max|kx| ≥ max |L_ij| (Cauchy–Schwarz). */
function logitBound(beta: number, x: Float64Array, kx: Float64Array, n: number, d: number): number {
  let mx = 0, mk = 0;
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0;
    for (let k = 0; k < d; k++) {
      a += x[i * d + k] ** 2;
      b += kx[i * d + k] ** 2;
    }
    mx = Math.max(mx, a);
    mk = Math.max(mk, b);
  }
  return beta * Math.sqrt(mx * mk);
}

/**
 * Softmax/USA sums for a symmetric kernel E_ij = e^{L_ij − c} (L_ij = β⟨x_i, kx_j⟩, the
 * global shift c of softmax-attention.ts), two passes over unordered pairs:
 * Z_i = Σ_j w_j E_ij; rows Σ_j A_ij = 1 (softmax) or e^c Z_i (USA); columns
 * c_j = Σ_i w_i E_ij / Z_i (softmax) or e^c Z_j (USA, A symmetric up to the weights).
 * Only for kx = M x with M symmetric (the caller knows); returns null when 2c > 600.
 */
function symmetricPlainSums(kind: 'softmax' | 'usa', beta: number, x: Float64Array, kx: Float64Array, w: Float64Array, d: number): AttentionSums | null {
  const n = w.length;
  const c = logitBound(beta, x, kx, n, d);
  if (2 * c > 600) return null;
  const Z = new Float64Array(n);
  const col = new Float64Array(n);
  // Pass 1 computes Z; pass 2 (softmax only) the columns, which need every Z_i first.
  for (let pass = 0; pass < (kind === 'softmax' ? 2 : 1); pass++) {
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let zi = 0, ci = 0;
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += x[o + k] * kx[j * d + k];
        const e = Math.exp(beta * s - c);
        if (pass === 0) {
          zi += w[j] * e;
          if (j !== i) Z[j] += w[i] * e;
        } else {
          ci += (w[j] * e) / Z[j];
          if (j !== i) col[j] += (w[i] * e) / Z[i];
        }
      }
      Z[i] += zi;
      col[i] += ci;
    }
  }
  let rowMin = Infinity, rowMax = -Infinity, colMin = Infinity, colMax = -Infinity;
  const ec = Math.exp(c);
  for (let i = 0; i < n; i++) {
    const r = kind === 'softmax' ? 1 : ec * Z[i];
    const cj = kind === 'softmax' ? col[i] : ec * Z[i];
    rowMin = Math.min(rowMin, r);
    rowMax = Math.max(rowMax, r);
    colMin = Math.min(colMin, cj);
    colMax = Math.max(colMax, cj);
  }
  return { rowMin, rowMax, colMin, colMax };
}
