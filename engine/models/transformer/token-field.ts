import { applyMatrix, type AttentionWeights } from './qkv.ts';
import { SinkhornAttention, type SinkhornAttentionOptions } from './sinkhorn-attention.ts';
import { plainAttention } from './softmax-attention.ts';
import type { Accelerator } from '../../core/accelerator.ts';
import { attentionLoopRequest, DeviceAttention } from './device-attention.ts';

/** Attention normalizations: softmax (rows sum to 1), unnormalized (USA), Sinkhorn (doubly stochastic); docs/design.md §3.2. */
export const ATTENTION_KINDS = ['softmax', 'usa', 'sinkhorn'] as const;
/** One of ATTENTION_KINDS. */
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

/** What defines the attention velocity field of n tokens in R^d. */
export interface AttentionFieldOptions {
  attention: AttentionKind;
  /** Inverse temperature β of the logits. */
  beta: number;
  weights: AttentionWeights;
  /** Token weights w [n], Σ w = 1. */
  w: Float64Array;
  /** Tokens on the unit sphere (layer norm): project onto the tangent space. */
  sphere: boolean;
  sinkhorn?: SinkhornAttentionOptions;
}

/**
 * The velocity of tokens under one attention layer per unit time (Geshkovski et al.
 * 2023, eq. (1.1); docs/design.md §3.2):
 *
 *   ẋ_i = P_{x_i}( Σ_j A_ij V x_j ),   P_x y = y − (⟨x, y⟩/|x|²) x  (sphere),  P_x = I  (R^d).
 *
 * The |x|² in P_x extends the field off the sphere so that d|x|²/dt = 0 exactly: the
 * stages of a Runge–Kutta step stay on the sphere to the integrator's order, and the
 * retraction at the end of each step only removes that error.
 * Buffers are allocated once; `evaluate` allocates nothing except Sinkhorn's O(n) vectors.
 */
export class AttentionField {
  readonly n: number;
  readonly d: number;
  private readonly kx: Float64Array;
  private readonly vx: Float64Array;
  private readonly Z: Float64Array;
  /** Each row's shift: Σ_j w_j e^{β⟨x_i, kx_j⟩} = Z_i e^{S_i} after a softmax/USA evaluation. */
  private readonly S: Float64Array;
  /** A velocity evaluated ahead of a step, for the record of its state (`evaluateAhead`), and that state. */
  private ahead: { v: Float64Array; x: Float64Array | null; k: number };
  readonly sinkhorn: SinkhornAttention | null;
  /** Sinkhorn: warm-start the next solve from the last one (set within a time step only). */
  warm = false;
  /** Softmax/USA attention on the device, when the accelerator put it there (`accelerate`). */
  private device: DeviceAttention | null = null;

  constructor(readonly o: AttentionFieldOptions) {
    this.d = o.weights.d;
    this.n = o.w.length;
    this.kx = new Float64Array(this.n * this.d);
    this.vx = new Float64Array(this.n * this.d);
    this.Z = new Float64Array(this.n);
    this.S = new Float64Array(this.n);
    this.ahead = { v: new Float64Array(0), x: null, k: -1 };
    this.sinkhorn = o.attention === 'sinkhorn' ? new SinkhornAttention(this.d, this.n, o.sinkhorn ?? { tol: 1e-9, maxIter: 1000 }) : null;
  }

  /** Binds softmax/USA attention to the accelerator, once, before the first step. */
  accelerate(acc: Accelerator): void {
    // The d = 3 symmetric TS loop is much faster than the general one: its own auto threshold (engine/backend/rule.ts).
    const family = this.o.weights.symmetricLogits && this.d === 3 ? 'attention-symmetric-3d' : 'attention';
    const loop = acc.bindPairs(attentionLoopRequest(this.o.attention, this.o.beta, this.n, this.d, family));
    this.device = loop && this.o.attention !== 'sinkhorn' ? new DeviceAttention(loop, this.o.attention, this.o.beta, this.n, this.d) : null;
  }

