import type { Rng } from '../../core/rng.ts';

/** Attention weights of the token scene: Q = K = V = I, seeded random, or symmetric V with QᵀK = V. */
export const QKV_KINDS = ['identity', 'random', 'symmetric'] as const;
/** One of QKV_KINDS. */
export type QkvKind = (typeof QKV_KINDS)[number];

/**
 * Query, key and value matrices of one attention head, [d, d] row-major each, with
 * the bilinear form of the logits M = QᵀK (⟨Q x, K y⟩ = xᵀ M y) precomputed.
 */
export interface AttentionWeights {
  d: number;
  Q: Float64Array;
  K: Float64Array;
  V: Float64Array;
  /** M = QᵀK, [d, d]. */
  M: Float64Array;
  /** Whether M is symmetric (then the attention kernel e^{β xᵢᵀ M xⱼ} is symmetric in i, j). */
  symmetricLogits: boolean;
}

function identity(d: number): Float64Array {
  const I = new Float64Array(d * d);
  for (let k = 0; k < d; k++) I[k * d + k] = 1;
  return I;
}

/** G/√d with G standard Gaussian: entries of order 1/√d, operator norm O(1). */
function gaussian(rng: Rng, d: number): Float64Array {
  const G = new Float64Array(d * d);
  const s = 1 / Math.sqrt(d);
  for (let k = 0; k < G.length; k++) G[k] = s * rng.normal();
  return G;
}

/** AᵀB for [d, d] row-major matrices. */
export function transposeTimes(A: Float64Array, B: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[k * d + i] * B[k * d + j];
    out[i * d + j] = s;
  }
  return out;
}

function isSymmetric(M: Float64Array, d: number): boolean {
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) if (M[i * d + j] !== M[j * d + i]) return false;
  return true;
}

/** Weights from their matrices (M = QᵀK computed here). */
export function attentionWeights(d: number, Q: Float64Array, K: Float64Array, V: Float64Array): AttentionWeights {
  const M = transposeTimes(Q, K, d);
  return { d, Q, K, V, M, symmetricLogits: isSymmetric(M, d) };
}

/**
 * The three choices of the scene (Geshkovski et al. 2023, §1–3):
 * - identity: Q = K = V = I_d, the case where tokens provably cluster (d ≥ 3);
 * - random: Q, K, V independent G/√d (seeded), no structure;
 * - symmetric: V = (G + Gᵀ)/√(2d) symmetric, Q = I, K = V, so QᵀK = V: the unnormalized
 *   dynamics (USA) is then the Wasserstein gradient ascent of
 *   E_β(μ) = (1/2β) ∫∫ e^{β⟨x, V y⟩} dμ dμ.
 */
export function makeAttentionWeights(kind: QkvKind, d: number, rng: Rng): AttentionWeights {
  if (kind === 'identity') return attentionWeights(d, identity(d), identity(d), identity(d));
  if (kind === 'random') return attentionWeights(d, gaussian(rng, d), gaussian(rng, d), gaussian(rng, d));
  const G = gaussian(rng, d);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) V[i * d + j] = (G[i * d + j] + G[j * d + i]) / Math.SQRT2;
  return attentionWeights(d, identity(d), V, V);
}

/** out_i = A x_i for tokens x [n, d] (out [n, d]). */
export function applyMatrix(A: Float64Array, x: Float64Array, d: number, out: Float64Array): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[r * d + k] * x[o + k];
      out[o + r] = s;
    }
  }
}
