import { DivergenceError, UsageError } from '../../core/simulation.ts';
import type { JKOStepReport } from '../entropic-jko.ts';
import type { GridEnergy } from '../grid-energy.ts';
import type { GridMeasure } from '../grid-measure.ts';
import { emptyModel, resetModel, type PointwiseModel } from '../pointwise-model.ts';
import { GridCTransform } from './c-transform.ts';
import { H1Preconditioner } from './h1-preconditioner.ts';
import { PointwiseConjugate } from './pointwise-dual.ts';
import { PotentialMap } from './potential-map.ts';
import { WeightedH1Solver } from './weighted-h1.ts';

/** Options of an exact JKO step by the back-and-forth method (docs/design.md §1.2). */
export interface ExactJKOOptions {
  /** Time step τ of the flow. */
  tau: number;
  /** Stop when the marginal error ‖ρ(φ) − T#μ‖₁ (cell masses) is below tol. Default 1e-5. */
  tol?: number;
  /** Back-and-forth iterations per step. Default 500. */
  maxIter?: number;
  /**
   * Newton path before the back-and-forth half-steps: 'auto' (default) takes it when the
   * energy has an entropy term, 'off' never. See ExactJKO.step.
   */
  newton?: 'auto' | 'off';
  /**
   * Congestion with a potential alone (crowd motion): the width of the porous relaxation's ramp
   * as a multiple of the one-cell width (relax()); default 1. Smaller values approach the
   * unrelaxed step (the error against finer relaxations: docs/guide.md); 0 runs the unrelaxed
   * bang-bang dual, which does not reach `tol` on a grid (design.md §1.2: its marginal error
   * stalls at the edge band of the crowd) and reports its steps as not converged.
   */
  relaxation?: number;
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
  /** Accepted Newton steps (each costs one or more of the `iterations`: the backtracking tries). */
  newtonSteps: number;
  /** Conjugate-gradient iterations of the Newton solves, summed over the step. */
  newtonCg: number;
  /** Whether the Newton path gave up (no decrease after backtracking, or a stall) and the gradient path finished the step. */
  newtonFallback: boolean;
}

/** Step sizes: grown while the marginal error falls, halved when it rises; kept in [SIGMA_MIN, SIGMA_MAX]. */
const GROW = 1.1, SHRINK = 0.5, SIGMA_MIN = 1e-4, SIGMA_MAX = 1.5, SLACK = 1.1;
/** Back half-steps in a row that do not lower the best marginal error before the step goes on with forth half-steps alone. */
const STALLS = 2;
/** The polish goes back to its best potential when the marginal error exceeds RESET times the best. */
const RESET = 4;
/**
 * Newton path: the step length is halved up to NEWTON_BACKTRACK times until the marginal
 * error falls; NEWTON_STALLS accepted steps in a row that keep more than NEWTON_SLOW of the
 * error mean the quadratic model no longer holds. The CG solve of each Newton system stops at
 * a relative residual NEWTON_RTOL (an inexact Newton step) or NEWTON_CG iterations.
 */
const NEWTON_FOLD = 1, NEWTON_CLIP = 5, NEWTON_BACKTRACK = 5, NEWTON_STALLS = 3, NEWTON_SLOW = 0.7, NEWTON_RTOL = 1e-3, NEWTON_CG = 400;
/**
 * Floor of the Newton operator's weights, relative to their maxima: where ρ and T#μ both vanish
 * (far tails) A keeps a tiny Laplacian, so the step there is smooth (with 1e−12 the tails
 * steered the map and the error rose after 2e−6 at 64²; 1e−4 stalled near 1e−4: measured).
 */
