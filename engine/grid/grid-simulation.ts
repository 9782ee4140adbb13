import type { Checkpoint, EnergyReport, Reference, Simulation, SimulationHealth, SimulationInfo } from '../core/simulation.ts';
import { EntropicJKO, jkoHealth, type EntropicJKOOptions, type JKOStepReport } from './entropic-jko.ts';
import type { GridEnergy } from './grid-energy.ts';
import { base64ToFloat64, float64ToBase64 } from './float64-base64.ts';
import { normalizedMasses, type GridMeasure } from './grid-measure.ts';

export interface GridSimulationOptions extends EntropicJKOOptions {
  measure: GridMeasure;
  energies: GridEnergy[];
  mainMetric?: string;
  /** Scene metrics at recorded steps (t = current time). */
  metrics?: (m: GridMeasure, t: number) => Record<string, number>;
  reference?: () => Reference | null;
}

/**
 * A density on a 1D/2D/3D grid moved by entropic JKO steps (DESIGN §1.2): the
 * `Simulation` behind every grid scene. State: cell masses [n0(, n1(, n2))]
 * row-major, Σ p = 1. Each step warm-starts Sinkhorn from the previous step's
 * potential; checkpoints carry it (base64 in `extra.warm`), so a resumed run is
 * bit-identical to an uninterrupted one.
 */
export class GridSimulation implements Simulation {
  readonly info: SimulationInfo;
  readonly measure: GridMeasure;
  readonly scheme: EntropicJKO;
  step = 0;
  t = 0;
  last: JKOStepReport = { iterations: 0, marginalError: 0, converged: true, logApplications: 0 };

  constructor(private readonly opts: GridSimulationOptions) {
    this.measure = opts.measure;
    this.scheme = new EntropicJKO(opts.energies, opts.measure, opts);
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
    const base = {
      sinkhorn_iterations: this.last.iterations,
      marginal_error: this.last.marginalError,
      mass: this.measure.mass(),
      log_domain_applications: this.last.logApplications,
    };
    return { ...base, ...(this.opts.metrics ? this.opts.metrics(this.measure, this.t) : {}) };
  }

  reference(): Reference | null {
    return this.opts.reference ? this.opts.reference() : null;
  }

  /** Whether the last JKO step's Sinkhorn reached its tolerance (null before the first step). */
  health(): SimulationHealth | null {
    if (this.step === 0) return null;
    return jkoHealth(this.last, this.scheme);
  }

  checkpoint(): Checkpoint {
    return {
      step: this.step,
      t: this.t,
      state: this.measure.p.slice(),
      extra: { iterations: this.last.iterations, marginalError: this.last.marginalError, converged: this.last.converged, logApplications: this.last.logApplications,
        warm: this.scheme.warmPotential ? float64ToBase64(this.scheme.warmPotential) : null,
      },
    };
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
      this.scheme.warmPotential = typeof c.extra.warm === 'string' ? base64ToFloat64(c.extra.warm, this.measure.p.length) : null;
    }
  }
}
