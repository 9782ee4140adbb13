import { UsageError } from '../core/simulation.ts';
import type { Grid } from './grid.ts';

/**
 * A probability measure on a grid as cell masses p ∈ R^n_+, Σ p = 1 (density
 * ρ = p / cellVolume), row-major [n0(, n1(, n2))], with an optional obstacle mask
 * (1 = blocked cell, where p must stay 0). Peyré 2015, §2.
 *
 * Build the masses from a density with `normalizedMasses(grid.evaluate(f), grid)`;
 * `new GridMeasure(grid)` alone is the uniform measure on the free cells.
 */
export class GridMeasure {
  /** Cell masses [size], Σ p = 1. */
  readonly p: Float64Array;

  constructor(
    readonly grid: Grid,
    /** Cell masses [size] (taken over, not copied); absent: uniform on the free cells. */
    p?: Float64Array,
    /** 1 on blocked cells (obstacles), 0 on free ones [size]; absent: all free. */
    readonly mask?: Uint8Array,
  ) {
    if (typeof grid?.size !== 'number' || !Array.isArray(grid.shape)) throw new UsageError('GridMeasure needs a Grid as its first argument: new GridMeasure(new Grid(shape, bounds), masses?)');
    if (mask) checkMask(mask, grid);
    if (p === undefined) p = uniformMasses(grid, mask);
    if (!(p instanceof Float64Array)) {
      throw new UsageError('GridMeasure cell masses must be a Float64Array [grid.size]: build them with normalizedMasses(grid.evaluate((x) => density(x)), grid)');
    }
    if (p.length !== grid.size) throw new UsageError(`cell masses of length ${p.length} do not fit a grid of ${grid.size} cells (${grid.shape.join('×')})`);
    this.p = p;
  }

  /** Total mass Σ p. */
  mass(): number {
    let s = 0;
    for (let i = 0; i < this.p.length; i++) s += this.p[i];
    return s;
  }

  /** Mass on blocked cells (0 when the scheme is right). */
  massInMask(): number {
    if (!this.mask) return 0;
    let s = 0;
    for (let i = 0; i < this.p.length; i++) if (this.mask[i]) s += this.p[i];
    return s;
  }

  /** Maximum density max ρ = max p / cellVolume. */
  maxDensity(): number {
    let m = 0;
    for (let i = 0; i < this.p.length; i++) if (this.p[i] > m) m = this.p[i];
    return m / this.grid.cellVolume;
  }

  /** Density ρ = p / cellVolume [size]. */
  density(): Float64Array {
    const out = new Float64Array(this.p.length);
    for (let i = 0; i < out.length; i++) out[i] = this.p[i] / this.grid.cellVolume;
    return out;
  }
}

/** Refuses a mask of the wrong length or with no free cell. */
export function checkMask(mask: Uint8Array, grid: Grid): void {
  if (mask.length !== grid.size) throw new UsageError(`obstacle mask of length ${mask.length} does not fit a grid of ${grid.size} cells`);
  let free = 0;
  for (let i = 0; i < mask.length; i++) if (!mask[i]) free++;
  if (free === 0) throw new UsageError(`the obstacle mask blocks every cell of the ${grid.shape.join('×')} grid: at least one free cell is needed`);
}

/**
 * Cell masses from a non-negative density or mass array (any positive scale):
 * checks shape, finiteness, sign and mask, then normalizes to Σ p = 1.
 * Used for scene initial conditions and `--init`.
 */
export function normalizedMasses(x: ArrayLike<number>, grid: Grid, mask?: Uint8Array, what = 'initial density'): Float64Array {
  if (x.length !== grid.size) throw new UsageError(`${what} has ${x.length} values; the grid ${grid.shape.join('×')} has ${grid.size} cells`);
  const p = new Float64Array(grid.size);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw new UsageError(`${what} holds a non-finite value (${v}) at cell ${i}: densities must be finite and ≥ 0`);
    if (v < 0) throw new UsageError(`${what} holds a negative value (${v}) at cell ${i}: densities must be finite and ≥ 0`);
    if (mask && mask[i] && v > 0) throw new UsageError(`${what} puts mass (${v}) on blocked cell ${i} inside an obstacle: densities must be 0 there`);
    p[i] = v;
    s += v;
  }
  if (!(s > 0)) throw new UsageError(`${what} has zero total mass: at least one cell must be positive`);
  for (let i = 0; i < p.length; i++) p[i] /= s;
  return p;
}

/** The uniform probability on the free cells of a grid (all cells without a mask) [size]. */
export function uniformMasses(grid: Grid, mask?: Uint8Array): Float64Array {
  const p = new Float64Array(grid.size);
  let free = 0;
  for (let i = 0; i < p.length; i++) if (!mask?.[i]) free++;
  for (let i = 0; i < p.length; i++) if (!mask?.[i]) p[i] = 1 / free;
  return p;
}
