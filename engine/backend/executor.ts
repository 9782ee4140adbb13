/**
 * The seam between the isomorphic backend layer and whatever runs gpu.js kernels
 * on this platform: the gpu.js executor in one thread (WebGL2/WebGPU in the
 * browser, see gpujs-executor.ts) or the Node worker pool that splits rows over
 * worker_threads (node/backend/, registered by the Node edge).
 *
 * A pair kernel is a gpu.js source with signature (...inputs, n, i0) and one
 * thread per row i ∈ [0, n) (kernel-sources.ts); it writes `outDim` floats per row.
 */
export interface PairExecutor {
  /** Platform class used by the fixed rule (rule.ts), e.g. 'node-pool', 'webasm', 'webgl2'. */
  readonly platform: string;
  /** Human-readable description for notices and scene.json, e.g. 'gpu.js webasm ×2 threads'. */
  readonly description: string;
  /** Compiles (and caches) the kernel for n rows; throws when gpu.js cannot create it. */
  prepare(source: string, outDim: number, n: number): void;
  /** Runs the kernel over rows [0, n) into out ([n, outDim] row-major, float32). */
  run(source: string, outDim: number, inputs: readonly Float32Array[], n: number, out: Float32Array): void;
}

type Factory = () => PairExecutor;

let factory: Factory | null = null;
let instance: PairExecutor | null = null;
let failure: string | null = null;

/**
 * Registers how this platform runs gpu.js kernels (called once by the platform
 * edge: the Node CLI, the browser viewer, or a test). Replaces any earlier one.
 */
export function setPairExecutorFactory(f: Factory | null): void {
  factory = f;
  instance = null;
  failure = null;
}

/** Whether some platform edge has registered an executor factory. */
export function hasPairExecutorFactory(): boolean {
  return factory !== null;
}

/** The executor, created on first use; null (with `pairExecutorFailure()`) when none can be made. */
export function pairExecutor(): PairExecutor | null {
  if (instance || failure) return instance;
  if (!factory) {
    failure = 'no gpu.js executor is registered on this platform';
    return null;
  }
  try {
    instance = factory();
  } catch (e) {
    failure = `gpu.js is not available: ${(e as Error).message}`;
  }
  return instance;
}

/** Why `pairExecutor()` returned null, or null. */
export function pairExecutorFailure(): string | null {
  return failure;
}
