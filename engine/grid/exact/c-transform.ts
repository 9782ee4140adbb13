import type { Grid } from '../grid.ts';
import { LegendreTransform } from './legendre.ts';

/**
 * The c-transform for the cost c(x, y) = |x − y|²/(2τ) with both sides on the cell
 * centres of a grid (Jacobs & Léger 2020, §3; Jacobs, Lee & Léger 2021, §4):
 *
 *     φ^c(y) = min_x |x − y|²/(2τ) − φ(x),
 *
 * exact over the grid points. The cost is a sum over axes, so the minimum is taken one
 * axis at a time, g ← D_k g, starting from g = −φ, with the 1D transform (indices i, j
 * centred on the line, a_k = h_k²/τ)
 *
 *     D_k g(j) = min_i a_k (i − j)²/2 + g_i = a_k [ j²/2 − max_i ( i j − (i²/2 + g_i/a_k) ) ],
 *
 * a discrete Legendre transform (legendre.ts): O(n) per line, O(d·N) for N cells.
 * Centring the indices keeps i²/2 ≤ n²/8, which bounds the cancellation in j²/2 − max.
 * Arrays [size] row-major; +∞ in g marks a point outside the domain (an excluded cell).
 */
export class GridCTransform {
  private readonly legendre: LegendreTransform;
  /** Centred indices per axis, and line scratch. */
  private readonly centred: Float64Array[];
  private readonly line: Float64Array;
  private readonly lineOut: Float64Array;
  private readonly work: Float64Array;

  constructor(
    readonly grid: Grid,
    readonly tau: number,
  ) {
    const nMax = Math.max(...grid.shape);
    this.legendre = new LegendreTransform(nMax);
    this.centred = grid.shape.map((n) => Float64Array.from({ length: n }, (_, i) => i - (n - 1) / 2));
    this.line = new Float64Array(nMax);
    this.lineOut = new Float64Array(nMax);
    this.work = new Float64Array(grid.size);
  }

  /**
   * out = φ^c [size] (out may alias φ). Cells with excluded[x] = 1 are left out of the
   * minimum over x (φ = −∞ there: an obstacle no mass may reach).
   */
  apply(phi: Float64Array, out: Float64Array, excluded?: Uint8Array | null): void {
    const g = this.work;
    for (let i = 0; i < g.length; i++) g[i] = excluded && excluded[i] ? Infinity : -phi[i];
    this.infConvolve(g);
    out.set(g);
  }

  /** g ← min_x |x − y|²/(2τ) + g(x), in place: the inf-convolution with the cost, axis by axis. */
  infConvolve(g: Float64Array): void {
    const { grid } = this;
    const size = grid.size;
    let stride = size;
    for (let k = 0; k < grid.dim; k++) {
      const n = grid.shape[k];
      stride /= n;
      const a = (grid.h[k] * grid.h[k]) / this.tau;
      const c = this.centred[k];
      const block = n * stride;
      const f = this.line.subarray(0, n), out = this.lineOut.subarray(0, n);
      for (let base = 0; base < size; base += block)
        for (let r = 0; r < stride; r++) this.line1D(g, base + r, stride, a, c, f, out);
    }
  }

  private line1D(g: Float64Array, offset: number, stride: number, a: number, c: Float64Array, f: Float64Array, out: Float64Array): void {
    const n = c.length;
    const inv = 1 / a;
    for (let i = 0, o = offset; i < n; i++, o += stride) {
      const v = g[o];
      f[i] = v === Infinity ? Infinity : 0.5 * c[i] * c[i] + v * inv;
    }
    this.legendre.transform(c, f, c, out);
    for (let j = 0, o = offset; j < n; j++, o += stride) {
      const v = out[j];
      g[o] = v === -Infinity ? Infinity : a * (0.5 * c[j] * c[j] - v);
    }
  }
}
