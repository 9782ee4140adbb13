import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import type { Accelerator, BackendName } from '../../engine/core/accelerator.ts';
import { createAccelerator } from '../../engine/backend/accelerator.ts';
import { workerEntry } from '../paths.ts';
import { PoolLseExecutor, PoolPairExecutor } from './row-executors.ts';
import { recordingAssembler, RowPool } from './row-pool.ts';
import { lazyWatAssembler } from './wat-assembler.ts';

/**
 * Threads of this process's row pool, decided once (issue #13: the same for pair kernels,
 * OT rows and grid loops, so `wgf run sinkhorn-flow` gets the threads `wgf ot` gets): every
 * core on the main thread; 1 inside a worker thread (a `wgf sweep` job already runs one job
 * per core, and the viewer's simulation thread shares the machine with its server). An
 * explicit count (`wgf ot --threads`) wins.
 */
export function nodeThreads(requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(64, Math.floor(requested)));
  return isMainThread ? availableParallelism() : 1;
}

export interface NodeAcceleratorOptions {
  request: BackendName;
  threads?: number;
  /** Where notices go (default stderr through console.warn). */
  notice?: (message: string) => void;
}

/**
 * The Node platform's accelerator, built once by the Node edge (`wgf run`/`view`/`sweep`/
 * `ot`, the bench, tests): wabt's assembler for the SIMD kernels (started in a helper
 * thread when the first kernel is assembled: node/backend/wat-assembler.ts), and one row
 * pool (node/backend/row-pool.ts, started only when a loop is placed on it) that runs both
 * the gpu.js pair kernels (on gpu.js's WebAssembly SIMD backend) and the OT rows. In this
 * environment gpu.js has no headless-gl (its optional native `gl` dependency does not
 * build), so its kernels run on WebAssembly.
 */
export async function createNodeAccelerator(o: NodeAcceleratorOptions): Promise<Accelerator> {
  const assembler = recordingAssembler(lazyWatAssembler());
  const threads = nodeThreads(o.threads);
  const entry = threads > 1 ? await workerEntry('row-worker') : null;
  let pool: RowPool | null = null;
  const rowPool = () => (pool ??= new RowPool({ threads, entry, assembler }));
  return createAccelerator({
    request: o.request, platform: 'node', threads, assembler, notice: o.notice,
    pairs: () => new PoolPairExecutor(rowPool()),
    // Started only when a loop asks (an OT energy's accelerate, `wgf ot`).
    lse: () => (threads > 1 ? new PoolLseExecutor(rowPool()) : null),
    rows: () => (threads > 1 ? rowPool() : null),
  });
}
