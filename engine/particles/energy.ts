import type { Accelerator } from '../core/accelerator.ts';
import type { Rng } from '../core/rng.ts';
import type { StateRecord } from '../core/state-record.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * An energy F on measures, seen through its particles: its value F(μ) and the
 * Wasserstein velocity −∇_x (δF/δμ)(x_i) at every particle (docs/design.md §1.1).
 */
export interface ParticleEnergy {
  readonly name: string;
  /** F(μ). */
  value(m: ParticleMeasure): number;
  /** Adds −∇ δF/δμ(x_i) into `v` ([n, d] row-major). */
  addVelocity(m: ParticleMeasure, v: Float64Array): void;
  /**
   * Binds the energy's hot loops to the platform's accelerator, once, before the first
   * step, for states of `n` particles in dimension `d` (particleSimulation calls it).
   * Unbound, an energy runs its float64 TypeScript reference loops. `exactValues` says why
   * the scheme needs float64 values (backtracking), if it does.
   */
  accelerate?(acc: Accelerator, shape: { n: number; d: number; exactValues?: string }): void;
  /** Called at the start of every step with the scheme's generator (e.g. to draw a minibatch). */
  beforeStep?(rng: Rng): void;
  /**
   * Stateful energies (warm-started solvers) expose what a checkpoint must keep of them:
   * `saveState` is asked when the scheme's state is captured, `loadState` when it is restored.
   */
  saveState?(m: ParticleMeasure): StateRecord;
  /** Restores what `saveState` returned (undefined: start cold). */
  loadState?(s: StateRecord | undefined): void;
  /** How the sums are evaluated for N particles in dimension d (e.g. 'p3m (mesh 2048 …)'), for scene.json; absent for closed forms. */
  describe?(n: number, d: number): string;
}

/** The evaluation method of every energy that has one, by energy name (scene.json `methods`). */
export function energyMethods(energies: readonly ParticleEnergy[], n: number, d: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of energies) if (e.describe) out[e.name] = e.describe(n, d);
  return out;
}

/** Value of each term and their sum. */
export function evaluateEnergies(energies: readonly ParticleEnergy[], m: ParticleMeasure): { total: number; terms: Record<string, number> } {
  const terms: Record<string, number> = {};
  let total = 0;
  for (const e of energies) {
    const v = e.value(m);
    terms[e.name] = (terms[e.name] ?? 0) + v;
    total += v;
  }
  return { total, terms };
}

/** Total velocity of a sum of energies into `v` (overwritten). */
export function totalVelocity(energies: readonly ParticleEnergy[], m: ParticleMeasure, v: Float64Array): Float64Array {
  v.fill(0);
  for (const e of energies) e.addVelocity(m, v);
  return v;
}
