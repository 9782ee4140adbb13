import { ParamError } from '../../core/params.ts';
import { nextPowerOfTwo } from '../../fourier/fft.ts';
import { boundingBox } from '../cell-list.ts';
import type { SplineOrder } from './bspline.ts';

/**
 * Where a particle mesh sits for one evaluation: spacing h (the same on every
 * axis), the integer offset `base` so that a particle at x has mesh coordinate
 * u = x/h − base, the padded FFT shape, and `span`, the nodes the particles' splines
 * touch on each axis (indices [0, span)).
 *
 * Free space, not periodic: the mesh is padded so that every axis has
 * shape ≥ 2·(span + margin). A circular convolution of length M then equals the
 * linear one on [0, span) (offsets stay inside (−M/2, M/2)), and the B-spline
 * prefilter of the Green's function, whose weights decay like ρ^|j| (ρ = 2 − √3
 * for cubic splines), sees its circular wrap only `margin` cells away
 * (ρ^8 ≈ 3e−5 of a kink that is itself small at the window edge).
 *
 * The spacing is rounded up to the ladder 2^{j/8}: the geometry, hence the cached
 * Green's function, is a pure function of the positions, and it changes only when
 * the cloud's extent crosses a rung, not at every step.
 */
export interface MeshGeometry {
  readonly d: number;
  readonly h: number;
  readonly base: readonly number[];
  readonly shape: readonly number[];
  readonly span: readonly number[];
  readonly order: SplineOrder;
}

/** Cells kept free between the occupied block and the half-width of the padded mesh (see MeshGeometry). */
export function prefilterMargin(p: SplineOrder): number {
  return p === 4 ? 8 : p === 3 ? 5 : 0;
}

/** Cells per N^{1/d} along the longest axis, before padding (2D: 1 000 cells across for 10⁶ particles). */
const CELLS_PER_ROOT = [0, 2, 1, 1.5];

/**
 * Padded cells along the longest axis for N particles in dimension d: the power of
 * two ≥ 2(c_d N^{1/d} + margin + p + 3), so that the occupied block has about c_d N^{1/d}
 * cells across (one per particle spacing in 2D, 1.5 in 3D, where the short-range
 * sum is the dearer half), capped so that a cubic mesh stays within maxCells.
 */
export function defaultMeshSize(n: number, d: number, order: SplineOrder = 4, maxCells = DEFAULT_MAX_MESH_CELLS): number {
  const want = nextPowerOfTwo(Math.ceil(2 * (CELLS_PER_ROOT[Math.min(d, 3)] * Math.pow(Math.max(n, 1), 1 / d) + prefilterMargin(order) + order + 3)));
  let cap = 32;
  while ((2 * cap) ** d <= maxCells) cap *= 2;
  return Math.max(32, Math.min(want, cap));
}

/** Largest number of padded mesh cells (2^24 ≈ 1.7e7: about 0.35 GiB of float64 buffers for one PM pass). */
export const DEFAULT_MAX_MESH_CELLS = 2 ** 24;

/** Bytes of float64 buffers one PM pass holds per padded cell: mesh (8), half spectrum (8), Green's function (4). */
export const BYTES_PER_MESH_CELL = 20;

/**
 * The geometry for positions x [n, d] on a padded mesh whose longest axis has
 * `size` cells (a power of two), for a kernel of unbounded reach (padding ×2).
 * Throws a ParamError when the padded mesh would exceed `maxCells`.
 */
export function meshGeometry(x: Float64Array, n: number, d: number, size: number, order: SplineOrder, maxCells = DEFAULT_MAX_MESH_CELLS): MeshGeometry {
  if (!(size >= 16) || nextPowerOfTwo(size) !== size) throw new ParamError(`mesh size must be a power of two ≥ 16; got ${size}`);
  const { lo, hi } = boundingBox(x, n, d);
  let ext = 0;
  for (let k = 0; k < d; k++) ext = Math.max(ext, hi[k] - lo[k]);
  if (!(ext > 0) || !Number.isFinite(ext)) ext = 1;
  const free = size / 2 - prefilterMargin(order) - (order + 3);
  if (free < 4) throw new ParamError(`mesh size ${size} leaves no room for the particles with spline order ${order}; use at least ${nextPowerOfTwo(2 * (prefilterMargin(order) + order + 7))}`);
  const h = Math.pow(2, Math.ceil(8 * Math.log2(ext / free)) / 8);
  return layout(lo, hi, h, Infinity, order, maxCells);
}

/**
 * The geometry for spacing h and a kernel negligible beyond `reach` cells (the blob
 * Gaussian): each axis is padded by the reach instead of doubled, since a circular
 * convolution of length M ≥ span + reach sees no wrapped contribution.
 */
export function meshGeometryForSpacing(x: Float64Array, n: number, d: number, h: number, reach: number, order: SplineOrder, maxCells = DEFAULT_MAX_MESH_CELLS): MeshGeometry {
  const { lo, hi } = boundingBox(x, n, d);
  return layout(lo, hi, h, reach, order, maxCells);
}

function layout(lo: number[], hi: number[], h: number, reach: number, order: SplineOrder, maxCells: number): MeshGeometry {
  const d = lo.length;
  const margin = prefilterMargin(order);
  const half = Math.ceil(order / 2);
  const base: number[] = [], shape: number[] = [], span: number[] = [];
  let cells = 1;
  for (let k = 0; k < d; k++) {
    base.push(Math.floor(lo[k] / h) - half);
    const s = Math.ceil((hi[k] - lo[k]) / h) + order + 3;
    span.push(s);
    shape.push(Math.max(16, nextPowerOfTwo(s + Math.min(s, reach) + 2 * margin)));
    cells *= shape[k];
  }
  if (!(cells <= maxCells)) {
    throw new ParamError(
      `particle mesh [${shape.join(' × ')}] has ${cells} cells (≈ ${((cells * BYTES_PER_MESH_CELL) / 2 ** 30).toFixed(2)} GiB), over the limit of ${maxCells}; ` +
        'ask for a coarser mesh or another method',
    );
  }
  return { d, h, base, shape, span, order };
}
