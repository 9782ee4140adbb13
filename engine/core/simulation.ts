import type { Accelerator } from './accelerator.ts';
import type { ParamSchema, ParamValues } from './params.ts';
import { assignState, copyState } from './state-record.ts';

/**
 * The one simulation shape (issue #13; JAX-MD's `(init, apply)`, Oceananigans'
 * simulation/clock split): a *scheme* advances a plain *state record* (state-record.ts)
 * by one step; a `Simulation` composes a scheme with what a scene says about it
 * (energy, metrics, reference, view); the run loop (engine/run/runner.ts) owns the
 * clock and calls outputs and guards on their schedules. Particles, grids, network
 * neurons and tokens differ only in their scheme and state.
 */

/** What a running simulation is, whatever discretizes it (particles, grid cells, neurons, tokens). */
export interface SimulationInfo {
  kind: 'particles' | 'grid';
  /** Dimension of the space: d for particles, number of grid axes for grids. */
  dim: number;
  /** Shape of the measure array `state.x`: [n, d] for particles, [nx(, ny(, nz))] for grids. */
  shape: number[];
  /** Box of a grid, one [lo, hi] per axis; for particles, a box the viewer may frame. */
  bounds?: [number, number][];
  /** Particles live on the unit sphere S^{d-1}. */
  sphere?: boolean;
  /** Nominal time step. */
  dt: number;
  /** Whether the dynamics is a gradient flow of `energy()` (then energy must decrease). */
  gradientFlow: boolean;
  /** Name of the metric drawn next to the energy in plots and the viewer. */
  mainMetric?: string;
  /** The viewer's picture of the state, when it is not the measure array itself (see `ViewProjection`). */
  view?: { shape: number[]; description: string };
  /**
   * Known limits of this configuration, stated when it is built (e.g. a biased default):
   * the run loop prints them on stderr and records them in summary.json `warnings`.
   */
  warnings?: string[];
  /** How each energy's sums are evaluated (direct, pm, p3m, cells, mesh …, resolved from `auto`), by energy name. */
  methods?: Record<string, string>;
  /**
   * A second state series carried beside the measure (a comparison run's particle cloud
   * next to its grid density): its name (the run directory's folder `<name>/`) and shape.
   */
  companion?: { name: string; shape: number[]; description: string };
}

/** The energy F of a state: its total and each named term (metrics.jsonl's `energy` and `energy_terms`). */
export interface EnergyReport {
  total: number;
  terms: Record<string, number>;
}

/** A reference drawn next to the state (analytic equilibrium, target cloud, ...). */
export interface Reference {
  label: string;
  /** Points [m, d] (particles) or a density of the grid's shape (or of the view's layout). */
  data: Float64Array;
  shape: number[];
}

/** The inner solver of an implicit step (a JKO step's Sinkhorn loop, a back-and-forth ascent). */
export interface SolverReport {
  name: string;
  iterations: number;
  /** Marginal error (Sinkhorn) or dual residual at the last iteration. */
  residual: number;
  tolerance: number;
  converged: boolean;
  /** What `residual` measures, e.g. 'JKO Sinkhorn marginal error'. */
  label?: string;
  /** What to change so that steps converge. */
  hint?: string;
}

/** What one step did. */
export interface StepReport {
  /** Time advanced: the step size used (τ, smaller than dt after backtracking). */
  tau: number;
  solver?: SolverReport;
}

/**
 * A time-stepping scheme as a pair of functions: `init` builds the state record from
 * the initial measure, `step` advances it by one step in place. Everything a step
 * needs from the past is in the state (RNG words, warm potentials, the current τ), so
 * a copy of the state is a checkpoint.
 */
