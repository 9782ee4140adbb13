import { GRID_BYTES_PER_CELL, gaussianTaps, resolveBlobMethod, type BlobMethodRequest, type InteractionMethodRequest, type RadialKernel, type SceneEstimate } from '../engine/index.ts';
import { defaultBlobResolution } from '../engine/particles/mesh/blob-mesh.ts';
import { MESH_DEFAULTS } from '../engine/particles/mesh/mesh-interaction.ts';
import { BYTES_PER_MESH_CELL, DEFAULT_MAX_MESH_CELLS, defaultMeshSize, prefilterMargin } from '../engine/particles/mesh/mesh-geometry.ts';
import { shortCutoff } from '../engine/particles/mesh/kernel-split.ts';
import { resolveInteractionMethod } from '../engine/particles/mesh/method-rule.ts';
import { nextPowerOfTwo } from '../engine/fourier/fft.ts';

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

/** Volume of the unit d-ball (a cloud fills about the ball inscribed in its bounding box). */
const ballVolume = (d: number) => (d === 1 ? 2 : d === 2 ? Math.PI : (4 * Math.PI) / 3);

/** Candidates per particle of a cell list with cells of side r_c/2, reach 2, in units of r_c^d ρ (cell-list.ts). */
const HALF_STENCIL = [0, 2.5, 3.125, 7.8];

/** Bytes a cell list holds for n points in R^d: cell, order, rank (int32), sorted positions, weights and velocity (float64). */
const cellListBytes = (n: number, d: number) => n * (12 + 8 * (2 * d + 2));

/** Work of one real FFT pass over a padded mesh of `cells` (forward or inverse, ~2.5 cells log₂ cells). */
const fftWork = (cells: number) => 2.5 * cells * Math.log2(Math.max(cells, 2));

/**
 * One evaluation (a velocity, or an energy) of the interaction with kernel W over n points
 * in R^d by the method `request` resolves to (method-rule.ts, the same fixed rule the run
 * uses), and the bytes it holds:
 * - direct: the n² pair pass;
 * - pm / p3m: deposit and interpolation (n·4^d spline weights, cubic), two real FFTs of the
 *   padded mesh (defaultMeshSize), and for p3m the short-range pairs: a cell list of side
 *   r_c/2 visits HALF_STENCIL[d]·r_c^d·ρ candidates per particle, with r_c = κ·1.5h and
 *   h ≈ the cloud's width over c_d n^{1/d} cells, ρ = n over the ball of that width, so
 *   about HALF_STENCIL[d]·(1.5κ/c_d)^d·2^d/V_d candidates (56 in 2D, measured 56 at 10⁶ on
 *   the disk), ~20 operations each; memory: the mesh (BYTES_PER_MESH_CELL per padded cell)
 *   and the cell list.
 */
export function interactionCost(W: RadialKernel, request: InteractionMethodRequest, n: number, d: number): { pass: number; bytes: number; method: string } {
  const method = resolveInteractionMethod(request, W, n, d);
  if (method === 'direct') return { pass: pairPass(n, d), bytes: 0, method };
  const order = MESH_DEFAULTS.order;
  const cells = defaultMeshSize(n, d, order, MESH_DEFAULTS.maxCells) ** d;
  const spline = n * 4 ** d * 5;
  let pass = spline + 2 * fftWork(cells) + 20 * n * d;
  if (method === 'p3m') {
    const perRoot = [0, 2, 1, 1.5][d];
    const candidates = HALF_STENCIL[d] * ((1.5 * shortCutoff(W)) / perRoot) ** d * (2 ** d / ballVolume(d));
    pass += 20 * n * candidates;
  }
  return { pass, bytes: cells * BYTES_PER_MESH_CELL + cellListBytes(n, d) + 8 * n, method };
}

/**
 * One evaluation of the blob entropy's sums (densities, or the velocity: each of the
 * `passes` the scene counts) over n points in R^d with blob width δ, for a cloud about
 * `extent` wide, by the method `request` resolves to, and the bytes it holds:
 * - direct: the n² pair pass;
 * - cells: the neighbours within the e^{−37} cutoff √74 δ, n·ρ·V_d(√74 δ)/2 pairs;
 * - mesh: deposit and interpolation, and two FFTs of the mesh of spacing δ/r
 *   (defaultBlobResolution) padded by the Gaussian's reach; `auto` takes the cells
 *   instead when that mesh would exceed its cell limit, as the run does.
 */
export function blobCost(n: number, d: number, delta: number, extent: number, request: BlobMethodRequest): { pass: number; bytes: number; method: string } {
  let method = resolveBlobMethod(request, n, d);
  let cells = 0;
  if (method === 'mesh') {
    const h = delta / defaultBlobResolution(d);
    const reach = Math.ceil((Math.sqrt(74) * delta) / h) + 4;
    const span = Math.ceil(extent / h) + 4 + 3;
    cells = nextPowerOfTwo(span + Math.min(span, reach) + 2 * prefilterMargin(4)) ** d;
    if (cells > DEFAULT_MAX_MESH_CELLS && request === 'auto') method = 'cells';
  }
  if (method === 'direct') return { pass: pairPass(n, d), bytes: 0, method };
  if (method === 'mesh') return { pass: 2 * (n * 4 ** d * 5 + 2 * fftWork(cells)), bytes: cells * BYTES_PER_MESH_CELL + 8 * n * (d + 2), method };
  const rho = n / (ballVolume(d) * (extent / 2) ** d);
  const pairs = Math.min(n / 2, (rho * ballVolume(d) * (Math.sqrt(74) * delta) ** d) / 2);
  return { pass: n * pairs * (d + 10) + 10 * n * d, bytes: cellListBytes(n, d), method };
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
