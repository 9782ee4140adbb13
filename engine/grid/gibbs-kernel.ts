import { UsageError } from '../core/simulation.ts';
import { gaussianTaps, type GaussianTaps } from './gaussian-taps.ts';
import type { Grid } from './grid.ts';
import { exactLse, logConvolutionScratch, logConvolveAxis, TINY, type LogConvolutionScratch } from './log-convolution.ts';
import { expNeg } from '../core/exp.ts';
import { convolveAxis } from './separable-convolution.ts';
import type { RowExecutor } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { WasmSeparable } from './wasm-separable.ts';
import { MR } from './wasm-dense.ts';
import { lowRankTaps } from './low-rank-taps.ts';
import { paddedRank } from './wasm-low-rank.ts';

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
   * 'dense' (the banded matrix product, wasm-dense.ts), 'lowrank' (every axis the low-rank
   * product, wasm-low-rank.ts, where a factor exists: δ > 0) or 'auto' (default): per axis by
   * `denseAxis`, then `lowRankAxis`. The JavaScript loops are always the truncated convolution.
   */
  passes?: AxisPasses;
  /**
   * The row pool the dense SIMD passes are split over (the accelerator's `rows()`): the same
   * bits for any thread count. Absent or null: the calling thread. A function is called only
   * when an axis pass is dense (a scene with narrow kernels never starts the pool).
   */
  rows?: RowExecutor | null | (() => RowExecutor | null);
  /**
   * Whether `apply` may take the low-rank form (lowRankAxis; default true). False for users
   * of the soft C-transforms alone (GridGibbsGeometry), which keep the exact dense passes:
   * no factor is made.
   */
  lowRank?: boolean;
}

/** Form of the SIMD axis passes: see GibbsKernelOptions.passes. */
export type AxisPasses = 'auto' | 'truncated' | 'dense' | 'lowrank';

/**
 * The fixed rule (deterministic, no timing at run time) for the SIMD pass along axis k of
 * `shape` with half-width w: the dense pass (wasm-dense.ts) from w ≥ DENSE_MIN_W, on the
 * contiguous axis only when there are at least MR lines to tile (not in 1D). Measured (min
 * of 40 applications, both forms alternating, 2-core AMD EPYC under load 7–8), time of
 * the truncated form over the dense one: 256² w = 5: 0.85, w = 8: 1.17, 12: 2.1, 16: 3.1,
 * 20: 1.17, 24: 1.21, 95 (ε = 0.01 at 128²): 2.0, 380 (ε = 0.01 at 512²): 8.7; 64³ w = 5:
 * 0.86, 8: 2.8, 20: 2.2, 40: 2.8; a 1D line of 4096, w = 5..200: 0.5–0.8 (one-line tiles
 * waste the register block). Per summed term the dense tile costs ~⅓ of a tap of the
 * wide truncated pass (which sums pairs of neighbours: half as many terms), so beyond
 * w = 16 the dense pass wins at every width; below, the truncated pass unrolls its taps
 * into registers and wins only up to w ≈ 7.
 */
export function denseAxis(shape: readonly number[], k: number, w: number): boolean {
  if (w < DENSE_MIN_W) return false;
  const d = shape.length;
  return k < d - 1 || shape.slice(0, d - 1).reduce((a, b) => a * b, 1) >= MR;
}

/** Smallest half-width at which the dense pass is chosen (see denseAxis). */
export const DENSE_MIN_W = 8;

