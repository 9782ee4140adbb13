import type { Accelerator } from '../core/accelerator.ts';
import { Simulation, type Reference } from '../core/simulation.ts';
import { energyMethods, evaluateEnergies, type ParticleEnergy } from './energy.ts';
import { forwardScheme, type ParticleState } from './forward-scheme.ts';
import { KdeEntropy } from './langevin-noise.ts';
import type { BlobMethodRequest } from './mesh/method-rule.ts';
import { ParticleMeasure } from './measure.ts';

/** Options of `particleSimulation`: the initial measure, the energies, the step, and what the scene records. */
export interface ParticleSimulationOptions {
  measure: ParticleMeasure;
  energies: ParticleEnergy[];
  dt: number;
  seed: number;
  /**
   * The entropy σ∫ρ log ρ discretized by Langevin noise (the scheme adds √(2στ)ξ each step;
   * the energy record shows its value estimated by a kernel density estimate). For the
   * deterministic discretization add a `BlobEntropy` to `energies` instead.
   */
  noise?: { temperature: number; /** How the recorded entropy value's density is summed (default direct). */ method?: BlobMethodRequest };
  backtracking?: boolean;
  sphere?: boolean;
  /** Not a gradient flow of `energies` (e.g. attention dynamics): no monotonicity is expected. */
  gradientFlow?: boolean;
  bounds?: [number, number][];
  mainMetric?: string;
  /** Scene metrics, evaluated at recorded steps. */
  metrics?: (m: ParticleMeasure, t: number) => Record<string, number>;
  /** Points [m, d] drawn next to the particles (exact samples, a target cloud, the unit sphere). */
  reference?: () => Reference | null;
  /**
   * Where the energies' hot loops run (`ctx.accelerator` in a scene): bound once, here,
   * before the first step. Absent: the float64 TypeScript reference loops.
   */
  accelerator?: Accelerator;
}

/**
 * Binds the energies' hot loops to the accelerator for states [n, d]; the scheme's
 * backtracking compares values closer than float32 round-off, so it keeps them float64.
 */
export function accelerateEnergies(energies: readonly ParticleEnergy[], acc: Accelerator | undefined, n: number, d: number, backtracking?: boolean): void {
  if (!acc) return;
  const exactValues = backtracking ? 'backtracking (Armijo)' : undefined;
  for (const e of energies) e.accelerate?.(acc, { n, d, exactValues });
}

/**
 * A particle measure moved by forward Wasserstein gradient descent on a sum of
 * energies (docs/design.md §1.1): the simulation behind every particle scene.
 */
export function particleSimulation(o: ParticleSimulationOptions): Simulation<ParticleState> {
  const { n, d } = o.measure;
  const temperature = o.noise?.temperature ?? 0;
  accelerateEnergies(o.energies, o.accelerator, n, d, o.backtracking);
  const scheme = forwardScheme({
    energies: o.energies, d, weights: o.measure.w, dt: o.dt, seed: o.seed,
    temperature, backtracking: o.backtracking, sphere: o.sphere,
  });
  const kde = temperature > 0 ? new KdeEntropy(temperature, { method: o.noise?.method }) : null;
  const methods = energyMethods(o.energies, n, d);
  if (kde) methods.entropy = kde.describe(n, d);
  return new Simulation({
    info: {
      kind: 'particles', dim: d, shape: [n, d], bounds: o.bounds, sphere: o.sphere ?? false, dt: o.dt, gradientFlow: o.gradientFlow ?? true, mainMetric: o.mainMetric,
      ...(Object.keys(methods).length ? { methods } : {}),
    },
    scheme,
    x0: o.measure.x,
    weights: o.measure.w,
    energy(state) {
      const m = scheme.measureOf(state);
      const report = evaluateEnergies(o.energies, m);
      if (kde) {
        const s = kde.value(m);
        report.terms.entropy = (report.terms.entropy ?? 0) + s;
        report.total += s;
      }
      return report;
    },
    metrics(state, t) {
      const out = o.metrics ? o.metrics(scheme.measureOf(state), t) : {};
      if (o.backtracking) out.tau = state.tau;
      return out;
    },
    reference: o.reference,
    initial(x, shape) {
      if (shape.length !== 2 || shape[0] !== n || shape[1] !== d) {
        throw new Error(`initial state has shape [${shape.join(', ')}]; this scene needs [${n}, ${d}] (set n=${shape[0] ?? '?'} to match)`);
      }
      return x.slice();
    },
  });
}

/** The particles of a particle simulation's current state as a measure (positions shared, not copied). */
export function particlesOf(sim: Simulation): ParticleMeasure {
  if (sim.info.kind !== 'particles') throw new Error(`particlesOf: a ${sim.info.kind} simulation has no particles`);
  return new ParticleMeasure(sim.measure(), sim.info.shape[1], sim.weights());
}
