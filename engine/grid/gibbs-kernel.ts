import { UsageError } from '../core/simulation.ts';
import { gaussianTaps, type GaussianTaps } from './gaussian-taps.ts';
import type { Grid } from './grid.ts';
import { logConvolutionScratch, logConvolveAxis, type LogConvolutionScratch } from './log-convolution.ts';
import { convolveAxis } from './separable-convolution.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { WasmSeparable } from './wasm-separable.ts';

/** Default truncation δ: dropped kernel entries are ≤ 1e−12 (relative to K_ii = 1). */
export const DEFAULT_TRUNCATION = 1e-12;

/** Options of `ConvolutionalGibbsKernel`. */
export interface GibbsKernelOptions {
  /** Drop entries ≤ δ (0: keep the whole kernel, O(n^{d+1})). */
  truncation?: number;
  /**
   * The assembler of the WebAssembly SIMD passes (the accelerator's, engine/core/accelerator.ts):
   * the plain passes then run in SIMD (same bits as the JavaScript loops). Absent: JavaScript.
   */
  assembler?: WatAssembler | null;
  /**
   * How each axis pass runs in SIMD: 'truncated' (the convolution, wasm-convolution.ts),
   * 'dense' (the banded matrix product, wasm-dense.ts) or 'auto' (default): per axis by
   * `denseAxis`. The JavaScript loops are always the truncated convolution.
   */
  passes?: AxisPasses;
}

/** Form of the SIMD axis passes: see GibbsKernelOptions.passes. */
export type AxisPasses = 'auto' | 'truncated' | 'dense';

/**
 * The fixed rule for one axis (n cells, half-width w): the dense pass when it costs less.
 * Per output cell the truncated pass sums w + 1 taps (pairs of neighbours) and the dense
 * one a band of ~min(n, 2w + 1) cells; measured costs per summed term in the same process
 * (bench/grid.ts, quiet 2-core AMD EPYC): DENSE_COST and TRUNCATED_COST below.
 */
export function denseAxis(n: number, w: number): boolean {
  if (w <= UNROLLED_W) return false; // taps in registers: the truncated pass is the fast one
  const band = meanBand(n, w);
  return band * DENSE_COST < (w + 1) * TRUNCATED_COST;
}

/** Half-widths the truncated SIMD pass unrolls (wasm-convolution.ts UNROLL_MAX). */
const UNROLLED_W = 16;
/** Relative cost of one term of the dense pass's band (tile of 4 × 4 outputs, one multiply–add per lane). */
const DENSE_COST = 1;
/** Relative cost of one tap of the truncated wide pass (a pair of neighbours: two adds and a multiply per lane, an accumulator row in L1). */
const TRUNCATED_COST = 1;

/** Mean band length of the dense pass over an axis of n cells: Σ_i |[i − w, i + w] ∩ [0, n)| / n. */
export function meanBand(n: number, w: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.min(n - 1, i + w) - Math.max(0, i - w) + 1;
  return s / n;
}

/**
 * The convolutional Gibbs kernel of the cost ½|x − y|² on a grid,
 *
 *     K_ij = exp(−|x_i − x_j|²/(2ε)) = Π_k exp(−(x_i,k − x_j,k)²/(2ε)),
 *
 * applied separably — one 1D convolution per axis — and never stored as a matrix
 * (Solomon et al., *Convolutional Wasserstein distances*, SIGGRAPH 2015). K is
 * symmetric, so Kᵀ = K. Arrays are row-major [n0(, n1(, n2))].
 * `apply` works on scalings (plain domain); `applyLog` on log-scalings
 * (stabilized, for small ε: see log-convolution.ts).
 */
export class ConvolutionalGibbsKernel {
  readonly axes: GaussianTaps[];
  /** Largest dropped entry of K (0: untruncated); see gaussian-taps.ts. */
  readonly truncationError: number;
  private readonly tmp: [Float64Array, Float64Array];
  private readonly scratch: LogConvolutionScratch;
  /** The SIMD path of `apply`, or null (JavaScript loops). */
  readonly simd: WasmSeparable | null;

  constructor(
    readonly grid: Grid,
    readonly eps: number,
    opts: GibbsKernelOptions = {},
  ) {
    const delta = opts.truncation ?? DEFAULT_TRUNCATION;
    if (!(eps > 0) || !Number.isFinite(eps)) throw new UsageError(`eps must be a finite number > 0; got ${eps}`);
    this.axes = grid.shape.map((n, k) => gaussianTaps(n, grid.h[k], eps, delta));
    if (this.axes.every((a) => a.w === 0)) {
      const hmin = Math.min(...grid.h);
      const need = (hmin * hmin) / (2 * Math.log(1 / delta));
      throw new UsageError(
        `eps=${eps} is too small for this grid (cell size ${hmin.toPrecision(3)}): the kernel between neighbouring cells exp(−h²/(2ε)) is below the truncation ${delta}, so no mass can move; use eps ≥ ${need.toPrecision(3)}`,
      );
    }
    this.truncationError = Math.max(...this.axes.map((a) => a.dropped));
    this.tmp = [new Float64Array(grid.size), new Float64Array(grid.size)];
    const passes = opts.passes ?? 'auto';
    const dense = grid.shape.map((n, k) => passes === 'dense' || (passes === 'auto' && denseAxis(n, this.axes[k].w)));
    this.simd = WasmSeparable.create(grid.shape, this.axes.map((a) => a.taps), opts.assembler, dense);
    this.scratch = logConvolutionScratch(Math.max(...grid.shape), Math.max(...this.axes.map((a) => a.w)));
  }

  /** Half-widths w_k in cells. */
  get halfWidths(): number[] {
    return this.axes.map((a) => a.w);
  }

  /** out = K u (u ≥ 0 scalings) [size]; out may alias u. */
  apply(u: Float64Array, out: Float64Array): void {
    if (this.simd) return this.simd.apply(u, out);
    this.separable(u, out, (src, dst, k) => convolveAxis(src, dst, this.grid.shape, k, this.axes[k].taps));
  }

  /** out = log(K e^u) for log-scalings u (−∞ allowed) [size]; out may alias u. */
  applyLog(u: Float64Array, out: Float64Array): void {
    this.separable(u, out, (src, dst, k) => logConvolveAxis(src, dst, this.grid.shape, k, this.axes[k].taps, this.axes[k].logTaps, this.scratch));
  }

  /** Runs one pass per axis (last, contiguous axis first), ping-ponging through scratch. */
  private separable(u: Float64Array, out: Float64Array, pass: (src: Float64Array, dst: Float64Array, axis: number) => void): void {
    const d = this.grid.dim;
    let src = u;
    if (d === 1 && out === u) {
      this.tmp[1].set(u);
      src = this.tmp[1];
    }
    for (let k = d - 1; k >= 0; k--) {
      const dst = k === 0 ? out : this.tmp[(d - 1 - k) % 2];
      pass(src, dst, k);
      src = dst;
    }
  }
}
