import { Rng } from '../core/rng.ts';
import type { Checkpoint, EnergyReport, Reference, Simulation, SimulationInfo } from '../core/simulation.ts';
import { energyMethods, evaluateEnergies, type ParticleEnergy } from './energy.ts';
import { ForwardScheme } from './forward-scheme.ts';
import type { ParticleMeasure } from './measure.ts';

export interface ParticleSimulationOptions {
  measure: ParticleMeasure;
  energies: ParticleEnergy[];
  dt: number;
  seed: number;
  backtracking?: boolean;
  sphere?: boolean;
  /** Not a gradient flow of `energies` (e.g. attention dynamics): no monotonicity is expected. */
  gradientFlow?: boolean;
  bounds?: [number, number][];
  mainMetric?: string;
  /** Scene metrics, evaluated at recorded steps. */
  metrics?: (m: ParticleMeasure, t: number) => Record<string, number>;
  reference?: () => Reference | null;
}

/**
 * A particle measure moved by forward Wasserstein gradient descent on a sum of
 * energies: the `Simulation` behind every particle scene.
 */
export class ParticleSimulation implements Simulation {
  readonly info: SimulationInfo;
  readonly measure: ParticleMeasure;
  readonly scheme: ForwardScheme;
  rng: Rng;
  step = 0;
  t = 0;

  constructor(private readonly opts: ParticleSimulationOptions) {
    const m = opts.measure;
    this.measure = m;
    this.rng = new Rng(opts.seed);
    this.scheme = new ForwardScheme(opts.energies, { dt: opts.dt, backtracking: opts.backtracking, sphere: opts.sphere });
    this.info = {
      kind: 'particles',
      dim: m.d,
      shape: [m.n, m.d],
      bounds: opts.bounds,
      sphere: opts.sphere ?? false,
      dt: opts.dt,
      gradientFlow: opts.gradientFlow ?? true,
      mainMetric: opts.mainMetric,
    };
    const methods = energyMethods(opts.energies, m.n, m.d);
    if (Object.keys(methods).length) this.info.methods = methods;
  }

  advance(): void {
    this.t += this.scheme.step(this.measure, this.rng);
    this.step++;
  }

  state(): Float64Array {
    return this.measure.x;
  }

  weights(): Float64Array {
    return this.measure.w;
  }

  setState(x: Float64Array, shape: readonly number[]): void {
    const { n, d } = this.measure;
    if (shape.length !== 2 || shape[0] !== n || shape[1] !== d) {
      throw new Error(`initial state has shape [${shape.join(', ')}]; this scene needs [${n}, ${d}] (set n=${shape[0] ?? '?'} to match)`);
    }
    this.measure.x.set(x);
  }

  energy(): EnergyReport {
    return evaluateEnergies(this.opts.energies, this.measure);
  }

  metrics(): Record<string, number> {
    const out = this.opts.metrics ? this.opts.metrics(this.measure, this.t) : {};
    if (this.opts.backtracking) out.tau = this.scheme.lastTau;
    return out;
  }

  reference(): Reference | null {
    return this.opts.reference ? this.opts.reference() : null;
  }

  checkpoint(): Checkpoint {
    return { step: this.step, t: this.t, state: this.measure.x.slice(), rng: this.rng.getState() };
  }

  restore(c: Checkpoint): void {
    this.measure.x.set(c.state);
    this.step = c.step;
    this.t = c.t;
    if (c.rng) this.rng.setState(c.rng);
  }
}
