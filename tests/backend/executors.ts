import { afterAll, beforeAll } from 'vitest';
import { setPairExecutorFactory, type PairExecutor } from '../../engine/backend/index.ts';
import { WorkerPoolExecutor } from '../../node/backend/worker-pool.ts';

/** Installs a 2-thread gpu.js worker pool as the pair executor for the file's tests (rows split over threads). */
export function useTwoThreadPool(): void {
  let pool: WorkerPoolExecutor;
  beforeAll(() => {
    pool = new WorkerPoolExecutor({ threads: 2 });
    setPairExecutorFactory(() => pool);
  });
  afterAll(() => {
    setPairExecutorFactory(null);
    pool.destroy();
  });
}

/** An executor on the node-pool platform whose kernels cannot be created (forced failure); counts the attempts. */
export function failingExecutor(calls: { prepare: number; run: number }): PairExecutor {
  return {
    platform: 'node-pool',
    description: 'forced failure',
    prepare() {
      calls.prepare++;
      throw new Error('forced: kernel creation failed');
    },
    run() {
      calls.run++;
      throw new Error('forced: run without a kernel');
    },
  };
}
