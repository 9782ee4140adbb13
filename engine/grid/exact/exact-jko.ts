import { DivergenceError, UsageError } from '../../core/simulation.ts';
import type { JKOStepReport } from '../entropic-jko.ts';
import type { GridEnergy } from '../grid-energy.ts';
import type { GridMeasure } from '../grid-measure.ts';
import { emptyModel, resetModel, type PointwiseModel } from '../pointwise-model.ts';
import { GridCTransform } from './c-transform.ts';
import { H1Preconditioner } from './h1-preconditioner.ts';
import { PointwiseConjugate } from './pointwise-dual.ts';
import { PotentialMap } from './potential-map.ts';

export interface ExactJKOOptions {
  /** Time step τ of the flow. */
  tau: number;
  /** Stop when the marginal error ‖ρ(φ) − T#μ‖₁ (cell masses) is below tol. Default 1e-6. */
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
}

/** Step sizes: grown while the marginal error falls, halved when it rises; kept in [SIGMA_MIN, SIGMA_MAX]. */
const GROW = 1.1, SHRINK = 0.5, SIGMA_MIN = 1e-4, SIGMA_MAX = 1.5, SLACK = 1.1;

/**
 * One exact (unregularized) JKO step on a grid by the back-and-forth method
 * (Jacobs, Lee & Léger, *The back-and-forth method for Wasserstein gradient flows*,
 * ESAIM:COCV 27, 2021), the scheme of DESIGN §1.2 without the entropic blur:
 *
 *     ρ_{k+1} = argmin_ρ W2²(ρ, μ)/(2τ) + F(ρ),   μ = ρ_k,
 *
 * through its dual over a potential φ on the new density's side and ψ on μ's side,
 * for the cost |x − y|²/(2τ):
 *
 *     J(φ) = Σ μ φ^c − F₁*(−φ),     I(ψ) = Σ μ ψ − F₁*(−ψ^c),
 *
 * alternating H¹-preconditioned gradient ascent steps on J and on I, each followed by
 * a c-transform (which only raises the dual and keeps the pair c-concave):
 *
 *     φ ← φ + σ_φ P⁻¹ (ρ(φ) − T#μ),   ψ ← φ^c,  φ ← ψ^c,
 *     ψ ← ψ + σ_ψ P⁻¹ (μ − S#ρ(φ)),   φ ← ψ^c.
 *
 * P = θ₁ + θ₂(−Δ) (h1-preconditioner.ts) matches the curvature of the two dual terms:
 * θ₁ = dρ/dφ of the pointwise conjugate at the largest cell mass, θ₂ = τ·max μ.
 * ρ(φ) = ∂F₁*(−φ) (pointwise-dual.ts) carries the mass constraint, so Σρ = 1 to
 * round-off, ρ ≥ 0, ρ ≤ κ. The c-transforms are exact on the grid (c-transform.ts).
 * The push-forwards use the map S = Id − τ∇φ (potential-map.ts): T#μ = (S⁻¹)#μ in
 * change-of-variables form, and the back gradient in the form μ − S#ρ = S#(T#μ − ρ)
 * (exact for a c-concave pair, where S = T⁻¹), so that both half-steps share one
 * discrete fixed point: the marginal error ‖ρ(φ) − T#μ‖₁, the stopping test.
 * (Evaluating S#ρ with ψ's own differences instead, as the authors' code does, leaves
 * the two half-steps with fixed points a few 1e−2 apart at a free boundary: measured.)
 * Energies: the entropic scheme's pointwise model (potential, entropy, porous medium,
 * congestion, obstacles, interaction through V = W*ρ_k).
 * Cells [size] row-major, 1 to 3 axes.
 */
export class ExactJKO {
  state: ExactJKOState = { phi: null, sigmaForth: 1, sigmaBack: 1 };
  private readonly model: PointwiseModel;
  private readonly ctransform: GridCTransform;
  private readonly map: PotentialMap;
  private readonly precond: H1Preconditioner;
  private readonly conj: PointwiseConjugate;
  private readonly buf: Record<'mu' | 'phi' | 'psi' | 'rho' | 'push' | 'r' | 'dir', Float64Array>;
  private lambda = NaN;
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
    this.buf = { mu: new Float64Array(n), phi: new Float64Array(n), psi: new Float64Array(n), rho: new Float64Array(n), push: new Float64Array(n), r: new Float64Array(n), dir: new Float64Array(n) };
  }

  /** Advances `measure` by one step (in place). Throws DivergenceError when the ascent diverges. */
  step(measure: GridMeasure, stepIndex = 0): ExactJKOStepReport {
    this.buildModel(measure);
    const { mu, phi, psi, rho, r, dir } = this.buf;
    const mask = this.model.mask;
    const tol = this.opts.tol ?? 1e-6, maxIter = this.opts.maxIter ?? 500;
    mu.set(measure.p);
    if (this.state.phi) phi.set(this.state.phi);
    else this.initialPotential(mu, phi);
    this.cConcave(phi);
    const muMax = max(mu);
    const theta1 = this.conj.slopeAt(muMax), theta2 = this.opts.tau * muMax;
    let { sigmaForth, sigmaBack } = this.state;
    let error = this.residual(phi);
    let iterations = 0, converged = error < tol;
    while (!converged && iterations < maxIter && Number.isFinite(error)) {
      iterations++;
      // Forth: φ ← φ + σ P⁻¹(ρ(φ) − T#μ), then the c-concave pair (φ^c, φ^cc).
      this.precond.solve(r, dir, theta1, theta2);
      for (let i = 0; i < phi.length; i++) phi[i] += sigmaForth * dir[i];
      this.cConcave(phi);
      const mid = this.residual(phi);
      sigmaForth = adapt(sigmaForth, error, mid);
      if (mid < tol || !Number.isFinite(mid)) {
        error = mid;
        converged = mid < tol;
        break;
      }
      // Back: ψ ← ψ + σ P⁻¹(μ − S#ρ) with μ − S#ρ = −S#r, then φ ← ψ^c.
      this.map.push(r, dir);
      for (let i = 0; i < dir.length; i++) dir[i] = -dir[i];
      this.precond.solve(dir, dir, theta1, theta2);
      for (let i = 0; i < psi.length; i++) psi[i] += sigmaBack * dir[i];
      this.ctransform.apply(psi, phi);
      error = this.residual(phi);
      sigmaBack = adapt(sigmaBack, mid, error);
      converged = error < tol;
    }
    if (!Number.isFinite(error)) {
      throw new DivergenceError(stepIndex, `back-and-forth diverged in the exact JKO step (marginal error ${error}); try a smaller dt`);
    }
    this.ctransform.apply(phi, psi, mask);
    const dualValue = dot(mu, psi) - this.conjugateValue;
    measure.p.set(rho);
    this.state = { phi: phi.slice(), sigmaForth, sigmaBack };
    return { iterations, marginalError: error, converged, logApplications: 0, dualValue };
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
      r[i] = rho[i] - push[i] * scale;
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
