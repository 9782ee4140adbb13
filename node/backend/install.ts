import { setPairExecutorFactory } from '../../engine/backend/executor.ts';
import { WorkerPoolExecutor } from './worker-pool.ts';

/**
 * Registers the Node executor of gpu.js kernels (called by the Node edge: run
 * preparation, bench, tests). gpu.js is loaded only when a kernel is first
 * needed, so `wgf list` and `--backend ts` runs never pay for it. In this
 * environment gpu.js has no headless-gl (its optional native `gl` dependency does
 * not build), so its kernels run on the WebAssembly SIMD backend.
 */
export function installNodeBackend(options: { threads?: number } = {}): void {
  setPairExecutorFactory(() => new WorkerPoolExecutor(options));
}
