/**
 * A cell list (linked-cell method; Allen & Tildesley, *Computer Simulation of
 * Liquids*, 1987, §5.3): the bounding box of positions x [n, d] cut into cells of
 * side ≥ `cutoff`, particles counting-sorted by cell. Every pair closer than the
 * cutoff lies in one cell or in two adjacent ones, so visiting each cell with the
 * half of its 3^d − 1 neighbours that come after it (and itself) visits every such
 * pair exactly once: O(n · neighbours) instead of O(n²).
 *
 * Sorted copies of the positions (`xs`, [n, d]) keep each cell's particles
 * contiguous; `order[s]` is the original index of sorted particle s. The number of
 * cells is capped near 2n (by widening the cells, which stays correct: any side ≥
 * cutoff finds every pair), so a few far outliers cannot make the grid huge.
 */
export class CellList {
  readonly d: number;
  readonly n: number;
  readonly cutoff: number;
  /** Cells per axis. */
  readonly dims: number[];
  /** cellStart[c] … cellStart[c+1]: the sorted particles of cell c. */
  readonly cellStart: Int32Array;
  /** Original index of each sorted particle. */
  readonly order: Int32Array;
  /** Positions in sorted order, [n, d]. */
  readonly xs: Float64Array;
  /** Linear offsets of the half stencil (self first), for cells away from the border. */
  private readonly stencil: number[][];

  constructor(x: Float64Array, n: number, d: number, cutoff: number) {
    if (!(cutoff > 0)) throw new Error(`cell list cutoff must be > 0; got ${cutoff}`);
    this.d = d;
    this.n = n;
    this.cutoff = cutoff;
    const { lo, hi } = boundingBox(x, n, d);
    let side = cutoff;
    const cellsFor = (s: number) => lo.map((l, k) => Math.max(1, Math.min(2 ** 20, Math.floor((hi[k] - l) / s) + 1)));
    let dims = cellsFor(side);
    const cap = 2 * n + 64;
    while (dims.reduce((a, b) => a * b, 1) > cap) {
      side *= 1.25;
      dims = cellsFor(side);
    }
    this.dims = dims;
    const total = dims.reduce((a, b) => a * b, 1);
    const cell = new Int32Array(n);
    const count = new Int32Array(total + 1);
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let k = 0; k < d; k++) {
        const j = Math.min(dims[k] - 1, Math.floor((x[i * d + k] - lo[k]) / side));
        c = c * dims[k] + j;
      }
      cell[i] = c;
      count[c + 1]++;
    }
    for (let c = 0; c < total; c++) count[c + 1] += count[c];
    this.cellStart = count.slice();
    this.order = new Int32Array(n);
    this.xs = new Float64Array(n * d);
    const next = count;
    for (let i = 0; i < n; i++) {
      const s = next[cell[i]]++;
      this.order[s] = i;
      for (let k = 0; k < d; k++) this.xs[s * d + k] = x[i * d + k];
    }
    this.stencil = halfStencil(d);
  }

  /**
   * Calls f(a0, a1, b0, b1) for every cell A (sorted particles a0 … a1) and each
   * neighbour B in its half stencil (b0 … b1); B = A comes first with b0 = a0
   * (then only pairs s < t within the cell are new).
   */
  forEachCellPair(f: (a0: number, a1: number, b0: number, b1: number) => void): void {
    const { dims, cellStart, d } = this;
    const idx = new Array(d).fill(0);
    const total = cellStart.length - 1;
    for (let c = 0; c < total; c++) {
      const a0 = cellStart[c], a1 = cellStart[c + 1];
      if (a1 > a0) {
        for (const off of this.stencil) {
          let nb = 0, inside = true;
          for (let k = 0; k < d; k++) {
            const j = idx[k] + off[k];
            if (j < 0 || j >= dims[k]) {
              inside = false;
              break;
            }
            nb = nb * dims[k] + j;
          }
          if (!inside) continue;
          const b0 = cellStart[nb], b1 = cellStart[nb + 1];
          if (b1 > b0) f(a0, a1, b0, b1);
        }
      }
      for (let k = d - 1; k >= 0; k--) {
        if (++idx[k] < dims[k]) break;
        idx[k] = 0;
      }
    }
  }

  /**
   * Calls f(s, t, r²) for every pair of sorted particles s ≠ t closer than the cutoff
   * (r² < cutoff²), each once.
   */
  forEachPair(f: (s: number, t: number, r2: number) => void): void {
    const { d, xs } = this;
    const cut2 = this.cutoff * this.cutoff;
    this.forEachCellPair((a0, a1, b0, b1) => {
      for (let s = a0; s < a1; s++)
        for (let t = a0 === b0 ? s + 1 : b0; t < b1; t++) {
          let r2 = 0;
          for (let k = 0; k < d; k++) {
            const z = xs[s * d + k] - xs[t * d + k];
            r2 += z * z;
          }
          if (r2 < cut2) f(s, t, r2);
        }
    });
  }

  /** Scatters a sorted per-particle array ([n, width]) back to original order, adding into `out`. */
  addUnsorted(sorted: Float64Array, width: number, out: Float64Array): void {
    const { order, n } = this;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      for (let k = 0; k < width; k++) out[i * width + k] += sorted[s * width + k];
    }
  }

  /** A per-particle array ([n, width]) in sorted order. */
  sorted(a: Float64Array, width: number, out = new Float64Array(this.n * width)): Float64Array {
    const { order, n } = this;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      for (let k = 0; k < width; k++) out[s * width + k] = a[i * width + k];
    }
    return out;
  }
}

/** Bounding box [lo, hi] per axis of positions x [n, d] (zeros for n = 0). */
export function boundingBox(x: Float64Array, n: number, d: number): { lo: number[]; hi: number[] } {
  const lo = new Array(d).fill(Infinity), hi = new Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const v = x[i * d + k];
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  if (n === 0) lo.fill(0), hi.fill(0);
  return { lo, hi };
}

/** Offsets in {−1, 0, 1}^d that are zero or whose first non-zero entry is +1 (self first). */
function halfStencil(d: number): number[][] {
  const out: number[][] = [new Array(d).fill(0)];
  const total = 3 ** d;
  for (let c = 0; c < total; c++) {
    const off: number[] = [];
    let r = c;
    for (let k = 0; k < d; k++) {
      off.unshift((r % 3) - 1);
      r = Math.floor(r / 3);
    }
    const first = off.find((v) => v !== 0);
    if (first === 1) out.push(off);
  }
  return out;
}