export interface Scheme<S extends SchemeState> {
  readonly name: string;
  /** Nominal step size τ. */
  readonly dt: number;
  /** The state record for the initial measure x0 (positions [n, d] or cell masses), taken over. */
  init(x0: Float64Array): S;
  /** Advances `state` by one step, in place. */
  step(state: S): StepReport;
  /** Writes into the state what lives in the scheme's energies or solvers (asked before a snapshot). */
  persist?(state: S): void;
  /** The state was replaced from a snapshot: drop caches, reload energies' state. */
  resume?(state: S): void;
}

/** Every scheme state holds the measure's array as `x`: positions [n, d] or cell masses. */
export interface SchemeState {
  x: Float64Array;
}

/** The viewer's picture of a state whose mathematical form is not what a person wants to see. */
export interface ViewProjection<S extends SchemeState> {
  /** Shape of the picture, e.g. [m, 2d + 2] for network neurons (|a| w first). */
  shape: number[];
  description: string;
  /** Writes the picture of `state` into `out` (length Π shape). */
  project(state: S, out: Float64Array): void;
}

/** What a scene builds: a scheme and what the scene says about its state. */
export interface SimulationSpec<S extends SchemeState> {
  info: Omit<SimulationInfo, 'view'>;
  scheme: Scheme<S>;
  /** The initial measure (positions or cell masses), handed to `scheme.init`. */
  x0: Float64Array;
  /** Weights of the particles (length n), when not uniform. */
  weights?: Float64Array;
  /** The energy of a state (recorded at recorded steps, checked by the energy guard for gradient flows). */
  energy(state: S): EnergyReport;
  /** Scene metrics of the state at time t (recorded with the energy). */
  metrics?(state: S, t: number): Record<string, number>;
  /** What the state is compared with (exact samples, a Gibbs density, a target), drawn by the viewer. */
  reference?(): Reference | null;
  view?: ViewProjection<S>;
  /** Grid cells blocked by obstacles (1 = blocked), [Π shape]: drawn by the viewer, stored in run directories. */
  obstacles?: Uint8Array;
  /** The companion series' array of a state (`info.companion`): e.g. particle positions [n, d]. */
  companion?(state: S): Float64Array;
  /**
   * Checks an initial measure given from outside (`--init`, of `shape`) and returns the
   * array for `scheme.init` (normalized masses, parameters out of a view layout, ...);
   * throws one line naming what does not fit. Default: the shape must equal info.shape.
   */
  initial?(x: Float64Array, shape: readonly number[]): Float64Array;
}

/** A scheme, its current state and the scene's view of it. The clock (step, t) belongs to the run loop. */
export class Simulation<S extends SchemeState = SchemeState> {
  readonly info: SimulationInfo;
  readonly scheme: Scheme<S>;
  /** The current state record (advanced in place by the scheme). */
  state: S;
  private frameBuffer: Float64Array | null = null;

  constructor(private readonly spec: SimulationSpec<S>) {
    this.scheme = spec.scheme;
    this.info = { ...spec.info, ...(spec.view ? { view: { shape: [...spec.view.shape], description: spec.view.description } } : {}) };
    this.state = spec.scheme.init(spec.x0);
  }

  /** One step of the scheme. */
  advance(): StepReport {
    return this.scheme.step(this.state);
  }

  /** The measure's array: positions [n, d] or cell masses (a view: copy before keeping it). */
  measure(): Float64Array {
    return this.state.x;
  }

  /** The particles' weights [n] (undefined for grids). */
  weights(): Float64Array | undefined {
    return this.spec.weights;
  }

  /** The energy of the current state. */
  energy(): EnergyReport {
    return this.spec.energy(this.state);
  }

  /** The scene's metrics of the current state at time t. */
  metrics(t: number): Record<string, number> {
    return this.spec.metrics ? this.spec.metrics(this.state, t) : {};
  }

  /** The scene's reference, or null. */
  reference(): Reference | null {
    return this.spec.reference ? this.spec.reference() : null;
  }

  /** Blocked grid cells (1 = obstacle), when the scene has obstacles. */
  obstacles(): Uint8Array | undefined {
    return this.spec.obstacles;
  }