  /** out = Σ_j A_ij V x_j (no projection), x and out [n, d]. */
  attend(x: Float64Array, out: Float64Array): void {
    const { weights, beta, w } = this.o;
    applyMatrix(weights.M, x, this.d, this.kx);
    applyMatrix(weights.V, x, this.d, this.vx);
    if (this.sinkhorn) {
      const r = this.sinkhorn.solve(beta, x, this.kx, w, this.warm);
      if (r.diverged) {
        out.fill(NaN); // the run loop reports the non-finite state as a divergence
        return;
      }
      this.sinkhorn.attend(beta, w, this.vx, out);
    } else if (this.device) {
      this.device.attend(x, this.kx, this.vx, w, out, this.Z, this.S);
    } else {
      plainAttention(this.o.attention as 'softmax' | 'usa', beta, x, this.kx, this.vx, w, this.d, weights.symmetricLogits, out, this.Z, this.S);
    }
  }

  /**
   * log E_β of the tokens of the last softmax/USA evaluation, from its row sums:
   * E_β = (1/2β) Σ_i w_i Σ_j w_j e^{β⟨x_i, M x_j⟩} = (1/2β) Σ_i w_i Z_i e^{S_i}
   * (token-metrics.ts logAttentionEnergy sums the same pairs itself). Null for Sinkhorn
   * attention (its pass does not form these sums) or when a row sum is not a positive finite number.
   */
  private lastLogEnergy(): number | null {
    if (this.sinkhorn) return null;
    const { Z, S, n } = this;
    const w = this.o.w;
    let top = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!(Z[i] > 0 && Number.isFinite(Z[i]) && Number.isFinite(S[i]))) return null;
      top = Math.max(top, S[i]);
    }
    let acc = 0;
    for (let i = 0; i < n; i++) acc += w[i] * Z[i] * Math.exp(S[i] - top);
    return top + Math.log(acc) - Math.log(2 * this.o.beta);
  }

  /**
   * The velocity at the state (x, k), kept for the next step's first stage, which evaluates
   * the field at this very state (so a record of the state's energy costs no extra attention
   * pass); returns log E_β from the same pass (null: see lastLogEnergy, nothing is kept).
   */
  evaluateAhead(x: Float64Array, k: number): number | null {
    if (this.sinkhorn) return null;
    if (this.ahead.v.length !== x.length) this.ahead.v = new Float64Array(x.length);
    this.evaluate(x, this.ahead.v);
    const logE = this.lastLogEnergy();
    this.ahead = { v: this.ahead.v, x: logE === null ? null : x, k };
    return logE;
  }

  /** The velocity `evaluateAhead` kept for the state (x, k), once; null when it kept none for it. */
  takeAhead(x: Float64Array, k: number): Float64Array | null {
    const a = this.ahead;
    if (a.x !== x || a.k !== k) return null;
    a.x = null;
    return a.v;
  }

  /** Forgets a kept velocity (the state was restored in place). */
  dropAhead(): void {
    this.ahead.x = null;
  }

  /** out = ẋ = P_x(Σ_j A_ij V x_j). */
  evaluate(x: Float64Array, out: Float64Array): void {
    this.attend(x, out);
    if (this.o.sphere) projectTangentScaled(x, out, this.d);
  }
}

/** v_i ← v_i − (⟨x_i, v_i⟩/|x_i|²) x_i. */
export function projectTangentScaled(x: Float64Array, v: Float64Array, d: number): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    let dot = 0, r2 = 0;
    for (let k = 0; k < d; k++) {
      dot += v[i * d + k] * x[i * d + k];
      r2 += x[i * d + k] * x[i * d + k];
    }
    const c = dot / r2;
    for (let k = 0; k < d; k++) v[i * d + k] -= c * x[i * d + k];
  }
}
