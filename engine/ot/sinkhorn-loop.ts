import { UsageError } from '../core/simulation.ts';
import type { SinkhornGeometry } from './geometry.ts';
import type { MarginalUpdate } from './marginals.ts';
import { Relaxation } from './relaxation.ts';

/**
 * The one Sinkhorn scaling loop of wgflow (Cuturi 2013; log-domain form as in
 * Schmitzer 2019 and Feydy et al. 2019), shared by point clouds, grids (entropic
 * JKO, Peyré 2015) and Sinkhorn attention. What differs between them is plugged in:
 *   - the geometry applies the kernel in the log domain (soft C-transform), and
 *   - each side has a marginal update (balanced, KL proximal, unbalanced).
 *
 * Iteration (π_ij = exp(α_i + β_j − C_ij/ε), α, β the log-scalings):
 *   sA = logApply(ε, β);   α ← A.update(sA)      (rows: π1 = a for a balanced side)
 *   sB = logApplyT(ε, α);  β ← B.update(sB)
 * The loop stops right after an α-update, then applies the kernel once more so that
 * `logKtu` is consistent with the final α. Hence, for the entropic JKO step,
 * p_{k+1} = exp(β + logKtu) has exactly the mass of side A (docs/design.md §1.2), and for
 * balanced OT g = −ε·logKtu is the exact soft C-transform of f = −ε·logKv.
 *
 * ε-scaling (annealing): ε_k = max(ε, ε_0 q^k) from ε_0 = geometry.costScale, one
 * iteration per stage, then iterations at ε until the error is below `tol`. The
 * potentials ε(β − log ρ) are kept when ε changes. q defaults to 0.8: GeomLoss users
 * met negative divergences with q = 0.5; 0.7–0.9 is the recommended range.
 *
 * Marginal error: Σ_i |e^{α_i + sA_i} − e^{α'_i + sA_i}| where α' = A.update(sA):
 * for a balanced side this is ‖π1 − a‖₁ of the current plan; for any side it vanishes
 * exactly at the fixed point. It costs O(n) per iteration (sA is needed anyway).
 * A non-finite error or scaling stops the loop with `diverged` (distinct from
 * `converged = false`, which means the iteration budget ran out).
 *
 * Symmetric mode (self-transport OT_ε(α, α), the debiasing terms of the Sinkhorn
 * divergence; Feydy et al. 2019, §3.1 and GeomLoss): one potential, α = β, updated by
 * the averaged step  f ← ½(f + softmin_ε(f)),  i.e. α ← ½(α + A.update(log K e^α)).
 * Plain alternating Sinkhorn on a symmetric problem oscillates between two iterates
 * (linearized, its error contracts by λ² per α-update for the plan's eigenvalues λ, and
 * λ → 1 at small ε); the averaged map contracts by (1 − λ)/2 ≤ ½ on the modes λ ∈ [0, 1]
 * of the positive semi-definite Gaussian kernel. The loop ends with one full update
 * (GeomLoss's final extrapolation), so g = −ε·logKtu is again the exact soft C-transform.
 */
export interface SinkhornLoopOptions {
  /** Target regularization ε > 0. */
  eps: number;
  /** Stop when the marginal error (L1) is below tol. Default 1e-6. */
  tol?: number;
  /** Iteration budget, annealing stages included. Default 2000. */
  maxIter?: number;
  /** ε-scaling factor q in (0, 1), or false for no annealing. Default 0.8. */
  scaling?: number | false;
  /** First ε of the annealing schedule. Default geometry.costScale. */
  epsInit?: number;
  /** Warm start: potential g of side B, [m] (e.g. the previous step's). Default zeros. */
  potentialB?: Float64Array;
  /**
   * Over-relaxation at the target ε: α ← α + ω(α' − α), same for β (Thibault et al. 2021,
   * "Overrelaxed Sinkhorn–Knopp"). A number ω in [1, 2) (1 = plain Sinkhorn), or 'auto'
   * (see Relaxation). Default 1.
   */
  relaxation?: number | 'auto';
  /**
   * Self-transport: both sides are the same measure (n = m, sideB is not used) and the
   * averaged update above replaces the alternating one; over-relaxation is not applied.
   * Default false.
   */
  symmetric?: boolean;
}

/** What the one Sinkhorn loop returns: both log-scalings, the last kernel applications, iterations and marginal errors. */
export interface SinkhornLoopResult {
  /** Log-scaling α of side A, [n]. */
  logU: Float64Array;
  /** Log-scaling β of side B, [m] (the one α was computed from). */
  logV: Float64Array;
  /** log(K e^β), [n]: α = A.update(logKv). For balanced A, f = −ε·logKv. */
  logKv: Float64Array;
  /** log(Kᵀ e^α), [m], from the final α. For balanced B, g = −ε·logKtu. */
  logKtu: Float64Array;
  eps: number;
  /** α-updates performed (annealing stages included). */
  iterations: number;
  /** Last marginal error (L1, side A). */
  marginalError: number;
  /** Marginal error of every iteration. */
  errorHistory: number[];
  converged: boolean;
  /** A non-finite error or scaling appeared: the result is not usable. */
  diverged: boolean;
}

/** The ε values of the annealing schedule, ending with `eps` (docs/design.md §2). */
export function epsilonSchedule(eps: number, epsInit: number, scaling: number | false): number[] {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new UsageError(`eps must be a positive finite number; got ${eps}`);
  if (scaling === false) return [eps];
  if (!(scaling > 0 && scaling < 1)) throw new UsageError(`eps scaling factor must be in (0, 1); got ${scaling}`);
  const out: number[] = [];
  for (let e = epsInit; e > eps; e *= scaling) out.push(e);
  out.push(eps);
  return out;
}

