import type { WatAssembler } from '../wasm/assembler.ts';

/**
 * A row kernel: a loop whose rows [0, rows) are independent and each computed by one
 * sequential sum in one thread, so that a pool may cut the rows anywhere and hand them
 * to any thread: the same bits for any thread count and any timing. The OT log-sum-exp
 * rows (engine/ot/lse-executor.ts) and the gpu.js pair kernels (node/backend/row-kernels.ts)
 * are row kernels; the Node row pool (node/backend/row-pool.ts) runs them over its threads,
 * and a platform without a pool runs one in its own thread (`create(env)(args, 0, rows)`).
 *
 * Arguments are one named record: typed arrays (copied into shared memory by a pool, the
 * same views in every thread), lists of typed arrays, plain scalars, and shared
 * WebAssembly memories (passed as they are: data that lives there, such as a stored OT
 * kernel, is never copied) — never a positional list.
 */
export type RowArray = Float64Array | Float32Array | Int32Array;
export type RowArg = number | boolean | string | null | RowArray | readonly RowArray[] | WebAssembly.Memory;
export type RowArgs = Record<string, RowArg>;

/** What a thread gives the kernels it runs. */
export interface RowEnv {
  /** The WAT assembler of this thread (in a pool's worker: the main thread's assembled texts), or null. */
  readonly assembler: WatAssembler | null;
  /**
   * This thread's index in its pool, 0 … threads − 1 (the caller is 0; absent: 0): a kernel
   * with scratch in a shared memory takes the slot of this index (wasm-dense.ts DENSE_ROWS).
   */
  readonly thread?: number;
}

/**
 * Runs row kernels over threads (Node: node/backend/row-pool.ts): all rows of a call on at
 * most `threads` threads, the outputs in `args` written on return.
 */
export interface RowExecutor {
  readonly threads: number;
  run<A extends RowArgs>(kernel: RowKernel<A>, args: A, rows: number, threads?: number): void;
}

/** Runs rows [r0, r1) of one call; keeps its scratch (buffers, compiled instances) between calls. */
export type RowRunner<A extends RowArgs> = (args: A, r0: number, r1: number) => void;

export interface RowKernel<A extends RowArgs> {
  /** Unique name: a pool's worker finds the kernel by it (node/backend/row-kernels.ts ROW_KERNELS). */
  readonly name: string;
  /** The array arguments the rows write: a pool copies them back after a threaded call. */
  readonly outputs: readonly (keyof A & string)[];
  /** This thread's runner of the kernel. */
  create(env: RowEnv): RowRunner<A>;
  /**
   * Runs in the calling thread before a call is handed to other threads: whatever only that
   * thread can do (assemble the SIMD kernels the call needs: a pool's workers get them from it).
   */
  prepare?(env: RowEnv, args: A): void;
}

