import { balancedMarginal } from '../../ot/marginals.ts';
import { sinkhornLoop } from '../../ot/sinkhorn-loop.ts';
import { DotProductGeometry } from './attention-geometry.ts';

/** Stopping rule of Sinkhorn attention. */
export interface SinkhornAttentionOptions {
  /** Stop when ‖π1 − w‖₁ < tol (then also ‖πᵀ1 − w‖₁ < tol, see below). */
  tol: number;
  /** Iteration budget; 1 gives softmax attention exactly. */
  maxIter: number;
}

/** How the last Sinkhorn attention solve ended. */
export interface SinkhornAttentionReport {
  iterations: number;
  marginalError: number;
  converged: boolean;
  diverged: boolean;
}

/**
 * Sinkformer attention (Sander, Ablin, Blondel & Peyré 2022): the attention matrix is
 * made doubly stochastic by Sinkhorn's scalings of K_ij = e^{β⟨Q x_i, K x_j⟩},
 *
 *   π = diag(e^α) K diag(e^β),  π1 = w,  πᵀ1 = w,   A_ij = π_ij / w_i,
 *
 * i.e. entropic OT between μ and itself with cost −⟨Q x, K y⟩ and ε = 1/β, solved by
 * the OT core's one Sinkhorn loop (engine/ot/sinkhorn-loop.ts) on a DotProductGeometry,
 * without ε-scaling, from β = log w. The loop ends on a row (α) update, so rows of A
 * sum to 1 exactly; since that update rescales rows of a plan whose columns were exact,
 * the column error satisfies ‖πᵀ1 − w‖₁ ≤ ‖π_prev 1 − w‖₁ < tol. With maxIter = 1 the only
 * update is α = log w − log(K w), which is softmax attention (Sander et al. 2022, §3).
 */
export class SinkhornAttention {
  readonly geometry: DotProductGeometry;
  last: SinkhornAttentionReport = { iterations: 0, marginalError: 0, converged: true, diverged: false };
  alpha: Float64Array = new Float64Array(0);
  betaScaling: Float64Array = new Float64Array(0);

  constructor(readonly d: number, readonly n: number, readonly options: SinkhornAttentionOptions, store = true) {
    this.geometry = new DotProductGeometry(d, n, store);
  }

  /**
   * Solves for the scalings of tokens x [n, d] (kx = M x) at inverse temperature β.
   * `warm`: start from the previous solve's column potential g = ε(β_prev − log w)
   * instead of g = 0 (fewer iterations when the tokens moved little, e.g. between the
   * stages of one Runge–Kutta step); the answer differs from a cold start only within tol.
   */
  solve(beta: number, x: Float64Array, kx: Float64Array, w: Float64Array, warm = false): SinkhornAttentionReport {
    this.geometry.setTokens(x, kx);
    const side = balancedMarginal(w);
    const eps = 1 / beta;
    let potentialB: Float64Array | undefined;
    if (warm && this.betaScaling.length === w.length && !this.last.diverged) {
      potentialB = new Float64Array(w.length);
      for (let j = 0; j < w.length; j++) potentialB[j] = eps * (this.betaScaling[j] - side.logReference[j]);
    }
    const r = sinkhornLoop(this.geometry, side, side, { eps, tol: this.options.tol, maxIter: this.options.maxIter, scaling: false, potentialB });
    this.alpha = r.logU;
    this.betaScaling = r.logV;
    this.last = { iterations: r.iterations, marginalError: r.marginalError, converged: r.converged, diverged: r.diverged };
    return this.last;
  }

  /** out_i = Σ_j A_ij vx_j for the last solve (vx [n, d], out [n, d]). */
  attend(beta: number, w: Float64Array, vx: Float64Array, out: Float64Array): void {
    this.geometry.attend(1 / beta, this.alpha, this.betaScaling, w, vx, out);
  }
}
