import type { Checkpoint, EnergyReport, Reference, Simulation, SimulationInfo } from '../core/simulation.ts';
import { EntropicJKO, type EntropicJKOOptions, type JKOStepReport } from './entropic-jko.ts';
import { ExactJKO, type ExactJKOStepReport } from './exact/exact-jko.ts';
import type { GridEnergy } from './grid-energy.ts';
import { base64ToFloat64, float64ToBase64 } from './float64-base64.ts';
import { normalizedMasses, type GridMeasure } from './grid-measure.ts';

export interface GridSimulationOptions extends EntropicJKOOptions {
  /** 'entropic' (default): Sinkhorn on W_ε; 'exact': the back-and-forth method on W2 (exact/exact-jko.ts). */
  scheme?: 'entropic' | 'exact';
  /** Exact scheme: stopping tolerance on its marginal error ‖ρ(φ) − T#μ‖₁ (default 1e-6) and half-step budget (default 500). */
  exactTol?: number;
  exactMaxIter?: number;
  measure: GridMeasure;
  energies: GridEnergy[];
  mainMetric?: string;
  /** Scene metrics at recorded steps (t = current time). */
  metrics?: (m: GridMeasure, t: number) => Record<string, number>;
  reference?: () => Reference | null;
}

/**
 * A density on a 1D/2D/3D grid moved by JKO steps (DESIGN §1.2), entropic (Sinkhorn,
 * default) or exact (back-and-forth, `scheme: 'exact'`): the `Simulation` behind every
 * grid scene. State: cell masses [n0(, n1(, n2))] row-major, Σ p = 1. Each step
 * warm-starts from the previous step's potential; checkpoints carry it (base64 in
 * `extra.warm`, with the exact scheme's step sizes), so a resumed run is bit-identical
 * to an uninterrupted one.
 */
export class GridSimulation implements Simulation {
  readonly info: SimulationInfo;
  readonly measure: GridMeasure;
  readonly scheme: EntropicJKO | ExactJKO;
  step = 0;
  t = 0;
  last: JKOStepReport & Partial<ExactJKOStepReport> = { iterations: 0, marginalError: 0, converged: true, logApplications: 0 };

  constructor(private readonly opts: GridSimulationOptions) {
    this.measure = opts.measure;
    this.scheme =
      opts.scheme === 'exact'
        ? new ExactJKO(opts.energies, opts.measure, { tau: opts.tau, tol: opts.exactTol, maxIter: opts.exactMaxIter })
        : new EntropicJKO(opts.energies, opts.measure, opts);
    const g = opts.measure.grid;
    this.info = {
      kind: 'grid',
      dim: g.dim,
      shape: [...g.shape],
      bounds: g.bounds.map(([lo, hi]) => [lo, hi] as [number, number]),
      dt: opts.tau,
      gradientFlow: true,
      mainMetric: opts.mainMetric,
    };
  }

  advance(): void {
    this.last = this.scheme.step(this.measure, this.step + 1);
    this.step++;
    this.t = this.step * this.opts.tau;
  }

  state(): Float64Array {
    return this.measure.p;
  }

  setState(x: Float64Array, shape: readonly number[]): void {
    const want = this.measure.grid.shape;
    if (shape.length !== want.length || shape.some((n, k) => n !== want[k])) {
      const hint = shape.length === want.length && shape.every((n) => n === shape[0]) ? `--set grid=${shape[0]} to match, or resample` : 'resample it';
      throw new Error(`initial density has shape [${shape.join(', ')}]; this scene's grid is [${want.join(', ')}] (${hint})`);
    }
    this.measure.p.set(normalizedMasses(x, this.measure.grid, this.measure.mask));
  }

  energy(): EnergyReport {
    const terms: Record<string, number> = {};
    let total = 0;
    for (const e of this.opts.energies) {
      const v = e.value(this.measure);
      terms[e.name] = (terms[e.name] ?? 0) + v;
      total += v;
    }
    return { total, terms };
  }

  metrics(): Record<string, number> {
    const base: Record<string, number> =
      this.scheme instanceof ExactJKO
        ? { bfm_iterations: this.last.iterations, back_steps: this.last.backAndForth ?? 0, marginal_error: this.last.marginalError, dual_value: this.last.dualValue ?? 0, mass: this.measure.mass() }
        : { sinkhorn_iterations: this.last.iterations, marginal_error: this.last.marginalError, mass: this.measure.mass(), log_domain_applications: this.last.logApplications };
    return { ...base, ...(this.opts.metrics ? this.opts.metrics(this.measure, this.t) : {}) };
  }

  reference(): Reference | null {
    return this.opts.reference ? this.opts.reference() : null;
  }

  checkpoint(): Checkpoint {
    const { iterations, marginalError, converged, logApplications } = this.last;
    const extra: Checkpoint['extra'] = { iterations, marginalError, converged, logApplications };
    if (this.scheme instanceof ExactJKO) {
      const s = this.scheme.state;
      Object.assign(extra, { warm: s.phi ? float64ToBase64(s.phi) : null, sigmaForth: s.sigmaForth, sigmaBack: s.sigmaBack, dualValue: this.last.dualValue ?? 0, backAndForth: this.last.backAndForth ?? 0 });
    } else extra.warm = this.scheme.warmPotential ? float64ToBase64(this.scheme.warmPotential) : null;
    return { step: this.step, t: this.t, state: this.measure.p.slice(), extra };
  }

  restore(c: Checkpoint): void {
    this.measure.p.set(c.state);
    this.step = c.step;
    this.t = c.t;
    if (c.extra) {
      this.last = {
        iterations: Number(c.extra.iterations ?? 0),
        marginalError: Number(c.extra.marginalError ?? 0),
        converged: c.extra.converged !== false,
        logApplications: Number(c.extra.logApplications ?? 0),
      };
      const warm = typeof c.extra.warm === 'string' ? base64ToFloat64(c.extra.warm, this.measure.p.length) : null;
      if (this.scheme instanceof ExactJKO) {
        this.scheme.state = { phi: warm, sigmaForth: Number(c.extra.sigmaForth ?? 1), sigmaBack: Number(c.extra.sigmaBack ?? 1) };
        Object.assign(this.last, { dualValue: Number(c.extra.dualValue ?? 0), backAndForth: Number(c.extra.backAndForth ?? 0) });
      } else this.scheme.warmPotential = warm;
    }
  }
}
