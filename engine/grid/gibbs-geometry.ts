import { UsageError } from '../core/simulation.ts';
import type { SinkhornGeometry } from '../ot/geometry.ts';
import { expShifted } from '../core/exp.ts';
import { ConvolutionalGibbsKernel, type GibbsKernelOptions } from './gibbs-kernel.ts';
import type { Grid } from './grid.ts';

/** Kernel form: 'plain' (scaled exponentials through the plain kernel), 'log' (block-shifted LSE), 'auto'. */
export type KernelForm = 'auto' | 'plain' | 'log';

/** Normal doubles stop at 2.2e−308 = e^{−708}: keep every product above e^{−690}. */
const NORMAL_LOG = 690;

/**
 * The grid geometry of the Sinkhorn loop (engine/ot/sinkhorn-loop.ts): the soft
 * C-transform log(K e^h) for the cost ½|x − y|² on a grid, by separable
 * convolution (Solomon et al. 2015; K symmetric, so logApplyT = logApply).
 *
 * Plain form (fast): with M = max h, out = M + log(K e^{h − M}) — one exp and one
 * log per cell around the plain separable convolution. It is exact (to round-off)
 * when every product e^{h−M}·Π_k k_m stays a normal double, i.e. when the spread
 * of the finite h is at most R_safe = 690 − Σ_k log(1/min tap_k): then an output
 * is 0 only if its window holds no finite h (a true −∞). Otherwise — small ε, a
 * wide range of potentials — the log form (log-convolution.ts) is used, exact for
 * any range. 'auto' chooses per call by that rule (deterministic, no timing);
 * 'plain' refuses a call outside its range with a message.
 * The plain kernel's axis passes may be dense banded products (wide kernels, gibbs-kernel.ts
 * denseAxis): the same taps, so the same R_safe and the same rule. The log form is the
 * block-shifted convolution, or for wide kernels (every axis dense with w ≥ (n − 1)/2, where
 * the block shift is the line's maximum) the same stabilisation around the dense SIMD passes
 * (gibbs-kernel.ts applyLog, `logForm`).
 * A truncated kernel is the cost +∞ beyond w cells: right for JKO steps (mass moves a
 * few cells), wrong for OT between distant measures — use { truncation: 0 } there.
 */
export class GridGibbsGeometry implements SinkhornGeometry {
  readonly n: number;
  readonly m: number;
  /** max C = ½ diam² of the box. */
  readonly costScale: number;
  /** Applications done in each form (for reports and tests). */
  readonly counts = { plain: 0, log: 0 };
  /**
   * Called once, the first time 'auto' leaves the plain form (default: console.warn,
   * stderr in Node, the console in a browser), so a slower run says why.
   */
  onNotice: (message: string) => void = (m) => console.warn(m);
  private noticed = false;
  private kernel: ConvolutionalGibbsKernel;
  private readonly kernelOptions: GibbsKernelOptions;
  private readonly buf: Float64Array;

  constructor(
    readonly grid: Grid,
    eps: number,
    readonly form: KernelForm = 'auto',
    kernelOptions: GibbsKernelOptions = {},
  ) {
    this.n = this.m = grid.size;
    this.costScale = 0.5 * grid.bounds.reduce((s, [lo, hi]) => s + (hi - lo) ** 2, 0);
    // Its transforms never call the SIMD plain `apply` (only the soft C-transforms, whose logs
    // keep the exact dense passes), so its kernel makes no low-rank factors.
    this.kernelOptions = { ...kernelOptions, lowRank: false };
    this.kernel = new ConvolutionalGibbsKernel(grid, eps, this.kernelOptions);
    this.buf = new Float64Array(grid.size);
  }

  /** Whether the plain kernel passes run in WebAssembly SIMD (an assembler was given). */
  get simd(): boolean {
    return this.kernel.simd !== null;
  }

  /**
   * How the plain form's passes run, as scene.json records it: 'wasm-simd (axis 0: dense
   * w=95, axis 1: dense w=95; dense passes ×2 threads)', or 'javascript' (gibbs-kernel.ts
   * denseAxis is the rule; never 'lowrank': that form is the plain `apply`'s alone).
   */
  get method(): string {
    const k = this.kernel;
    if (!k.simd) return 'javascript';
    const threads = k.simd.threads > 1 ? `; dense passes ×${k.simd.threads} threads` : '';
    return `wasm-simd (${k.axisPasses.map((p, i) => `axis ${i}: ${p} w=${k.axes[i].w}`).join(', ')}${threads})`;
  }

  /** Threads the plain form's dense passes are split over (1: the calling thread). */
  get threads(): number {
    return this.kernel.simd?.threads ?? 1;
  }

  get eps(): number {
    return this.kernel.eps;
  }

  get truncationError(): number {
    return this.kernel.truncationError;
  }

  get halfWidths(): number[] {
    return this.kernel.halfWidths;
  }

  /** Largest spread of finite log-scalings the plain form takes exactly. */
  get safeRange(): number {
    let r = NORMAL_LOG;
    for (const a of this.kernel.axes) r += a.logTaps[a.w];
    return r;
  }

  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    this.apply(eps, h, out);
  }

  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    this.apply(eps, h, out);
  }

  private apply(eps: number, h: Float64Array, out: Float64Array): void {
    if (eps !== this.kernel.eps) this.kernel = new ConvolutionalGibbsKernel(this.grid, eps, this.kernelOptions);
    const simd = this.kernel.simd;
    let max = -Infinity, min = Infinity;
    if (simd) {
      simd.stage(h); // the scan in SIMD, on the copy the plain form convolves
      max = simd.max;
      min = simd.min;
    } else {
      for (let i = 0; i < h.length; i++) {
        const x = h[i];
        if (x > max) max = x;
        if (x < min && x !== -Infinity) min = x;
      }
    }
    if (max === -Infinity) {
      out.fill(-Infinity);
      return;
    }
    const spread = max - min;
    const plainOk = spread <= this.safeRange;
    if (this.form === 'plain' && !plainOk) {
      throw new UsageError(
        `plain kernel form cannot represent log-scalings spread over ${spread.toPrecision(4)} (limit ${this.safeRange.toPrecision(4)} at eps=${eps}): e^{−spread} underflows; use the log (or auto) kernel form or a larger eps`,
      );
    }
    if (this.form === 'log' || !plainOk) {
      if (this.form === 'auto' && !plainOk && !this.noticed) {
        this.noticed = true;
        this.onNotice(`wgf: log-scalings spread over ${spread.toPrecision(4)} > ${this.safeRange.toPrecision(4)} (the plain kernel's range at eps=${eps}): switching to the log-domain kernel form (exact, slower)`);
      }
      this.counts.log++;
      this.kernel.applyLog(h, out);
      return;
    }
    this.counts.plain++;
    if (simd) {
      simd.logApplyStaged(max, out);
      return;
    }
    expShifted(h, max, this.buf);
    this.kernel.apply(this.buf, out);
    for (let i = 0; i < out.length; i++) out[i] = max + Math.log(out[i]);
  }
}
