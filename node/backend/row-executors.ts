import type { LseExecutor, LseTask, PairExecutor } from '../../engine/core/accelerator.ts';
import { GpuJsExecutor, zeroInputs } from '../../engine/backend/gpujs-executor.ts';
import { LSE_ROWS, lseArgs } from '../../engine/ot/lse-executor.ts';
import { gpuJs, PAIR_ROWS } from './row-kernels.ts';
import type { RowPool } from './row-pool.ts';

/** Below this many rows per thread a pair kernel runs on the calling thread alone (a worker round trip costs ~0.1 ms). */
export const MIN_ROWS_PER_THREAD = 256;
/** Below this many row×column pairs an OT call stays on the calling thread. */
export const MIN_PAIRS_FOR_THREADS = 1 << 20;

/**
 * Node executor of gpu.js pair kernels: rows split over the row pool (node/backend/row-pool.ts)
 * when each thread gets at least MIN_ROWS_PER_THREAD of them, each thread running the same
 * kernel source on gpu.js's WebAssembly SIMD backend. gpu.js's own worker pool engages
 * only under its async contract (every kernel call a Promise); the row pool gives the same
 * parallelism to synchronous callers. Same bits for any thread count.
 */
export class PoolPairExecutor implements PairExecutor {
  readonly platform: string;
  readonly description: string;
  readonly threads: number;
  /** gpu.js in this thread: the probe of its backend, prepare, and calls too small to split. */
  private readonly main: GpuJsExecutor;

  constructor(private readonly pool: RowPool) {
    this.main = new GpuJsExecutor(gpuJs());
    this.threads = pool.threads;
    this.platform = this.threads > 1 && this.main.platform === 'webasm' ? 'node-pool' : this.main.platform;
    this.description = `gpu.js ${this.main.platform}${this.threads > 1 ? ` ×${this.threads} threads` : ''}`;
  }

  prepare(source: string, outDim: number, n: number): void {
    // gpu.js builds a kernel on its first call: run it once on zeros with no partners (an
    // empty inner loop, not the O(n²) pass), so a failure surfaces here.
    this.run(source, outDim, zeroInputs(source, n), n, new Float32Array(n * outDim), 0);
  }

  run(source: string, outDim: number, inputs: readonly Float32Array[], n: number, out: Float32Array, partners = n): void {
    const T = Math.min(this.threads, Math.floor(n / MIN_ROWS_PER_THREAD));
    if (T <= 1) return this.main.run(source, outDim, inputs, n, out, partners);
    this.pool.run(PAIR_ROWS, { source, outDim, n, partners, inputs, out }, n, T);
  }
}

/**
 * The OT log-sum-exp rows (engine/ot/lse-executor.ts LSE_ROWS) over the row pool: calls of at
 * least MIN_PAIRS_FOR_THREADS row×column pairs are split over its threads, smaller ones run
 * on the calling thread.
 */
export class PoolLseExecutor implements LseExecutor {
  readonly threads: number;

  constructor(private readonly pool: RowPool) {
    this.threads = pool.threads;
  }

  run(task: LseTask): void {
    const T = task.nr * task.nc < MIN_PAIRS_FOR_THREADS ? 1 : this.threads;
    this.pool.run(LSE_ROWS, lseArgs(task), task.nr, T);
  }
}