/**
 * The fixed rule (deterministic, no timing at run time) for the plain pass along an axis of
 * n cells, half-width w, that denseAxis made dense: the low-rank product (wasm-low-rank.ts)
 * when the factor of its Gibbs matrix at the truncation δ (low-rank-taps.ts) has a padded
 * rank rp with 2·rp·LOW_RANK_MIN_RATIO ≤ the dense band's mean length (denseBand). Its terms
 * per cell: 2·rp (two products) against the band's. Its error contract is the truncation's
 * (every entry within δ of the kernel). Measured (min of 5–30 applications, both forms
 * alternating, every axis the same form, one thread, 2-core AMD EPYC under load 1.4–1.8),
 * time of the dense form over the low-rank one against band/(2·rp): 64² ε = 0.03: 1.33 →
 * 1.00, ε = 0.01: 0.93 → 0.77; 96² ε = 0.01: 1.40 → 1.17, ε = 0.003: 0.60 → 0.57; 128²
 * ε = 0.03: 2.67 → 2.09, ε = 0.01: 1.87 → 1.53, ε = 0.003: 0.80 → 0.74, ε = 0.002: 0.55 →
 * 0.53; 160² ε = 0.003: 1.00 → 0.90; 192² ε = 0.003: 1.20 → 1.03, ε = 0.002: 0.83 → 0.75;
 * 256² ε = 0.03: 5.33 → 3.65, ε = 0.01: 3.74 → 2.85, ε = 0.003: 1.60 → 1.41, ε = 0.002:
 * 1.11 → 0.90, ε = 0.001: 0.61 → 0.57; 512² ε = 0.01: 7.47 → 6.79, ε = 0.003: 2.97 → 2.33,
 * ε = 0.001: 1.21 → 0.97, ε = 0.0005: 0.65 → 0.61; 32³ ε = 0.03: 0.80 → 0.71;
 * 48³ ε = 0.01: 0.70 → 0.71; 64³ ε = 0.003: 0.40 → 0.41, ε = 0.03: 1.33 → 1.02; 96³
 * ε = 0.01: 1.40 → 1.22. A low-rank term costs ~1.15× a dense one (two products, each
 * with its own stores), so the crossover is at band/(2·rp) ≈ 1.2–1.3: at ε = 0.01 on [0, 1]
 * (r ≈ 31) from n ≈ 100, at ε = 0.003 (r ≈ 52) from n ≈ 200.
 * When every axis (d ≥ 2) qualifies at LOW_RANK_REDUCED_RATIO, all take it: the reduced form
 * (wasm-separable.ts `reduced`: one half-pass each side of the last axis, the other axes on
 * rp-cell lines) costs ~2·rp per cell and axis pair instead of 4·rp. Measured the same way
 * (load 2.2–2.3, so ±15%), dense over reduced low-rank against band/(2·rp): 64² ε = 0.03:
 * 1.33 → 0.82, ε = 0.01: 0.93 → 0.76 (0.08 ms applications: three calls' overhead); 96²
 * ε = 0.01: 1.40 → 1.44, ε = 0.003: 0.60 → 0.67; 128² ε = 0.01: 1.87 → 2.29, ε = 0.003:
 * 0.80 → 1.00, ε = 0.002: 0.55 → 0.68; 160² ε = 0.003: 1.00 → 1.31; 192² ε = 0.002: 0.83
 * → 1.12; 256² ε = 0.01: 3.74 → 4.33, ε = 0.003: 1.60 → 2.08, ε = 0.001: 0.61 → 0.80,
 * ε = 0.0005: 0.32 → 0.43; 512² ε = 0.001: 1.21 → 1.71, ε = 0.0005: 0.65 → 0.90, ε =
 * 0.0002: 0.27 → 0.39; 32³ ε = 0.03: 0.80 → 0.97; 48³ ε = 0.01: 0.70 → 0.92; 64³ ε = 0.01:
 * 0.93 → 1.17, ε = 0.003: 0.40 → 0.50, ε = 0.03: 1.33 → 1.94; 96³ ε = 0.01: 1.40 → 1.78:
 * the crossover at band/(2·rp) ≈ 0.8–1.0 from 128² and 64³ (small grids lose to the calls'
 * overhead), so 1.0.
 */
export function lowRankAxis(n: number, w: number, rank: number, ratio = LOW_RANK_MIN_RATIO): boolean {
  return 2 * paddedRank(rank) * ratio <= denseBand(n, w);
}

