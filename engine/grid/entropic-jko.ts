import type { RowExecutor } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { DivergenceError, UsageError, type SolverReport } from '../core/simulation.ts';
import { balancedMarginal, klProxMarginal } from '../ot/marginals.ts';
import { sinkhornLoop } from '../ot/sinkhorn-loop.ts';
import { GridGibbsGeometry, type KernelForm } from './gibbs-geometry.ts';
import type { GridEnergy } from './grid-energy.ts';
import type { GridMeasure } from './grid-measure.ts';
import { logKlProx } from './kl-prox.ts';
import { emptyModel, resetModel, type PointwiseModel } from './pointwise-model.ts';

/** Options of an entropic JKO step (docs/design.md §1.2): τ, ε and the inner Sinkhorn's stopping rule and kernel form. */
export interface EntropicJKOOptions {
  /** Time step τ of the flow. */
  tau: number;
  /** Entropic regularization ε of W_ε (cost ½|x−y|²). */
  eps: number;
  /** Stop when ‖a ⊙ Kb − p_k‖₁ < tol. Default 1e-9. */
  tol?: number;
  /** Sinkhorn iteration budget per step. Default 5000. */
  maxIter?: number;
  /** How K·u is applied: 'plain', 'log' or 'auto' (by the range rule, docs/design.md §1.2). Default 'auto'. */
  form?: KernelForm;
  /** Kernel truncation δ (gibbs-kernel.ts). */
  truncation?: number;
  /** Sinkhorn over-relaxation ω (engine/ot/relaxation.ts): 'auto' (default) or a number in [1, 2). */
  relaxation?: number | 'auto';
  /** The assembler of the SIMD convolution passes (the accelerator's); absent: JavaScript loops, same bits. */
  assembler?: WatAssembler | null;
  /** The row pool the dense (wide-kernel) passes are split over (the accelerator's `rows()`); absent: this thread, same bits. */
  rows?: RowExecutor | null | (() => RowExecutor | null);
}

/** Default tolerance of a JKO step's inner Sinkhorn, on the marginal error ‖π1 − p_k‖₁. */
export const JKO_TOL = 1e-9;
/** Default iteration budget of a JKO step's inner Sinkhorn; beyond it the step is reported as not converged (docs/design.md §1.2). */
export const JKO_MAX_ITER = 5000;

/**
 * What one JKO step did. `converged` is false when the Sinkhorn budget (`maxIter`) ran
 * out with `marginalError ≥ tol`: the step then still conserves mass exactly (it ends on an
 * a-update) but is only an approximate JKO step. Divergence (non-finite values) is not a
 * report: `step` throws DivergenceError.
 */
export interface JKOStepReport {
  /** Sinkhorn iterations the step took. */
  iterations: number;
  /** ‖π1 − p_k‖₁ of the plan before the last a-update (the loop's residual; 0 at the fixed point). */
  marginalError: number;
  /** Whether the marginal error fell below the tolerance within the budget. */
  converged: boolean;
  /** Kernel applications of this step that took the log (stabilized) form. */
  logApplications: number;
}

/**
 * One entropic JKO step (Peyré, *Entropic approximation of Wasserstein gradient
 * flows*, SIAM J. Imaging Sci. 2015; docs/design.md §1.2):
 *
 *     p_{k+1} = argmin_q W_ε(p_k, q) + τ F(q),   c(x, y) = ½|x − y|²,
 *
 * solved by the shared Sinkhorn loop (engine/ot/sinkhorn-loop.ts) on the grid
 * geometry with a balanced first side (π1 = p_k) and the KL-prox second side
 * b ← prox^{KL}_{σF}(Kᵀa)/(Kᵀa), σ = τ/ε. The loop ends right after an a-update,
 * so p_{k+1} = b ⊙ Kᵀa has exactly the mass of p_k (to round-off).
 * Cells: [size] row-major.
 */
export class EntropicJKO {
  readonly geometry: GridGibbsGeometry;
  /**
   * Warm start: the potential g = ε·log b of the previous step's second side (null
   * before the first step). Mass transported in one step is small, so g changes
   * little between steps and Sinkhorn restarts close to its fixed point. It is
   * scheme state: checkpoints carry it (grid-simulation.ts).
   */
  warmPotential: Float64Array | null = null;
  private readonly model: PointwiseModel;

  constructor(
    readonly energies: readonly GridEnergy[],
    measure: GridMeasure,
    readonly opts: EntropicJKOOptions,
  ) {
    if (!(opts.tau > 0)) throw new UsageError(`time step dt must be > 0; got ${opts.tau}`);
    this.geometry = new GridGibbsGeometry(measure.grid, opts.eps, opts.form ?? 'auto', { truncation: opts.truncation, assembler: opts.assembler, rows: opts.rows });
    this.model = emptyModel(measure.grid.size);
    this.buildModel(measure); // validates the terms (infeasible congestion, ...) before any step
    if (opts.form === 'plain') this.checkPlainRange();
  }

