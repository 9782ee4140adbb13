import { DivergenceError, UsageError } from '../../core/simulation.ts';
import type { JKOStepReport } from '../entropic-jko.ts';
import type { GridEnergy } from '../grid-energy.ts';
import type { GridMeasure } from '../grid-measure.ts';
import { emptyModel, resetModel, type PointwiseModel } from '../pointwise-model.ts';
import { GridCTransform } from './c-transform.ts';
import { H1Preconditioner } from './h1-preconditioner.ts';
import { PointwiseConjugate } from './pointwise-dual.ts';
import { PotentialMap } from './potential-map.ts';

/** Options of an exact JKO step by the back-and-forth method (docs/design.md §1.2). */
export interface ExactJKOOptions {
  /** Time step τ of the flow. */
  tau: number;
  /** Stop when the marginal error ‖ρ(φ) − T#μ‖₁ (cell masses) is below tol. Default 1e-5. */
  tol?: number;
  /** Back-and-forth iterations per step. Default 500. */
  maxIter?: number;
}

/**
 * Scheme state carried from step to step (and by checkpoints): the dual potential φ of
 * the last step (φ ≈ −δF(ρ_k) up to a constant: a close start for the next step) and the
 * two adapted step sizes. A plain record: a checkpoint is a copy of it.
 */
export interface ExactJKOState {
  phi: Float64Array | null;
  sigmaForth: number;
  sigmaBack: number;
}

export interface ExactJKOStepReport extends JKOStepReport {
  /** Dual value Σ μ φ^c − F₁*(−φ) at the end of the step (a lower bound of the JKO objective). */
  dualValue: number;
  /** How many of the `iterations` (ascent half-steps) were back half-steps. */
  backAndForth: number;
}

/** Step sizes: grown while the marginal error falls, halved when it rises; kept in [SIGMA_MIN, SIGMA_MAX]. */
const GROW = 1.1, SHRINK = 0.5, SIGMA_MIN = 1e-4, SIGMA_MAX = 1.5, SLACK = 1.1;
/** Back half-steps in a row that do not lower the best marginal error before the step goes on with forth half-steps alone. */
const STALLS = 2;

/**
 * One exact (unregularized) JKO step on a grid by the back-and-forth method
 * (Jacobs, Lee & Léger, *The back-and-forth method for Wasserstein gradient flows*,
 * ESAIM:COCV 27, 2021), the scheme of docs/design.md §1.2 without the entropic blur:
 *
 *     ρ_{k+1} = argmin_ρ W2²(ρ, μ)/(2τ) + F(ρ),   μ = ρ_k,
 *
 * through its dual over a potential φ on the new density's side and ψ on μ's side,
 * for the cost |x − y|²/(2τ):
 *
 *     J(φ) = Σ μ φ^c − F₁*(−φ),     I(ψ) = Σ μ ψ − F₁*(−ψ^c),
 *
 * by H¹-preconditioned gradient ascent alternating between the two (forth, then back):
 *
 *     φ ← φ + σ_φ P⁻¹ (ρ(φ) − T#μ),
 *     ψ ← φ^c,  ψ ← ψ + σ_ψ P⁻¹ (μ − S#ρ(φ)),  φ ← ψ^c.
 *
 * ρ(φ) = ∂F₁*(−φ) (pointwise-dual.ts) carries the mass constraint: Σρ = 1 to round-off,
 * ρ ≥ 0, ρ ≤ κ; the output is ρ(φ). The c-transforms are exact on the grid
 * (c-transform.ts). Push-forwards use the map S = Id − τ∇φ (potential-map.ts): T#μ as
 * (S⁻¹)#μ in change-of-variables form, and the back gradient as μ − S#ρ = S#(T#μ − ρ)
 * (exact for a c-concave pair, S = T⁻¹), so that both half-steps share one discrete
 * fixed point, marginal error ‖ρ(φ) − T#μ‖₁ = 0, the stopping test. (With S#ρ from
 * ψ's own differences, as in the authors' code, the two fixed points sit ~1e−2 apart
 * at a free boundary: measured.) P (h1-preconditioner.ts): see setPreconditioner.
 *
 * The grid c-transform is exact for grid points, but a c-concave function on the grid
 * is a poor representation of a potential whose map compresses cells (det DS < 1):
 * ψ^c then flattens φ between the cells that no grid point selects, and a back
 * half-step can raise the marginal error (measured: ×2 on the early Barenblatt profile
 * at 96²). So the back half-steps run while they lower the best marginal error; after
 * STALLS that do not, the step goes on from the best potential with forth half-steps
 * alone (plain preconditioned ascent on J, same fixed point) to the tolerance.
 * `iterations` counts half-steps; `backAndForth` how many of them were back.
 * Energies: the entropic scheme's pointwise model (potential, entropy, porous medium,
 * congestion, obstacles, interaction through V = W*ρ_k). Cells [size] row-major, 1–3 axes.
 */
