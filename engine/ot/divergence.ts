import { logWeights } from './marginals.ts';
import { PointCloudGeometry } from './point-cloud-geometry.ts';
import { sinkhorn, type SinkhornOptions, type SinkhornResult } from './sinkhorn.ts';
import { checkCloud, checkWeights } from './validate.ts';

/** Options of the divergence: Sinkhorn options plus warm starts for its three problems. */
export interface DivergenceOptions extends Omit<SinkhornOptions, 'potentialG' | 'coupling'> {
  /** Warm starts: g of OT(α,β) [m], g of OT(α,α) [n], g of OT(β,β) [m]. */
  warm?: { xy?: Float64Array; xx?: Float64Array; yy?: Float64Array };
  /** Also compute gradients (positions, and weights of x). */
  gradient?: boolean;
}

/** What `sinkhornDivergence` returns: S_ε, its three OT problems, their convergence and, on request, the gradients. */
export interface DivergenceResult {
  /** S_ε(α, β) = OT_ε(α,β) − ½ OT_ε(α,α) − ½ OT_ε(β,β). */
  value: number;
  xy: SinkhornResult;
  xx: SinkhornResult;
  yy: SinkhornResult;
  /** All three problems converged / none diverged. */
  converged: boolean;
  diverged: boolean;
  /** ∂S/∂x_i = a_i (∇f_αβ(x_i) − ∇f_αα(x_i)), [n, d] (with `gradient`). */
  gradX?: Float64Array;
  /** ∂S/∂y_j = b_j (∇g_αβ(y_j) − ∇g_ββ(y_j)), [m, d] (with `gradient`). */
  gradY?: Float64Array;
  /** ∂S/∂a_i = f_αβ(x_i) − ½(f_αα + g_αα)(x_i), [n]: up to an additive constant (Σ a = 1). */
  gradWeightsX?: Float64Array;
}

/**
 * Debiased Sinkhorn divergence between α = Σ a_i δ_{x_i} and β = Σ b_j δ_{y_j}
 * (Ramdas et al. 2017; Feydy et al. 2019, "Interpolating between OT and MMD"):
 *   S_ε(α, β) = OT_ε(α,β) − ½ OT_ε(α,α) − ½ OT_ε(β,β) ≥ 0, = 0 iff α = β.
 * Gradients by the envelope theorem: for fixed optimal potentials, OT_ε depends on x_i
 * only through C, and the extended potential f(x) = −ε log Σ_j b_j e^{(g_j − c(x,y_j))/ε}
 * has ∇f(x_i) = Σ_j P_ij ∇_x c(x_i, y_j) (P the row-normalized plan). In OT(α,α), x_i
 * appears on both sides, which doubles its term and cancels the ½.
 */
export function sinkhornDivergence(x: Float64Array, y: Float64Array, d: number, opts: DivergenceOptions): DivergenceResult {
  const n = checkCloud('x', x, d);
  const m = checkCloud('y', y, d);
  const a = checkWeights('wx', opts.wx, n);
  const b = checkWeights('wy', opts.wy, m);
  const base = { ...opts, wx: a, wy: b };
  const xy = sinkhorn(x, y, d, { ...base, potentialG: opts.warm?.xy });
  // Self-transport by the symmetric (averaged) update: plain alternating Sinkhorn needs
  // many times the iterations of the cross term there at small ε (sinkhorn-loop.ts).
  const xx = sinkhorn(x, x, d, { ...base, wy: a, potentialG: opts.warm?.xx, symmetric: true });
  const yy = sinkhorn(y, y, d, { ...base, wx: b, potentialG: opts.warm?.yy, symmetric: true });
  const out: DivergenceResult = {
    value: xy.value - 0.5 * xx.value - 0.5 * yy.value,
    xy, xx, yy,
    converged: xy.converged && xx.converged && yy.converged,
    diverged: xy.diverged || xx.diverged || yy.diverged,
  };
  if (opts.gradient && !out.diverged) {
    const p = opts.p ?? 2;
    const eps = xy.eps;
    out.gradX = positionGradient(x, a, y, b, xy.g, x, a, xx.g, d, p, eps);
    out.gradY = positionGradient(y, b, x, a, xy.f, y, b, yy.g, d, p, eps);
    const gw = new Float64Array(n);
    for (let i = 0; i < n; i++) gw[i] = xy.f[i] - 0.5 * (xx.f[i] + xx.g[i]);
    out.gradWeightsX = gw;
  }
  return out;
}

/** h_j = log w_j + pot_j/ε: the input of the soft C-transform that extends a potential. */
function logInput(w: Float64Array, pot: Float64Array, eps: number): Float64Array {
  const h = logWeights(w);
  for (let j = 0; j < h.length; j++) if (h[j] !== -Infinity) h[j] += pot[j] / eps;
  return h;
}

/** a_i (∇f_cross(x_i) − ∇f_self(x_i)) with f_cross extended from (other, potOther), f_self from (self, potSelf). */
function positionGradient(
  x: Float64Array, a: Float64Array, other: Float64Array, wOther: Float64Array, potOther: Float64Array,
  self: Float64Array, wSelf: Float64Array, potSelf: Float64Array, d: number, p: number, eps: number,
): Float64Array {
  const n = a.length;
  const cross = new Float64Array(n * d);
  const own = new Float64Array(n * d);
  new PointCloudGeometry(x, other, d, p).softminGradient(eps, logInput(wOther, potOther, eps), cross);
  new PointCloudGeometry(x, self, d, p).softminGradient(eps, logInput(wSelf, potSelf, eps), own);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) cross[i * d + k] = a[i] * (cross[i * d + k] - own[i * d + k]);
  return cross;
}