  /** σ = τ/ε. */
  get sigma(): number {
    return this.opts.tau / this.opts.eps;
  }

  get tol(): number {
    return this.opts.tol ?? JKO_TOL;
  }

  get maxIter(): number {
    return this.opts.maxIter ?? JKO_MAX_ITER;
  }

  /** σ·T of the last step's entropy term (0 without one): see jkoHealth. */
  get entropyStiffness(): number {
    return this.sigma * this.model.temperature;
  }

  /** Advances `measure` by one step (in place). Throws DivergenceError when the loop diverges. */
  step(measure: GridMeasure, stepIndex = 0): JKOStepReport {
    const p = measure.p;
    this.buildModel(measure);
    const sigma = this.sigma;
    const logBefore = this.geometry.counts.log;
    const sideA = balancedMarginal(p);
    const sideB = klProxMarginal(p.length, (s, eps, out) => logKlProx(this.model, this.opts.tau / eps, s, out));
    const res = sinkhornLoop(this.geometry, sideA, sideB, {
      eps: this.opts.eps,
      tol: this.tol,
      maxIter: this.maxIter,
      scaling: false,
      relaxation: this.opts.relaxation ?? 'auto',
      ...(this.warmPotential ? { potentialB: this.warmPotential } : {}),
    });
    if (res.diverged) throw new DivergenceError(stepIndex, `Sinkhorn diverged in the JKO step (σ = τ/ε = ${sigma.toPrecision(3)}, marginal error ${res.marginalError})`);
    // g itself, not g − c: the KL-prox side is not invariant under (f + c, g − c), so a
    // shifted start costs Sinkhorn the slow constant mode (measured: 5× more iterations).
    const warm = (this.warmPotential ??= new Float64Array(p.length));
    for (let j = 0; j < p.length; j++) warm[j] = this.opts.eps * res.logV[j];
    // p_{k+1} = b ⊙ Kᵀa from the final a (mass of p_k exactly).
    for (let i = 0; i < p.length; i++) {
      const x = res.logV[i] + res.logKtu[i];
      p[i] = x === -Infinity ? 0 : Math.exp(x); // a NaN stays NaN: the run loop reports it as divergence
    }
    return { iterations: res.iterations, marginalError: res.marginalError, converged: res.converged, logApplications: this.geometry.counts.log - logBefore };
  }

  private buildModel(measure: GridMeasure): void {
    resetModel(this.model);
    for (const e of this.energies) e.contribute(this.model, measure.p, measure);
  }

  /** Refuses form=plain when σ·spread(V) exceeds what plain scalings represent. */
  private checkPlainRange(): void {
    const { V, mask } = this.model;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < V.length; i++) {
      if (mask && mask[i]) continue;
      lo = Math.min(lo, V[i]);
      hi = Math.max(hi, V[i]);
    }
    const spread = this.sigma * (hi - lo);
    const limit = this.geometry.safeRange;
    if (spread > limit) {
      const epsMin = (this.opts.tau * (hi - lo)) / limit;
      throw new UsageError(`eps=${this.opts.eps} is too small for the plain kernel form: σ·spread(V) = (τ/ε)·${(hi - lo).toPrecision(3)} = ${spread.toPrecision(4)} > ${limit.toPrecision(4)} underflows; use form=log or auto, or eps ≥ ${epsMin.toPrecision(3)}`);
    }
  }
}

/**
 * The health of a JKO step for the run loop's solver guard: converged, residual = marginal error, and a
 * hint naming what makes the inner Sinkhorn converge faster. Its rate degrades as σ = τ/ε
 * grows; with an entropy term T the prox keeps only a 1/(1 + σT) power of Kᵀa, so the
 * error contracts by only about σT/(1 + σT) per iteration (measured: σT = 1e4 leaves the
 * error at e^{−0.5} of its start after 5000 iterations). A smaller dt or a larger eps help,
 * or a looser tol when the error is already small.
 */
export function jkoHealth(report: JKOStepReport, scheme: EntropicJKO): Omit<SolverReport, 'name' | 'iterations'> {
  const { tau, eps } = scheme.opts;
  const st = scheme.entropyStiffness;
  const why = st > 0 ? `σ = dt/eps = ${scheme.sigma.toPrecision(3)}, σ·T = ${st.toPrecision(3)}: Sinkhorn contracts by only ≈ σT/(1 + σT) per iteration` : `σ = dt/eps = ${scheme.sigma.toPrecision(3)}`;
  return {
    converged: report.converged,
    residual: report.marginalError,
    tolerance: scheme.tol,
    label: 'JKO Sinkhorn marginal error',
    hint: `the step spent its ${scheme.maxIter} Sinkhorn iterations (${why}); use a smaller dt (now ${tau}, e.g. --set dt=${tau / 10}), a larger eps (now ${eps}) or a looser tol`,
  };
}
