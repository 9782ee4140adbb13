import { Rng, type RngState } from '../core/rng.ts';
import { UsageError, type Scheme, type StepReport } from '../core/simulation.ts';
import type { StateRecord } from '../core/state-record.ts';
import { evaluateEnergies, totalVelocity, type ParticleEnergy } from './energy.ts';
import { ParticleMeasure } from './measure.ts';

/** What forward Wasserstein gradient descent carries from one step to the next (the checkpoint). */
export interface ParticleState {
  /** Positions [n, d] row-major. */
  x: Float64Array;
  /** Generator of the Langevin noise and of minibatches. */
  rng: RngState;
  /** Step size of the last step (smaller than dt after backtracking). */
  tau: number;
  /** The state of stateful energies (warm starts), by energy name. */
  energies: StateRecord;
}

/** Options of `forwardScheme`: the energies, the measure's layout and the step. */
export interface ForwardSchemeOptions {
  energies: readonly ParticleEnergy[];
  /** Dimension d of the positions [n, d]. */
  d: number;
  /** Weights w [n], Σ w = 1 (uniform when absent). */
  weights?: Float64Array;
  /** Time step τ. */
  dt: number;
  /** Seed of the scheme's generator (noise, minibatches). */
  seed?: number;
  /**
   * Temperature σ of Brownian noise: the entropy σ∫ρ log ρ discretized by Langevin
   * dynamics, √(2στ) ξ_i added after the deterministic move (Euler–Maruyama).
   */
  temperature?: number;
  /**
   * Armijo backtracking: halve τ until F(x + τv) ≤ F(x) − c τ ‖v‖²_w (c = 1e−4).
   * Only for deterministic gradient flows (no noise, no minibatches).
   */
  backtracking?: boolean;
  /** Particles live on the unit sphere: project velocities, retract x ← x/|x|. */
  sphere?: boolean;
  /** Applied to the positions at the end of every step (e.g. a coordinate held at 0). */
  constrain?: (x: Float64Array) => void;
}

const ARMIJO_C = 1e-4;
const MAX_HALVINGS = 30;

/** The forward scheme with access to its velocity and measure (for tests and models). */
export interface ForwardScheme extends Scheme<ParticleState> {
  readonly energies: readonly ParticleEnergy[];
  /** The measure over a state's positions (weights shared, no copy). */
  measureOf(state: ParticleState): ParticleMeasure;
  /** Velocity field v_i = −∇δF/δμ(x_i) (projected onto the tangent space on the sphere), [n, d]. */
  velocity(state: ParticleState): Float64Array;
}

/**
 * Forward Wasserstein gradient descent (docs/design.md §1.1): the pushforward
 * μ_{k+1} = (Id − τ∇δF/δμ(μ_k))_# μ_k, i.e. x_i ← x_i + τ v_i, plus √(2στ)ξ_i when the
 * entropy is discretized by noise (Euler–Maruyama). Buffers are allocated once per
 * particle count.
 */
export function forwardScheme(o: ForwardSchemeOptions): ForwardScheme {
  if (!(o.dt > 0) || !Number.isFinite(o.dt)) throw new UsageError(`dt must be a positive number; got ${o.dt}`);
  const sigma = o.temperature ?? 0;
  if (o.backtracking && sigma > 0) {
    throw new UsageError('backtracking needs a deterministic flow: Langevin noise makes the energy random (use the blob entropy, or backtracking=false)');
  }
  const d = o.d;
  let measure: ParticleMeasure | null = null;
  let v = new Float64Array(0);
  let x0 = new Float64Array(0);
  const rng = new Rng(0);

  const measureOf = (state: ParticleState): ParticleMeasure => {
    if (measure?.x !== state.x) measure = new ParticleMeasure(state.x, d, o.weights);
    return measure;
  };
  const velocity = (state: ParticleState): Float64Array => {
    const m = measureOf(state);
    if (v.length !== m.x.length) v = new Float64Array(m.x.length);
    totalVelocity(o.energies, m, v);
    if (o.sphere) projectTangent(m.x, v, d);
    return v;
  };
  const move = (x: Float64Array, vel: Float64Array, tau: number) => {
    for (let i = 0; i < x.length; i++) x[i] += tau * vel[i];
    if (o.sphere) retract(x, d);
  };

  return {
    name: 'forward Wasserstein gradient descent',
    dt: o.dt,
    energies: o.energies,
    measureOf,
    velocity,
    init(x: Float64Array): ParticleState {
      if (x.length % d !== 0) throw new Error(`positions of length ${x.length} are not [n, ${d}]`);
      const state: ParticleState = { x, rng: new Rng(o.seed ?? 0).getState(), tau: o.dt, energies: {} };
      if (o.sphere) retract(x, d);
      return state;
    },
    step(state: ParticleState): StepReport {
      rng.setState(state.rng);
      for (const e of o.energies) e.beforeStep?.(rng);
      const m = measureOf(state);
      const vel = velocity(state);
      const x = m.x;
      let tau = o.dt;
      if (o.backtracking) {
        if (x0.length !== x.length) x0 = new Float64Array(x.length);
        x0.set(x);
        const f0 = evaluateEnergies(o.energies, m).total;
        let slope = 0;
        for (let i = 0; i < m.n; i++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += vel[i * d + k] ** 2;
          slope += m.w[i] * s;
        }
        for (let h = 0; ; h++) {
          move(x, vel, tau);
          const f1 = evaluateEnergies(o.energies, m).total;
          if (f1 <= f0 - ARMIJO_C * tau * slope || h >= MAX_HALVINGS) break;
          x.set(x0);
          tau *= 0.5;
        }
      } else {
        move(x, vel, tau);
      }
      if (sigma > 0) {
        const s = Math.sqrt(2 * sigma * tau);
        for (let i = 0; i < x.length; i++) x[i] += s * rng.normal();
        if (o.sphere) retract(x, d);
      }
      o.constrain?.(x);
      state.rng = rng.getState();
      state.tau = tau;
      return { tau };
    },
    persist(state: ParticleState): void {
      for (const e of o.energies) if (e.saveState) state.energies[e.name] = e.saveState(measureOf(state));
    },
    resume(state: ParticleState): void {
      for (const e of o.energies) e.loadState?.(state.energies[e.name] as StateRecord | undefined);
    },
  };
}

/** v_i ← v_i − ⟨v_i, x_i⟩ x_i (x_i on the unit sphere). */
export function projectTangent(x: Float64Array, v: Float64Array, d: number): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += v[i * d + k] * x[i * d + k];
    for (let k = 0; k < d; k++) v[i * d + k] -= dot * x[i * d + k];
  }
}

/** x_i ← x_i / |x_i|. */
export function retract(x: Float64Array, d: number): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(r2);
    for (let k = 0; k < d; k++) x[i * d + k] *= inv;
  }
}