export class ExactJKO {
  state: ExactJKOState = { phi: null, sigmaForth: 1, sigmaBack: 1 };
  private readonly model: PointwiseModel;
  private readonly ctransform: GridCTransform;
  private readonly map: PotentialMap;
  private readonly precond: H1Preconditioner;
  private readonly conj: PointwiseConjugate;
  private readonly buf: Record<'mu' | 'phi' | 'psi' | 'rho' | 'push' | 'r' | 'dir' | 'best', Float64Array>;
  private lambda = NaN;
  private theta: [number, number] = [0, 0];
  private conjugateValue = 0;

  constructor(
    readonly energies: readonly GridEnergy[],
    measure: GridMeasure,
    readonly opts: ExactJKOOptions,
  ) {
    if (!(opts.tau > 0)) throw new UsageError(`time step dt must be > 0; got ${opts.tau}`);
    const grid = measure.grid;
    this.model = emptyModel(grid.size);
    this.buildModel(measure); // validates the terms before any step
    this.conj = new PointwiseConjugate(this.model);
    this.ctransform = new GridCTransform(grid, opts.tau);
    this.map = new PotentialMap(grid, opts.tau);
    this.precond = new H1Preconditioner(grid);
    const n = grid.size;
    this.buf = { mu: new Float64Array(n), phi: new Float64Array(n), psi: new Float64Array(n), rho: new Float64Array(n), push: new Float64Array(n), r: new Float64Array(n), dir: new Float64Array(n), best: new Float64Array(n) };
  }

  /** Advances `measure` by one step (in place). Throws DivergenceError when the ascent diverges. */
  step(measure: GridMeasure, stepIndex = 0): ExactJKOStepReport {
    this.buildModel(measure);
    const { mu, phi, psi, rho, dir } = this.buf;
    const mask = this.model.mask;
    const tol = this.opts.tol ?? 1e-5, maxIter = this.opts.maxIter ?? 500;
    mu.set(measure.p);
    this.lambda = NaN; // the multiplier's warm start lives within a step: a step depends on `state` alone
    if (this.state.phi) phi.set(this.state.phi);
    else this.initialPotential(mu, phi);
    this.cConcave(phi);
    const muMax = max(mu);
    this.setPreconditioner(muMax);
    let { sigmaForth, sigmaBack } = this.state;
    let error = this.residual(phi);
    let best = error, steps = 0, bfm = 0, stalls = 0, polishing = false;
    const keep = this.buf.best;
    keep.set(phi);
    while (error >= tol && steps < maxIter && Number.isFinite(error)) {
      // Forth: φ ← φ + σ P⁻¹(ρ(φ) − T#μ).
      this.forthDirection(dir);
      for (let i = 0; i < phi.length; i++) phi[i] += sigmaForth * dir[i];
      const before = error;
      error = this.residual(phi);
      sigmaForth = adapt(sigmaForth, before, error);
      steps++;
      if (error < best) {
        best = error;
        keep.set(phi);
      }
      if (polishing || error < tol || !Number.isFinite(error) || steps >= maxIter) continue;
      // Back: ψ ← φ^c, ψ ← ψ + σ P⁻¹(μ − S#ρ) with μ − S#ρ = −S#r, φ ← ψ^c.
      this.ctransform.apply(phi, psi, mask);
      this.backDirection(dir);
      for (let i = 0; i < psi.length; i++) psi[i] += sigmaBack * dir[i];
      this.ctransform.apply(psi, phi);
      const mid = error;
      error = this.residual(phi);
      sigmaBack = adapt(sigmaBack, mid, error);
      steps++;
      bfm++;
      if (error < best) {
        best = error;
        keep.set(phi);
        stalls = 0;
      } else if (++stalls >= STALLS) {
        // The grid c-transform no longer resolves the map (see the class comment):
        // go on from the best potential with forth half-steps alone.
        polishing = true;
        phi.set(keep);
        error = this.residual(phi);
      }
    }
    if (Number.isFinite(error) && error > best) {
      phi.set(keep);
      error = this.residual(phi);
    }
    const converged = error < tol;
    if (!Number.isFinite(error)) {
      throw new DivergenceError(stepIndex, `back-and-forth diverged in the exact JKO step (marginal error ${error}); try a smaller dt`);
    }
    this.ctransform.apply(phi, psi, mask);
    const dualValue = dot(mu, psi) - this.conjugateValue;
    measure.p.set(rho);
    this.state = { phi: phi.slice(), sigmaForth, sigmaBack };
    return { iterations: steps, marginalError: error, converged, logApplications: 0, dualValue, backAndForth: bfm };
  }