  /** The companion series of the current state (info.companion; a view: copy before keeping it), or null. */
  companion(): { name: string; data: Float64Array; shape: number[] } | null {
    const c = this.info.companion;
    if (!c || !this.spec.companion) return null;
    return { name: c.name, data: this.spec.companion(this.state), shape: c.shape };
  }

  /** What the viewer and the frames show: the view projection, or the measure itself. */
  frame(): { data: Float64Array; shape: number[] } {
    const v = this.spec.view;
    if (!v) return { data: this.state.x, shape: this.info.shape };
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (this.frameBuffer?.length !== size) this.frameBuffer = new Float64Array(size);
    v.project(this.state, this.frameBuffer);
    return { data: this.frameBuffer, shape: v.shape };
  }

  /** Restarts from another initial measure (`--init`): checked by the scene, then `scheme.init`. */
  setInitial(x: Float64Array, shape: readonly number[]): void {
    const want = this.info.shape;
    let x0: Float64Array;
    if (this.spec.initial) x0 = this.spec.initial(x, shape);
    else if (shape.length !== want.length || shape.some((n, k) => n !== want[k])) {
      throw new Error(`initial state has shape [${shape.join(', ')}]; this scene needs [${want.join(', ')}]`);
    } else x0 = x.slice();
    this.state = this.scheme.init(x0);
  }

  /** A deep copy of the state: a checkpoint. */
  snapshot(): S {
    this.scheme.persist?.(this.state);
    return copyState(this.state);
  }

  /** Continues from a snapshot (arrays overwritten in place, so the scheme's views stay valid). */
  restore(s: S): void {
    assignState(this.state, s);
    this.scheme.resume?.(this.state);
  }
}

/** What a scene's builder is given by the platform that runs it. */
export interface BuildContext {
  /**
   * Where the hot loops run (core/accelerator.ts), decided once: scenes pass it to the
   * simulation factories (`particleSimulation({ ..., accelerator: ctx.accelerator })`).
   */
  accelerator: Accelerator;
}

/**
 * What a scene will cost, stated from its parameters before anything is allocated, so
 * that `wgf view` can refuse (and `wgf run` warn about) sizes that would exhaust memory
 * or freeze a step. Orders of magnitude, not measurements.
 */
export interface SceneEstimate {
  /** Bytes the simulation holds: state, work arrays, data sets, stored kernels. */
  bytes: number;
  /**
   * Elementary operations (multiply-adds, exps) of one step plus its metric record;
   * iterative solvers counted at a nominal iteration count (say which in `note`).
   */
  workPerStep: number;
  /** What dominates, e.g. "n² pair sums" or "training data train × (d+1) float64". */
  note?: string;
}

/** A scene of the catalogue or a user's scene file (docs/design.md §5.3). */
export interface SceneDefinition<S extends ParamSchema = ParamSchema> {
  id: string;
  title: string;
  description: string;
  params: S;
  /** Default recording period (steps between recorded frames). */
  every?: (p: ParamValues<S>) => number;
  /**
   * Default steps between records that carry the scene's metrics, given the recording
   * period `every` (a multiple of it; default: every record). For scenes whose metrics
   * cost several steps, so that recording stays a small share of a run (the energy is
   * recorded at every record regardless).
   */
  metricsEvery?: (p: ParamValues<S>, every: number) => number;
  /** Memory and work per step for these parameters (see `SceneEstimate`). */
  estimate?: (p: ParamValues<S>) => SceneEstimate;
  /** Builds the simulation from resolved parameters (validated against `params`). */
  build(params: ParamValues<S>, ctx: BuildContext): Simulation<any>;
}

/** Identity helper that keeps the parameter types of a scene definition. */
export function defineScene<S extends ParamSchema>(def: SceneDefinition<S>): SceneDefinition<S> {
  return def;
}

/** The state became non-finite or the energy exploded. */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/** A user-facing error: printed as one line, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