/** The margin of lowRankAxis: the dense band over the low-rank terms per cell, 2·rp, at which the low-rank pass is taken. */
export const LOW_RANK_MIN_RATIO = 1.3;

/** The margin at which every axis (d ≥ 2) takes the low-rank form together (the reduced form): see lowRankAxis. */
export const LOW_RANK_REDUCED_RATIO = 1.0;

/** Mean length of the dense pass's band over the outputs of an n-cell axis, half-width w: (1/n) Σ_i |[i − w, i + w] ∩ [0, n)|. */
export function denseBand(n: number, w: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.min(n, i + w + 1) - Math.max(0, i - w);
  return s / n;
}

/** The largest rank lowRankAxis can accept at either margin (the pivoted Cholesky stops beyond it). */
function maxLowRank(n: number, w: number): number {
  return Math.floor(denseBand(n, w) / (2 * Math.min(LOW_RANK_MIN_RATIO, LOW_RANK_REDUCED_RATIO)));
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
  /** How each axis pass of `apply` runs: 'dense' (SIMD banded product) or 'truncated' (the convolution, SIMD or JavaScript). */
  readonly axisPasses: ('dense' | 'truncated' | 'lowrank')[];
  /** Rank r of each low-rank axis's factor (0 where the axis is not 'lowrank'). */
  readonly ranks: number[];
  /**
   * How `applyLog` runs: 'dense' (per-line shifted dense passes, see applyLog) or 'block'
   * (the block-shifted convolution of log-convolution.ts).
   */
  readonly logForm: 'dense' | 'block';
  /** The dense log form's line maxima and its arrays (made on first use). */
  private logScratch: { max: Float64Array; v: Float64Array; s: Float64Array; line: Float64Array } | null = null;

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
    const dense = grid.shape.map((_, k) => passes === 'dense' || passes === 'lowrank' || (passes === 'auto' && denseAxis(grid.shape, k, this.axes[k].w)));
    // A dense axis's plain pass as the low-rank product where its factor is small enough
    // (lowRankAxis; forced by passes 'lowrank'): SIMD only, so only with an assembler.
    const lowRank = grid.shape.map((n, k) =>
      dense[k] && opts.assembler && passes !== 'dense' && opts.lowRank !== false ? lowRankTaps(n, grid.h[k], eps, delta, passes === 'lowrank' ? n : maxLowRank(n, this.axes[k].w)) : null,
    );
    const takes = (ratio: number) => lowRank.map((f, k) => f !== null && (passes === 'lowrank' || lowRankAxis(grid.shape[k], this.axes[k].w, f.rank, ratio)));
    // every axis at the reduced form's margin, else each at its own (lowRankAxis)
    const all = grid.dim >= 2 && takes(LOW_RANK_REDUCED_RATIO).every(Boolean);
    const chosen = all ? lowRank.map(() => true) : takes(LOW_RANK_MIN_RATIO);
    lowRank.forEach((_, k) => {
      if (!chosen[k]) lowRank[k] = null;
    });
    const rows = dense.some(Boolean) && opts.assembler ? (typeof opts.rows === 'function' ? opts.rows() : (opts.rows ?? null)) : null;
    this.simd = WasmSeparable.create(grid.shape, this.axes.map((a) => a.taps), opts.assembler, dense, rows, lowRank);
    this.axisPasses = dense.map((x, k) => (x && this.simd ? (lowRank[k] ? 'lowrank' : 'dense') : 'truncated'));
    this.ranks = lowRank.map((f) => (f && this.simd ? f.rank : 0));
    // The dense log form where its one shift per line is the block form's shift: every axis
    // dense with 2w ≥ n − 1 (blocks of w cells: each output's three neighbouring blocks are the whole line).
    // A low-rank axis keeps its exact dense pass for this form: the low-rank product's error is
    // absolute (δ·‖b‖₁), which would break the log form's relative accuracy for tiny sums.
    this.logForm = this.axisPasses.every((p, k) => p !== 'truncated' && 2 * this.axes[k].w >= grid.shape[k] - 1) ? 'dense' : 'block';
    this.scratch = logConvolutionScratch(Math.max(...grid.shape), Math.max(...this.axes.map((a) => a.w)));
  }

  /** Half-widths w_k in cells. */
  get halfWidths(): number[] {
    return this.axes.map((a) => a.w);
  }

  /**
   * out = K u (u ≥ 0 scalings) [size]; out may alias u. Low-rank axes (axisPasses) apply
   * L Lᵀ clamped at u (wasm-low-rank.ts): every output within the truncation's δ·‖u‖₁.
   */
  apply(u: Float64Array, out: Float64Array): void {
    if (this.simd) return this.simd.apply(u, out);
    this.separable(u, out, (src, dst, k) => convolveAxis(src, dst, this.grid.shape, k, this.axes[k].taps));
  }

  /**
   * out = log(K e^u) for log-scalings u (−∞ allowed) [size]; out may alias u.
   * Block form: log-convolution.ts. Dense form (`logForm`, wide kernels: w ≥ (n − 1)/2 on
   * every axis), per axis pass and line: M = max of the line, v = e^{u − M} (expNeg), the dense
   * SIMD pass S = K v, out = M + log S; an output whose S < TINY is recomputed exactly
   * (exactLse with its own window maximum). With blocks of w ≥ (n − 1)/2 cells every output
   * of the block form sees the whole line, so its shift is this M: the same stabilisation,
   * exact to round-off for any range, with the O(n·w) sums in SIMD instead of JavaScript.
   */
  applyLog(u: Float64Array, out: Float64Array): void {
    if (this.logForm === 'dense') return this.separable(u, out, (src, dst, k) => this.denseLogAxis(src, dst, k));
    this.separable(u, out, (src, dst, k) => logConvolveAxis(src, dst, this.grid.shape, k, this.axes[k].taps, this.axes[k].logTaps, this.scratch));
  }

  /** One axis of the dense log form (see applyLog); dst ≠ src. */
  private denseLogAxis(src: Float64Array, dst: Float64Array, k: number): void {
    const shape = this.grid.shape;
    const n = shape[k];
    let inner = 1;
    for (let j = k + 1; j < shape.length; j++) inner *= shape[j];
    const size = src.length;
    const lines = size / n;
    const outer = lines / inner;
    this.logScratch ??= { max: new Float64Array(size), v: new Float64Array(size), s: new Float64Array(size), line: new Float64Array(Math.max(...shape)) };
    const { max, v, s, line } = this.logScratch;
    // Line (o, c): cells o·n·inner + c + i·inner, i < n.
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < inner; c++) max[o * inner + c] = -Infinity;
      for (let i = 0; i < n; i++) {
        const row = (o * n + i) * inner;
        for (let c = 0; c < inner; c++) if (src[row + c] > max[o * inner + c]) max[o * inner + c] = src[row + c];
      }
      for (let i = 0; i < n; i++) {
        const row = (o * n + i) * inner;
        for (let c = 0; c < inner; c++) {
          const M = max[o * inner + c];
          v[row + c] = M === -Infinity || src[row + c] === -Infinity ? 0 : expNeg(src[row + c] - M);
        }
      }
    }
    this.simd!.densePass(k, v, s);
    const { w, logTaps } = this.axes[k];
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < inner; c++) {
        const M = max[o * inner + c];
        let gathered = false;
        for (let i = 0; i < n; i++) {
          const at = (o * n + i) * inner + c;
          if (M === -Infinity) {
            dst[at] = -Infinity;
            continue;
          }
          const sum = s[at];
          if (sum > TINY) {
            dst[at] = M + Math.log(sum);
            continue;
          }
          if (!gathered) {
            for (let j = 0; j < n; j++) line[j] = src[(o * n + j) * inner + c];
            gathered = true;
          }
          dst[at] = exactLse(line, n, i, w, logTaps);
        }
      }
    }
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
