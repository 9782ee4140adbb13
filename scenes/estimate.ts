import { GRID_BYTES_PER_CELL, gaussianTaps, type SceneEstimate } from '../engine/index.ts';

/**
 * Building blocks of the scenes' `estimate(params)` (SceneEstimate): memory in bytes
 * and operations per step (multiply-adds and exps, a step plus its metric record),
 * orders of magnitude from the shapes of the arrays and loops. Checked against the
 * bytes the scenes really allocate in tests/viewer/scene-estimates.test.ts.
 */

const F64 = 8;

/** Iterative solvers (Sinkhorn, JKO scalings) are counted at this many iterations per step, or their budget if smaller. */
export const NOMINAL_ITERATIONS = 100;

/**
 * A particle flow of n points in R^d: positions, velocity, the backtracking copy, the
 * float32 frame, weights and a few O(n) arrays of its energies and metrics (blob
 * densities, radii sorted for the radial CDFs, sliced projections).
 */
export function particleBytes(n: number, d: number): number {
  return F64 * n * (8 * d + 12);
}

/**
 * One pass of pair sums Σ_j over n points in R^d (a velocity or an energy of an O(n²)
 * term): a difference and a norm (d), and a kernel with an exp, log or division (~10).
 */
export function pairPass(n: number, d: number): number {
  return n * n * (d + 10);
}

/** Sliced distances over `directions` projections: project (n d) and sort (n log n) per direction. */
export function slicedWork(n: number, d: number, directions: number): number {
  return directions * n * (d + Math.log2(n + 1));
}

/**
 * The sorted orders a run keeps between records for its sliced metrics (engine/core/sort.ts
 * SortHint, one Uint32 permutation per direction and side, owned by the run's positions).
 */
export function sortHintBytes(points: number, directions: number): number {
  return 4 * points * directions;
}

/** Backtracking evaluates the energy again on every trial step: count two. */
export const trials = (backtracking: boolean) => (backtracking ? 2 : 1);

/** Work as a sum of named parts; the note says what holds the memory and which part of the work dominates. */
export function dominant(parts: Record<string, number>, bytes: number, memory = 'positions and work arrays [n, d]'): SceneEstimate {
  const [name] = Object.entries(parts).sort((a, b) => b[1] - a[1])[0];
  return { bytes, workPerStep: Object.values(parts).reduce((a, b) => a + b, 0), note: `memory: ${memory}; work: ${name}` };
}

export interface JkoCost {
  grid: number;
  eps: number;
  truncation: number;
}

/**
 * An entropic JKO scene on `dims` axes of `grid` cells over boxes of side `side`:
 * GRID_BYTES_PER_CELL of work arrays per cell, and per scaling iteration the Gibbs
 * kernel and its transpose as separable convolutions, cells × Σ_k (2 w_k + 1) taps
 * each, w_k the truncated half-width (gaussian-taps.ts). `metricPasses` O(cells) passes
 * of the record (KL, moments, references).
 */
export function jkoEstimate(p: JkoCost, dims: number, side: number, metricPasses = 10): SceneEstimate {
  const cells = p.grid ** dims;
  const w = gaussianTaps(p.grid, side / p.grid, p.eps, p.truncation).w;
  const iteration = 2 * cells * dims * (2 * w + 1);
  return {
    bytes: cells * GRID_BYTES_PER_CELL,
    workPerStep: NOMINAL_ITERATIONS * iteration + metricPasses * cells,
    note: `memory: ${GRID_BYTES_PER_CELL} bytes per cell; work: ${p.grid}^${dims} cells × ${dims} axes × ${2 * w + 1} kernel taps × ${NOMINAL_ITERATIONS} scaling iterations`,
  };
}
