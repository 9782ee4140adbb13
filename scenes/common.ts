import { BLOB_METHODS, INTERACTION_METHODS, type ParamSpec } from '../engine/index.ts';

/** Parameters shared by most scenes, with scene-specific defaults. */
export const seedParam = { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' } as const satisfies ParamSpec;

export function stepsParam(def: number): ParamSpec & { type: 'integer' } {
  return { type: 'integer', default: def, min: 0, max: 1e9, description: 'number of time steps' };
}

export function dtParam(def: number, max = 10): ParamSpec & { type: 'number' } {
  return { type: 'number', default: def, min: 0, minExclusive: true, max, description: 'time step τ' };
}

export function nParam(def: number, max = 1_000_000): ParamSpec & { type: 'integer' } {
  return { type: 'integer', default: def, min: 1, max, description: 'number of particles' };
}

/** Record about `frames` frames per run (default 200). */
export function everyFor(p: { steps: number }, frames = 200): number {
  return Math.max(1, Math.round(p.steps / frames));
}

/**
 * The scene's metrics on every `records`-th record: for scenes whose metrics cost more than
 * a step or two (sorts of sliced distances, O(n²) sums), so that recording stays under ~10%
 * of a run's wall time at the defaults (docs/benchmarks.md, recording table). The energy is
 * in every record regardless.
 */
export const metricsEveryRecords = (records: number) => (_p: unknown, every: number) => records * every;

/** How the interaction sums over pairs (engine/particles/mesh/method-rule.ts); `auto` resolves by kernel family, n and d. */
export const interactionMethodParam = {
  type: 'choice', default: 'auto', values: INTERACTION_METHODS,
  description: 'pair sums: direct (all pairs), pm (particle–mesh), p3m (mesh + neighbours), auto (by kernel, n, d)',
} as const satisfies ParamSpec;

/** How the blob entropy sums its Gaussian (engine/particles/mesh/method-rule.ts). */
export const entropyMethodParam = {
  type: 'choice', default: 'auto', values: BLOB_METHODS,
  description: 'blob sums: direct (all pairs), cells (cell list, same numbers), mesh (particle–mesh), auto (by n, d)',
} as const satisfies ParamSpec;
