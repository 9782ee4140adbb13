import type { ParamSchema, ParamValues } from './params.ts';
import type { RngState } from './rng.ts';

/**
 * What a running simulation is, whatever discretizes it (particles, grid cells,
 * neurons, tokens). The run loop, the run directory, the viewer and the batch
 * runner only see this interface.
 */
export interface SimulationInfo {
  kind: 'particles' | 'grid';
  /** Dimension of the space: d for particles, number of grid axes for grids. */
  dim: number;
  /** Shape of the state: [n, d] for particles, [nx(, ny(, nz))] for grids. */
  shape: number[];
  /** Box of a grid, one [lo, hi] per axis; for particles, a box the viewer may frame. */
  bounds?: [number, number][];
  /** Particles live on the unit sphere S^{d-1}. */
  sphere?: boolean;
  /** Nominal time step. */
  dt: number;
  /** Whether the dynamics is a gradient flow of `energy()` (then energy must decrease). */
  gradientFlow: boolean;
  /** Name of the metric drawn next to the energy in plots (optional). */
  mainMetric?: string;
  /** How each energy's sums are evaluated (direct, pm, p3m, cells, mesh …, resolved from `auto`), by energy name. */
  methods?: Record<string, string>;
}

export interface EnergyReport {
  total: number;
  terms: Record<string, number>;
}

/** Everything needed to continue a run bit-identically. */
export interface Checkpoint {
  step: number;
  t: number;
  state: Float64Array;
  rng?: RngState;
  /** Scheme-specific scalars (e.g. the current step size after backtracking). */
  extra?: Record<string, number | string | boolean | null>;
}

/** A reference drawn next to the state (analytic equilibrium, target cloud, ...). */
export interface Reference {
  label: string;
  /** Points [m, d] (particles) or a density of the grid's shape. */
  data: Float64Array;
  shape: number[];
}

export interface Simulation {
  readonly info: SimulationInfo;
  readonly step: number;
  readonly t: number;
  /** Advances one time step. */
  advance(): void;
  /** Current state, row-major of `info.shape` (a view: copy before keeping it). */
  state(): Float64Array;
  /** Weights of the particles (length n), when not uniform. */
  weights?(): Float64Array;
  /** Replaces the state (for `--init`); throws on a shape mismatch. */
  setState(x: Float64Array, shape: readonly number[]): void;
  energy(): EnergyReport;
  metrics(): Record<string, number>;
  reference?(): Reference | null;
  checkpoint(): Checkpoint;
  restore(c: Checkpoint): void;
}

export interface BuildContext {
  /** Backend name for hot loops ('ts' unless a faster one is selected). */
  backend: string;
}

export interface SceneDefinition<S extends ParamSchema = ParamSchema> {
  id: string;
  title: string;
  description: string;
  params: S;
  /** Default recording period (steps between recorded frames). */
  every?: (p: ParamValues<S>) => number;
  build(params: ParamValues<S>, ctx: BuildContext): Simulation;
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
