import type { PairExecutor } from '../core/accelerator.ts';

/** The part of gpu.js's `GPU` class this layer uses (injected: the engine never imports gpu.js itself). */
export interface GpuJsLike {
  readonly mode?: string;
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy?(): void;
}

export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  kernel?: { constructor?: { mode?: string }; fallbackReason?: string | null; context?: unknown };
  destroy?(): void;
}

export type GpuJsConstructor = new (settings?: Record<string, unknown>) => GpuJsLike;

/**
 * The gpu.js backend a compiled kernel actually runs in: 'webasm', 'cpu',
 * 'webgpu', or for the GL kernels (whose class reports 'gpu') 'webgl2' /
 * 'webgl' / 'headlessgl' from their context.
 */
export function kernelMode(k: GpuJsKernel): string {
  const mode = k.kernel?.constructor?.mode ?? 'unknown';
  if (mode !== 'gpu') return mode;
  const ctx = k.kernel?.context;
  if (typeof WebGL2RenderingContext !== 'undefined' && ctx instanceof WebGL2RenderingContext) return 'webgl2';
  return typeof document === 'undefined' ? 'headlessgl' : 'webgl';
}

/**
 * Settings of every pair kernel: one thread per row, float32 throughout
 * ('single'), highp on GL ('precision' tactic), and loops allowed to run over
 * all n partners (gpu.js caps loops at loopMaxIterations on GL).
 */
export function pairKernelSettings(outDim: number, rows: number, n: number): Record<string, unknown> {
  return {
    output: [rows],
    returnType: outDim === 1 ? 'Number' : `Array(${outDim})`,
    precision: 'single',
    tactic: 'precision',
    loopMaxIterations: Math.max(1000, n),
  };
}

/** The unmasked renderer of a WebGL context, or null (no GL context, or the browser hides it). */
function glRenderer(ctx: unknown): string | null {
  const gl = ctx as { getExtension?(n: string): { UNMASKED_RENDERER_WEBGL: number } | null; getParameter?(p: number): unknown } | undefined;
  if (!gl?.getExtension || !gl.getParameter) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const r = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : null;
  return typeof r === 'string' ? r : null;
}

/** Number of array inputs of a pair kernel source `function (…inputs, n, i0)`. */
export function kernelArity(source: string): number {
  const m = /^function\s*\(([^)]*)\)/.exec(source);
  if (!m) throw new Error('pair kernel source must start with function (…)');
  return m[1].split(',').length - 2;
}

/** Zero float32 inputs of length n for every array argument of `source`. */
export function zeroInputs(source: string, n: number): Float32Array[] {
  return Array.from({ length: kernelArity(source) }, () => new Float32Array(n));
}

/** Copies a gpu.js result (a Float32Array for scalars, rows of [outDim] otherwise) into out at row offset. */
export function copyKernelResult(r: unknown, outDim: number, rows: number, out: Float32Array, rowOffset = 0): void {
  const o = rowOffset * outDim;
  if (outDim === 1) {
    out.set((r as Float32Array).subarray(0, rows), o);
    return;
  }
  const a = r as ArrayLike<ArrayLike<number>>;
  for (let i = 0; i < rows; i++) {
    const v = a[i];
    for (let k = 0; k < outDim; k++) out[o + i * outDim + k] = v[k];
  }
}

/**
 * Runs pair kernels with one gpu.js instance in the calling thread: WebGL2 (or
 * WebGPU/WebGL) in the browser; in Node without headless-gl it is the
 * single-threaded WebAssembly SIMD backend. Kernels are compiled once per
 * (source, n). A kernel that gpu.js silently degrades to its plain-JS 'cpu'
 * mode on a faster platform counts as a failure to create it, so `auto` keeps
 * the TypeScript loop instead.
 */
export class GpuJsExecutor implements PairExecutor {
  readonly platform: string;
  readonly description: string;
  /** The GL renderer string when gpu.js runs on WebGL (WEBGL_debug_renderer_info), else null. */
  readonly renderer: string | null;
  private readonly gpu: GpuJsLike;
  private readonly kernels = new Map<string, GpuJsKernel>();

  constructor(GPU: GpuJsConstructor, settings: Record<string, unknown> = {}) {
    this.gpu = new GPU(settings);
    // Probe which backend gpu.js picked with a trivial kernel (GPU.mode reads 'gpu' for auto).
    const probe = this.gpu.createKernel('function (a) { return a[this.thread.x]; }', { output: [1] });
    probe(new Float32Array(1));
    this.platform = kernelMode(probe);
    this.renderer = glRenderer(probe.kernel?.context);
    probe.destroy?.();
    this.description = `gpu.js ${this.platform}${this.renderer ? ` (${this.renderer})` : ''}`;
  }

  /** Whether the GL context renders in software (SwiftShader, llvmpipe): no GPU behind it. */
  get softwareGl(): boolean {
    return this.renderer !== null && /swiftshader|llvmpipe|softpipe|software/i.test(this.renderer);
  }

  prepare(source: string, outDim: number, n: number): void {
    // gpu.js builds a kernel on its first call: run it once on zeros with no partners (an
    // empty inner loop, not the O(n²) pass) so a failure surfaces here.
    this.run(source, outDim, zeroInputs(source, n), n, new Float32Array(n * outDim), 0);
  }

  run(source: string, outDim: number, inputs: readonly Float32Array[], n: number, out: Float32Array, partners = n): void {
    this.runRows(source, outDim, inputs, n, 0, n, out, 0, partners);
  }

  /**
   * Rows [i0, i0 + rows) of the kernel over n particles into out ([rows, outDim] from row
   * `outRow`); `partners` is the kernel's `n` argument (its inner loop's length).
   */
  runRows(source: string, outDim: number, inputs: readonly Float32Array[], n: number, i0: number, rows: number, out: Float32Array, outRow = 0, partners = n): void {
    if (rows <= 0) return;
    const k = this.kernel(source, outDim, n, rows);
    copyKernelResult(k(...inputs, partners, i0), outDim, rows, out, outRow);
  }

  private kernel(source: string, outDim: number, n: number, rows: number): GpuJsKernel {
    const key = `${rows}|${n}|${outDim}|${source}`;
    let k = this.kernels.get(key);
    if (!k) {
      k = this.gpu.createKernel(source, pairKernelSettings(outDim, rows, n));
      const mode = kernelMode(k);
      if (mode === 'cpu' && this.platform !== 'cpu') {
        throw new Error(`gpu.js degraded the kernel to its cpu mode (${k.kernel?.fallbackReason ?? 'no reason given'})`);
      }
      this.kernels.set(key, k);
    }
    return k;
  }
}