  /**
   * P ≈ the curvature of the dual, χ + τ(−div μ∇) with χ = dρ/dφ of the pointwise
   * conjugate, bounded above by P = χ(max μ) + τ·max μ·(−Δ) (so σ ≲ 1 is stable).
   * For porous media and congestion χ is flat on the support and this is close; with
   * entropy χ = ρ/T falls off in the tails, where the steps are then too short: the
   * marginal error stalls near 1e−3 (measured on Fokker–Planck, reported as not
   * converged). Weighting P by ρ, or stepping on log ρ as Sinkhorn does, was unstable
   * in the tails in our trials.
   */
  private setPreconditioner(muMax: number): void {
    this.theta = [this.conj.slopeAt(muMax), this.opts.tau * muMax];
  }

  /** The ascent direction of the forth half-step from the last residual(): P⁻¹r, into out. */
  private forthDirection(out: Float64Array): void {
    this.precond.solve(this.buf.r, out, this.theta[0], this.theta[1]);
  }

  /** The ascent direction of the back half-step, P⁻¹(μ − S#ρ) = −P⁻¹ S#r, into out. */
  private backDirection(out: Float64Array): void {
    this.map.push(this.buf.r, out);
    for (let i = 0; i < out.length; i++) out[i] = -out[i];
    this.precond.solve(out, out, this.theta[0], this.theta[1]);
  }

  /** ψ ← φ^c (obstacle cells left out of the minimum), φ ← ψ^c: φ^cc ≥ φ, which raises J. */
  private cConcave(phi: Float64Array): void {
    this.ctransform.apply(phi, this.buf.psi, this.model.mask);
    this.ctransform.apply(this.buf.psi, phi);
  }

  /**
   * At the potential φ: ρ = ρ(φ) into buf.rho, the map S of φ, T#μ = (S⁻¹)#μ rescaled to
   * unit mass (the change-of-variables form is a quadrature of ∫μ, off by O(h²)), and
   * r = ρ − T#μ into buf.r. Returns the marginal error ‖r‖₁.
   */
  private residual(phi: Float64Array): number {
    const { mu, rho, push, r } = this.buf;
    const c = this.conj.evaluate(phi, rho, this.lambda);
    this.lambda = c.lambda;
    this.conjugateValue = c.value;
    this.map.set(phi);
    this.map.pullDensity(mu, push, this.model.mask);
    let total = 0;
    for (let i = 0; i < push.length; i++) total += push[i];
    const scale = 1 / total;
    let err = 0;
    for (let i = 0; i < r.length; i++) {
      push[i] *= scale;
      r[i] = rho[i] - push[i];
      err += Math.abs(r[i]);
    }
    return err;
  }

  /** φ₀ = −δF(μ) up to a constant, so that ρ(φ₀) = μ where the pointwise map inverts. */
  private initialPotential(mu: Float64Array, phi: Float64Array): void {
    const { V, temperature: T, porous } = this.model;
    const B = porous.coef > 0 ? (porous.coef * porous.m) / (porous.m - 1) : 0;
    for (let i = 0; i < mu.length; i++) {
      const q = Math.max(mu[i], 1e-300);
      phi[i] = -V[i] - (T > 0 ? T * Math.log(q) : 0) - (B > 0 ? B * Math.pow(q, porous.m - 1) : 0);
    }
  }

  private buildModel(measure: GridMeasure): void {
    resetModel(this.model);
    for (const e of this.energies) e.contribute(this.model, measure.p, measure);
  }
}

/** Next step size from the marginal error before and after a half-step. */
function adapt(sigma: number, before: number, after: number): number {
  const next = after <= before * SLACK ? sigma * GROW : sigma * SHRINK;
  return Math.min(SIGMA_MAX, Math.max(SIGMA_MIN, next));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function max(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}
