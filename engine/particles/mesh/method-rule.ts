import { ParamError } from '../../core/params.ts';
import type { RadialKernel } from '../radial-kernels.ts';
import { kernelFamily } from './kernel-split.ts';

/** How the interaction sums over pairs: all pairs, particle–mesh, or P³M (mesh + neighbours). */
export type InteractionMethod = 'direct' | 'pm' | 'p3m';
export const INTERACTION_METHODS = ['auto', 'direct', 'pm', 'p3m'] as const;
export type InteractionMethodRequest = (typeof INTERACTION_METHODS)[number];

/** How the blob entropy sums its Gaussian: all pairs, cell-list neighbours (same numbers), or on a mesh. */
export type BlobMethod = 'direct' | 'cells' | 'mesh';
export const BLOB_METHODS = ['auto', 'direct', 'cells', 'mesh'] as const;
export type BlobMethodRequest = (typeof BLOB_METHODS)[number];

/**
 * Smallest N from which `auto` leaves the direct pair sum, by dimension (index d):
 * read off `wgf bench --suite particles` (the crossover where one P³M step beats
 * the direct one; see bench/particles.ts and README), rounded down to a power of two.
 * The quadratic kernel is exact through moments at any N, so it switches as soon as
 * pairs cost more than a pass over the particles.
 */
export const AUTO_MESH_MIN_N: Readonly<Record<'quadratic' | 'mesh', readonly number[]>> = {
  quadratic: [Infinity, 64, 64, 64],
  mesh: [Infinity, 2048, 4096, 8192],
};

/** Smallest N from which `auto` puts the blob entropy on a mesh, by dimension. */
export const AUTO_BLOB_MESH_MIN_N: readonly number[] = [Infinity, 2048, 2048, 4096];

/**
 * The fixed `auto` rule for the interaction: a pure function of the kernel family,
 * N and d (never a timing), so a command picks the same method, and bits, every
 * time. Singular kernels get P³M, kernels finite at 0 get PM; d > 3 stays direct.
 */
export function autoInteractionMethod(W: RadialKernel, n: number, d: number): InteractionMethod {
  if (d > 3) return 'direct';
  const family = kernelFamily(W);
  const min = (family === 'quadratic' ? AUTO_MESH_MIN_N.quadratic : AUTO_MESH_MIN_N.mesh)[d];
  if (n < min) return 'direct';
  return W.singular ? 'p3m' : 'pm';
}

/** The method a request resolves to for N particles in dimension d (ParamError for a mesh method in d > 3). */
export function resolveInteractionMethod(request: InteractionMethodRequest, W: RadialKernel, n: number, d: number): InteractionMethod {
  if (request === 'auto') return autoInteractionMethod(W, n, d);
  if (request !== 'direct' && d > 3) throw new ParamError(`interaction=${request} exists for d ≤ 3; got d = ${d} (use direct)`);
  if (request === 'pm' && W.singular) throw new ParamError(`interaction=pm needs a kernel finite at 0; '${W.name}' is singular: use p3m`);
  return request;
}

/** The fixed `auto` rule for the blob entropy: the mesh from a size on (d ≤ 3), the pair loop below. */
export function autoBlobMethod(n: number, d: number): BlobMethod {
  if (d > 3) return n >= AUTO_BLOB_MESH_MIN_N[2] ? 'cells' : 'direct';
  return n >= AUTO_BLOB_MESH_MIN_N[d] ? 'mesh' : 'direct';
}

export function resolveBlobMethod(request: BlobMethodRequest, n: number, d: number): BlobMethod {
  if (request === 'auto') return autoBlobMethod(n, d);
  if (request === 'mesh' && d > 3) throw new ParamError(`entropy_method=mesh exists for d ≤ 3; got d = ${d} (use cells or direct)`);
  return request;
}