function allFiniteOrNegInf(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== v[i] || v[i] === Infinity) return false;
  return true;
}

/** Keeps the potential ε(β − ref) when ε changes from e0 to e1; rescales warm outputs (≈ −potential/ε). */
function rescale(beta: Float64Array, ref: Float64Array, e0: number, e1: number): void {
  const r = e0 / e1;
  for (let j = 0; j < beta.length; j++) if (beta[j] !== -Infinity) beta[j] = ref[j] + (beta[j] - ref[j]) * r;
}

/** v ← ½(v + full), the symmetric (averaged) update; −∞ entries (zero mass) stay −∞. */
function average(v: Float64Array, full: Float64Array): void {
  for (let i = 0; i < v.length; i++) if (v[i] !== -Infinity) v[i] = 0.5 * (v[i] + full[i]);
}

/** next ← prev + ω (next − prev), keeping −∞ entries. */
function overRelax(next: Float64Array, prev: Float64Array, omega: number): void {
  for (let i = 0; i < next.length; i++) if (next[i] !== -Infinity && prev[i] !== -Infinity) next[i] = prev[i] + omega * (next[i] - prev[i]);
}

function scaleFinite(v: Float64Array, r: number): void {
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) v[i] *= r;
}

/** Runs the Sinkhorn loop on `geometry` with marginal updates `sideA` (rows) and `sideB` (columns). */
export function sinkhornLoop(geometry: SinkhornGeometry, sideA: MarginalUpdate, sideB: MarginalUpdate, opts: SinkhornLoopOptions): SinkhornLoopResult {
  const { n, m } = geometry;
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 2000;
  if (!(tol > 0)) throw new UsageError(`tol must be positive; got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new UsageError(`maxIter must be a positive integer; got ${maxIter}`);
  const schedule = epsilonSchedule(opts.eps, opts.epsInit ?? geometry.costScale, opts.scaling ?? 0.8);
  const symmetric = opts.symmetric ?? false;
  if (symmetric && n !== m) throw new UsageError(`the symmetric Sinkhorn update needs one measure on both sides; got ${n} and ${m} points`);
  if (symmetric) sideB = sideA;

  let alpha = new Float64Array(n);
  let alphaNext = new Float64Array(n);
  const beta = new Float64Array(m);
  const logKv = new Float64Array(n);
  const logKtu = new Float64Array(m);
  const refA = sideA.logReference;
  const refB = sideB.logReference;
  let eps = schedule[0];
  alpha.set(refA);
  for (let j = 0; j < m; j++) beta[j] = refB[j] + (opts.potentialB ? opts.potentialB[j] / eps : 0);

  const relax = new Relaxation(symmetric ? 1 : opts.relaxation ?? 1);
  const prev = new Float64Array(Math.max(n, m));
  const history: number[] = [];
  let err = Infinity;
  let iterations = 0;
  let converged = false;
  let diverged = false;
  for (let stage = 0; stage < schedule.length; stage++) {
    if (schedule[stage] !== eps) {
      // Both potentials are kept: β for the next kernel application, α so that the first
      // marginal error of the stage is that of a plan at the new ε (not of a mixed one).
      rescale(beta, refB, eps, schedule[stage]);
      rescale(alpha, refA, eps, schedule[stage]);
      scaleFinite(logKv, eps / schedule[stage]);
      scaleFinite(logKtu, eps / schedule[stage]);
      eps = schedule[stage];
    }
    const last = stage === schedule.length - 1;
    for (;;) {
      if (symmetric) alpha.set(beta); // the one potential; its error is that of π = e^{α_i + α_j − C_ij/ε}
      geometry.logApply(eps, beta, logKv);
      sideA.update(logKv, eps, alphaNext);
      err = 0;
      for (let i = 0; i < n; i++) {
        const s = logKv[i];
        if (alphaNext[i] === -Infinity && alpha[i] === -Infinity) continue;
        err += Math.abs(Math.exp(alpha[i] + s) - Math.exp(alphaNext[i] + s));
      }
      // With a warm start (potentialB) the first error compares against the cold α = log a,
      // which may overflow: that is not divergence (grid JKO steps warm-start every step).
      if (iterations === 0 && opts.potentialB && !Number.isFinite(err)) err = Number.MAX_VALUE;
      iterations++;
      history.push(err);
      const stop = !Number.isFinite(err) || (last && err < tol) || iterations >= maxIter;
      // The α that ends the loop is never relaxed: its rows are exact (π1 = a, or the JKO mass).
      const omega = last && !stop ? relax.next(err) : 1;
      if (omega !== 1) overRelax(alphaNext, alpha, omega);
      [alpha, alphaNext] = [alphaNext, alpha];
      if (!Number.isFinite(err) || !allFiniteOrNegInf(alpha)) {
        diverged = true;
        break;
      }
      if (stop) {
        converged = last && err < tol;
        break;
      }
      if (symmetric) {
        average(beta, alpha);
        if (!last) break;
        continue;
      }
      geometry.logApplyT(eps, alpha, logKtu);
      if (omega !== 1) prev.set(beta);
      sideB.update(logKtu, eps, beta);
      if (omega !== 1) overRelax(beta, prev, omega);
      if (!allFiniteOrNegInf(beta)) {
        diverged = true;
        break;
      }
      if (!last) break; // one iteration per annealing stage
    }
    if (diverged || converged || iterations >= maxIter) break;
  }
  if (!diverged) geometry.logApplyT(eps, alpha, logKtu);
  return { logU: alpha, logV: beta, logKv, logKtu, eps, iterations, marginalError: err, errorHistory: history, converged, diverged };
}
