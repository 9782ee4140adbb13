import { UsageError } from '../core/simulation.ts';

/**
 * A regular grid over a box in 1, 2 or 3 dimensions: `shape[k]` cells along axis k
 * over `bounds[k] = [lo, hi]`, cell centres lo + (i + ½)h_k, h_k = (hi − lo)/n_k.
 * Arrays on the grid are flat Float64Arrays in row-major order of `shape` (the last
 * axis is contiguous): the loops index them directly (docs/architecture.md, flat state).
 */
export class Grid {
  readonly shape: readonly number[];
  readonly bounds: readonly [number, number][];
  /** Cell sizes h_k. */
  readonly h: readonly number[];
  /** Number of cells Π n_k. */
  readonly size: number;
  /** Cell volume Π h_k (cell mass = density × cellVolume). */
  readonly cellVolume: number;

  constructor(shape: readonly number[], bounds: readonly [number, number][]) {
    if (shape.length < 1 || shape.length > 3) throw new UsageError(`a grid has 1, 2 or 3 axes; got ${shape.length}`);
    if (bounds.length !== shape.length) throw new UsageError(`grid bounds give ${bounds.length} axes for a shape of ${shape.length}`);
    for (let k = 0; k < shape.length; k++) {
      if (!Number.isInteger(shape[k]) || shape[k] < 2) throw new UsageError(`grid axis ${k} needs an integer number of cells ≥ 2; got ${shape[k]}`);
      const [lo, hi] = bounds[k];
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new UsageError(`grid axis ${k} needs finite bounds lo < hi; got [${lo}, ${hi}]`);
    }
    this.shape = [...shape];
    this.bounds = bounds.map(([lo, hi]) => [lo, hi] as [number, number]);
    this.h = shape.map((n, k) => (bounds[k][1] - bounds[k][0]) / n);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.cellVolume = this.h.reduce((a, b) => a * b, 1);
  }

  get dim(): number {
    return this.shape.length;
  }

  /** Cell centres along axis k [n_k]. */
  centres(k: number): Float64Array {
    const n = this.shape[k];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bounds[k][0] + (i + 0.5) * this.h[k];
    return out;
  }

  /** Evaluates f at every cell centre, row-major [size]. */
  evaluate(f: (x: Float64Array) => number): Float64Array {
    const out = new Float64Array(this.size);
    const c = this.shape.map((_, k) => this.centres(k));
    const x = new Float64Array(this.dim);
    const idx = new Array<number>(this.dim).fill(0);
    for (let i = 0; i < this.size; i++) {
      for (let k = 0; k < this.dim; k++) x[k] = c[k][idx[k]];
      out[i] = f(x);
      for (let k = this.dim - 1; k >= 0; k--) {
        if (++idx[k] < this.shape[k]) break;
        idx[k] = 0;
      }
    }
    return out;
  }
}

/**
 * Bytes of float64 work arrays a grid simulation holds per cell: p, V (scene and model),
 * reference, warm potential, kernel scratch ×3 and its WebAssembly buffers (d + 1 ≤ 4,
 * zero-padded by the kernel half-width along their axis), and the Sinkhorn loop's α, α', β,
 * log Kb, log Kᵀa, relaxation copy and the two sides' log references: 20 arrays (the
 * padding, 2w cells per line, is small next to them unless the kernel is as wide as the grid).
 */
export const GRID_BYTES_PER_CELL = 8 * 20;
/** Memory the grid engine refuses to exceed (the machine has 24 GiB; leave room for the rest). */
export const GRID_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

/** Refuses a grid whose work arrays would not fit, before anything is allocated. */
export function checkGridMemory(shape: readonly number[], limitBytes = GRID_MEMORY_LIMIT_BYTES): void {
  const cells = shape.reduce((a, b) => a * b, 1);
  const need = cells * GRID_BYTES_PER_CELL;
  if (need > limitBytes || cells > 2 ** 31 - 1) {
    const gib = (x: number) => (x / 2 ** 30).toFixed(2);
    throw new UsageError(
      `grid ${shape.join('×')} = ${cells} cells needs about ${gib(need)} GiB of work arrays (${GRID_BYTES_PER_CELL} bytes per cell); the limit is ${gib(limitBytes)} GiB: use a smaller grid`,
    );
  }
}