const NEWTON_FLOOR = 1e-8;

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
 * With an entropy term a damped Newton path runs first (see step() and newtonDirection;
 * docs/design.md §1.2), with the back-and-forth path as its fallback.
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
  private readonly weighted: WeightedH1Solver;
  private readonly buf: Record<'mu' | 'phi' | 'psi' | 'rho' | 'push' | 'r' | 'dir' | 'best' | 'prev' | 'start' | 'newton' | 'chi' | 'rhs' | 'xk', Float64Array> & { nuk: Float64Array[] };
  private pushScale = 1;
  private lastError = NaN;
  /** max V − min V of the model at the step's start (the slack of descends()). */
  private potentialRange = 0;
  /** B of the porous relaxation of congestion alone (relax()); 0 when the energy has its own entropy or porous term. */
  relaxation = 0;
  /** Whether the step's μ satisfies the constraints (see descends()). */
  private startFeasible = true;
  /** s(max μ) of the porous term (its pressure scale: the Newton clip without entropy). */
  private pressureScale = 0;
  private lambda = NaN;
  private theta: [number, number] = [0, 0];
  private conjugateValue = 0;

  constructor(
    readonly energies: readonly GridEnergy[],
    measure: GridMeasure,
    readonly opts: ExactJKOOptions,
  ) {
    if (!(opts.tau > 0)) throw new UsageError(`time step dt must be > 0; got ${opts.tau}`);
    if (opts.relaxation !== undefined && !(opts.relaxation >= 0 && Number.isFinite(opts.relaxation))) throw new UsageError(`the congestion relaxation must be a finite number ≥ 0; got ${opts.relaxation}`);
    const grid = measure.grid;
    this.model = emptyModel(grid.size);
    this.buildModel(measure); // validates the terms before any step
    this.conj = new PointwiseConjugate(this.model);
    this.ctransform = new GridCTransform(grid, opts.tau);
    this.map = new PotentialMap(grid, opts.tau);
    this.precond = new H1Preconditioner(grid);
    this.weighted = new WeightedH1Solver(grid);
    const n = grid.size;
    const f = () => new Float64Array(n);
    this.buf = { mu: f(), phi: f(), psi: f(), rho: f(), push: f(), r: f(), dir: f(), best: f(), prev: f(), start: f(), newton: f(), chi: f(), rhs: f(), xk: f(), nuk: grid.shape.map(f) };
  }

  /** Advances `measure` by one step (in place). Throws DivergenceError when the ascent diverges. */
  step(measure: GridMeasure, stepIndex = 0): ExactJKOStepReport {
    this.buildModel(measure);
    const { mu, phi, psi, rho, dir } = this.buf;
    const mask = this.model.mask;
    const tol = this.opts.tol ?? 1e-5, maxIter = this.opts.maxIter ?? 500;
    mu.set(measure.p);
    this.lambda = NaN; // the multiplier's warm start lives within a step: a step depends on `state` alone
    // Warm start from the last step's potential, except under congestion: there it holds the
    // last step's pressure, and the marginal error does not tell which start is better (0.30
    // warm against 0.21 fresh at the second porous + congestion step at 48², then 272 and 404
    // half-steps from the warm start against 41 and 45 from −δF(μ); on porous medium alone the
    // two starts differ by < 1% in marginal error and the warm one saves ~10%: measured).
    if (this.state.phi && !(this.model.cap < Infinity)) phi.set(this.state.phi);
    else this.initialPotential(mu, phi);
    this.cConcave(phi);
    const muMax = max(mu);
    this.setPreconditioner(muMax);
    this.potentialRange = max(this.model.V) - min(this.model.V);
    this.startFeasible = this.feasible(mu);
    this.pressureScale = this.model.porous.coef > 0 ? this.conj.potentialAt(muMax) : 0;
    let { sigmaForth, sigmaBack } = this.state;
    let error = this.residual(phi);
    let best = error, steps = 0, bfm = 0, stalls = 0, polishing = false, momentum = 1;
    const keep = this.buf.best;
    keep.set(phi);
    let newtonSteps = 0, newtonCg = 0, newtonFallback = false, newtonBest = Infinity;
    if (this.useNewton()) {
      // Newton path: φ ← φ + s·d (newtonDirection), s = 1, ½, ¼, … until the marginal error
      // falls and the mass on cells where the map folds (det(I − τD²φ) ≤ 0, where T#μ is 0 by
      // construction and the residual no longer certifies anything) stays below the error.
      // Safeguard: no acceptable trial after the backtracking, NEWTON_STALLS slow steps, or a
      // failed solve hand the step to the back-and-forth path below, restarted from the step's
      // c-concave start; the step returns whichever of the two potentials has the lower error.
      const prev = this.buf.prev, start = this.buf.start;
      start.set(phi);
      let slow = 0;
      while (error >= tol && steps < maxIter) {
        const cg = this.newtonDirection(dir);
        newtonCg += Math.max(cg, 0);
        if (cg < 0) {
          newtonFallback = true;
          break;
        }
        prev.set(phi);
        const before = error;
        let s = 1, accepted = false;
        for (let t = 0; t <= NEWTON_BACKTRACK && steps < maxIter; t++, s *= 0.5) {
          for (let i = 0; i < phi.length; i++) phi[i] = prev[i] + s * dir[i];
          error = this.residual(phi);
          steps++;
          const folded = this.foldedMass();
          if (error < before && folded <= NEWTON_FOLD * error) {
            accepted = true;
            break;
          }
        }
        if (!accepted) {
          newtonFallback = true;
          break;
        }
        newtonSteps++;
        if (error < best) {
          best = error;
          keep.set(phi);
        }
        slow = error > NEWTON_SLOW * before ? slow + 1 : 0;
        if (slow >= NEWTON_STALLS) {
          newtonFallback = true;
          break;
        }
      }
      if (newtonFallback) {
        // The back-and-forth path's own bookkeeping (its stalls go back to its best) starts afresh.
        // Newton's best stays a candidate if Newton made progress and it passes the descent check.
        if (newtonSteps > 0) {
          phi.set(keep);
          this.residual(phi);
          if (this.descends(mu)) {
            newtonBest = best;
            this.buf.newton.set(keep);
          }
        }
        phi.set(start);
        error = this.residual(phi);
        best = error;
        keep.set(phi);
      }
    }
    while (error >= tol && steps < maxIter && Number.isFinite(error)) {
      // Forth: φ ← φ + σ P⁻¹(ρ(φ) − T#μ); once polishing, with momentum (accelerate()).
      this.forthDirection(dir);
      // Momentum only without an entropy term: with one (aggregation–diffusion in 1D at 200 cells)
      // the accelerated polish ends with the density far off (W2 to the exact law 0.165, 0.150
      // with the restarts below, against 0.016 with plain forth half-steps). The cause: the
      // extrapolated potentials leave the c-concave ones (max|φ^cc − φ| ≈ 0.14 at the end of
      // every step, against 2e−3 plain late in the run), where the change-of-variables T#μ is no
      // longer the dual's gradient, so a small marginal error (1e−5–6e−5) certifies nothing:
      // φ^cc has an error of 5e−3. Not the warm start (a fresh start: 0.150), not a fold of the
      // map (folded mass ≤ 7e−7). Projecting φ ← φ^cc after each accelerated half-step brings
      // W2 to 0.022, still above the plain polish, so momentum stays off there (measured).
      if (polishing && !(this.model.temperature > 0)) momentum = this.accelerate(phi, dir, sigmaForth, momentum);
      else for (let i = 0; i < phi.length; i++) phi[i] += sigmaForth * dir[i];
      const before = error;
      error = this.residual(phi);
      sigmaForth = adapt(sigmaForth, before, error);
      steps++;
      if (error < best && this.descends(mu)) {
        best = error;
        keep.set(phi);
      }
      // Restart the momentum on a rise of the marginal error too (O'Donoghue & Candès's function
      // restart with the error as the merit), not only on accelerate()'s gradient test, and go
      // back to the best potential with a shorter step when the error is far above the best:
      // on crowd-motion at 128² the gradient test let t grow to 40 while the error sat at 2
      // (every cell off) and 19 of 20 steps stopped at 500 half-steps; with both, 5 of 20 did
      // (15 converged; 64²: 20 of 20 in 66 half-steps per step, 75 before). Measured. (The dual
      // value as the merit instead restarted too often: 197 half-steps per step at 64².)
      if (polishing && momentum > 1 && error > before * SLACK) momentum = 1;
      if (polishing && error > RESET * best) {
        phi.set(keep);
        this.buf.xk.set(keep);
        momentum = 1;
        sigmaForth = Math.max(SIGMA_MIN, sigmaForth * SHRINK);
        error = this.residual(phi);
        steps++;
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
      if (error < best && this.descends(mu)) {
        best = error;
        keep.set(phi);
        stalls = 0;
      } else if (++stalls >= STALLS) {
        // The grid c-transform no longer resolves the map (see the class comment):
        // go on from the best potential with forth half-steps alone.
        polishing = true;
        phi.set(keep);
        this.buf.xk.set(keep);
        momentum = 1;
        error = this.residual(phi);
      }
    }
    if (Number.isFinite(error) && (error > best || !this.descends(mu))) {
      phi.set(keep);
      error = this.residual(phi);
    }
    if (newtonBest < error || (newtonBest < Infinity && !Number.isFinite(error))) {
      phi.set(this.buf.newton);
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
    return { iterations: steps, marginalError: error, converged, logApplications: 0, dualValue, backAndForth: bfm, newtonSteps, newtonCg, newtonFallback };
  }

  /**
   * P ≈ the curvature of the dual, χ + τ(−div μ∇) with χ = dρ/dφ of the pointwise
   * conjugate, bounded above by P = χ(max μ) + τ·max μ·(−Δ) (so σ ≲ 1 is stable).
   * For porous media and congestion χ is flat on the support and this is close; with
   * entropy χ = ρ/T falls off in the tails, where the steps are then too short: the
   * marginal error stalls near 1e−3 (measured on Fokker–Planck, reported as not
   * converged). With an entropy term the step therefore runs the Newton path first
   * (newtonDirection: P weighted by the densities, solved by CG), this path after it.
   */
  private setPreconditioner(muMax: number): void {
    this.theta = [this.conj.slopeAt(muMax), this.opts.tau * muMax];
  }

  /** Σρ over the cells where the map of the last residual() folds (det(I − τD²φ) ≤ 0): there T#μ is 0 by construction. */
  private foldedMass(): number {
    const J = this.map.jacobian, rho = this.buf.rho;
    let m = 0;
    for (let i = 0; i < J.length; i++) if (!(J[i] > 0)) m += rho[i];
    return m;
  }

  /**
   * A check that does not trust the residual (which a folded or flattened map can make small
   * for a wrong density: measured on grid-diffusion-3d, mean 2.49 for 1.0): the JKO step must
   * not raise the objective above the value of staying put, F(ρ) + Σρ τ|∇φ|²/2 ≤ F(μ) (the
   * cost of the map S = Id − τ∇φ from ρ, which carries ρ onto μ up to the residual), with a
   * slack of ‖r‖₁·(1 + max|V|) for the residual. At the last residual(). When μ itself breaks
   * a constraint (above the congestion cap, or mass on an obstacle: a start from a profile
   * that does not fit under κ) staying put is not admissible, F(μ) = +∞, and the check
   * passes (it compared with F(μ) without the indicator and rejected every step that pushed
   * the mass under the cap: measured, porous + congestion from Barenblatt at 128²).
   */
  private descends(mu: Float64Array): boolean {
    if (!this.startFeasible) return true;
    const rho = this.buf.rho;
    const cost = this.map.transportCost(rho);
    const slack = this.lastError * (1 + this.potentialRange);
    return this.conj.energy(rho) + cost <= this.conj.energy(mu) + slack;
  }

  /** Whether μ satisfies the constraints of F (ρ ≤ cap up to round-off, no mass on the mask). */
  private feasible(mu: Float64Array): boolean {
    const { cap, mask } = this.model;
    for (let i = 0; i < mu.length; i++) if (mu[i] > cap * (1 + 1e-12) || (mask && mask[i] && mu[i] > 0)) return false;
    return true;
  }

  /** The Newton path is taken with an entropy term unless switched off (options.newton). */
  private useNewton(): boolean {
    return (this.opts.newton ?? 'auto') === 'auto' && this.model.temperature > 0;
  }

  /**
   * The Newton direction from the last residual() into out: A d = g with
   *
   *     A = χ + τ(−div ν M⁻¹ ∇),   M = I − τD²φ,   ν = T#μ,
   *
   * the negative Hessian of J up to constants (the M⁻¹ from the derivative of the map;
   * weighted-h1.ts keeps its diagonal). Where ρ and ν are both positive and below the cap
   * the residual is taken in potential form, g = χ(ν)·(s(ρ) − s(ν)) with χ = χ(ν) (for the
   * entropy T·log(ρ/ν)·ν/T): the linear form ρ − ν asks for steps of T(1 − ν/ρ) in the tails,
   * where ν/ρ spans decades (measured up to 1e9 there; the log form converged the first
   * Fokker–Planck step at 128² in 3 Newton steps against 6). Elsewhere g = ρ − ν, χ = dρ/ds
   * at ρ. Steps are clipped to ±NEWTON_CLIP·T per cell. Returns the CG iterations, or −1
   * when the solve fails (non-finite, or the CG residual above ½).
   */
  private newtonDirection(out: Float64Array): number {
    const { rho, push, chi, r, rhs } = this.buf;
    this.conj.slopes(rho, chi);
    rhs.set(r);
    const cap = this.model.cap, mask = this.model.mask;
    for (let i = 0; i < rho.length; i++) {
      const q = rho[i], v = push[i];
      if (!(q > 0 && v > 0 && q < cap && v < cap) || (mask && mask[i])) continue;
      const c = this.conj.slopeAt(v);
      chi[i] = c;
      rhs[i] = c * (this.conj.potentialAt(q) - this.conj.potentialAt(v));
    }
    // ν M⁻¹ on the diagonal, M = I − τD²φ: ν_k = μ(S)·cof_kk(M)·(the push's unit-mass scale),
    // since ν = μ(S)·det M. (With ν alone the Newton steps stall near 5e−3 at 128², τ/h² = 16: measured.)
    const nu = this.map.cofactor.map((c, k) => {
      const w = this.buf.nuk[k], a = this.map.sampled, scale = this.pushScale;
      for (let i = 0; i < w.length; i++) w[i] = a[i] * c[i] * scale;
      return w;
    });
    this.weighted.set(chi, nu, this.opts.tau, NEWTON_FLOOR * max(chi), NEWTON_FLOOR * max(push));
    const rep = this.weighted.solve(rhs, out, NEWTON_RTOL, NEWTON_CG);
    if (!(rep.relativeResidual < 0.5)) return -1;
    // Trust region per cell (the potential form's steps are O(T·log(ρ/ν)); a bound keeps one
    // bad cell from steering the map).
    const clip = NEWTON_CLIP * (this.model.temperature + this.pressureScale);
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (!Number.isFinite(v)) return -1;
      out[i] = v > clip ? clip : v < -clip ? -clip : v;
    }
    return rep.iterations;
  }

  /**
   * One accelerated forth half-step (Nesterov's momentum with O'Donoghue & Candès's gradient
   * restart, "Adaptive restart for accelerated gradient schemes", FoCM 2015): with y = φ the
   * point of the last residual() and x_k = buf.xk the previous plain iterate,
   *
   *     x_{k+1} = y + σ P⁻¹ r(y),    y ← x_{k+1} + β (x_{k+1} − x_k),   β = (t_k − 1)/t_{k+1},
   *
   * t_{k+1} = (1 + √(1 + 4t_k²))/2, restarted (β = 0, t = 1) when the momentum points against
   * the ascent direction, ⟨r(y), x_{k+1} − x_k⟩ < 0. The constant preconditioner bounds the
   * dual's curvature from above (τ·max μ where the density is lower): plain steps crawl in
   * the tails of the support, the error falling like 1/k (measured: 150–230 half-steps per
   * porous step at 256² for exact_tol 1e−4, against ~50 with momentum). Returns t_{k+1}.
   */
  private accelerate(phi: Float64Array, dir: Float64Array, sigma: number, t: number): number {
    const { xk, r } = this.buf;
    let along = 0;
    for (let i = 0; i < phi.length; i++) {
      const x = phi[i] + sigma * dir[i];
      dir[i] = x;
      along += r[i] * (x - xk[i]);
    }
    let beta = 0, next = 1;
    if (along >= 0) {
      next = 0.5 * (1 + Math.sqrt(1 + 4 * t * t));
      beta = (t - 1) / next;
    }
    for (let i = 0; i < phi.length; i++) {
      const x = dir[i];
      phi[i] = x + beta * (x - xk[i]);
      xk[i] = x;
    }
    return next;
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
    this.pushScale = scale;
    this.lastError = NaN;
    let err = 0;
    for (let i = 0; i < r.length; i++) {
      push[i] *= scale;
      r[i] = rho[i] - push[i];
      err += Math.abs(r[i]);
    }
    this.lastError = err;
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
    this.relaxation = 0;
    const { model } = this;
    const factor = this.opts.relaxation ?? 1;
    if (!(model.temperature > 0) && !(model.porous.coef > 0) && model.cap < Infinity && factor > 0) {
      // Congestion with a potential alone (crowd motion, the incompressible limit): see relax().
      this.relaxation = factor * this.relax(measure);
      model.porous = { coef: this.relaxation / 2, m: 2 };
    }
  }

  /**
   * Congestion with a potential alone: ρ(φ) = ∂F₁*(−φ) is bang-bang (κ where −φ − V > λ, 0
   * below: PointwiseConjugate.evaluateBangBang), the dual is not differentiable, and the ascent
   * stalls at a marginal error of 0.06–0.15 on the grid (measured, 500 half-steps at 128²: the
   * supergradient flips whole cells at the edge of the crowd). The step therefore solves the
   * congestion with a small porous term B q²/2 in cell masses q, whose ρ(φ) = min((−φ − V − λ)₊/B,
   * cap) ramps from 0 to the cap over a potential difference B·cap equal to the largest change of
   * V between neighbouring cells where μ has mass (h²/τ, the transport potential's scale over a
   * cell, where V is flat there): the cap, the mass and the saturated zone are the crowd-motion
   * ones, and the density differs from the bang-bang one in a band about one cell wide at the
   * edge of the crowd, the grid's own resolution of that edge. Measured on `crowd-motion` at 64²
   * (20 steps): every step converged to exact_tol 1e−5 in 16–138 half-steps; ρ ≤ κ exactly.
   * Returns B.
   */
  private relax(measure: GridMeasure): number {
    const { V, mask, cap } = this.model;
    const grid = measure.grid, p = measure.p;
    let jump = 0, stride = grid.size;
    for (let k = 0; k < grid.dim; k++) {
      const n = grid.shape[k];
      stride /= n;
      for (let i = 0; i < grid.size; i++) {
        if (Math.floor(i / stride) % n === n - 1) continue; // the last cell of its line along axis k
        const j = i + stride;
        if ((mask && (mask[i] || mask[j])) || !(p[i] > 0 || p[j] > 0)) continue;
        const d = Math.abs(V[j] - V[i]);
        if (d > jump) jump = d;
      }
    }
    if (!(jump > 0)) {
      const h = Math.min(...grid.h);
      jump = (h * h) / this.opts.tau;
    }
    return jump / cap;
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

function min(a: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < m) m = a[i];
  return m;
}
