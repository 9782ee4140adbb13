import { afterAll, beforeAll } from 'vitest';
import { createAccelerator } from '../../../engine/backend/accelerator.ts';
import type { Accelerator, BackendName, PairExecutor } from '../../../engine/core/accelerator.ts';
import type { ParticleEnergy } from '../../../engine/particles/energy.ts';
import { PoolPairExecutor } from '../../../node/backend/row-executors.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';

/**
 * A 2-thread gpu.js row pool for the file's tests (rows split over threads), and
 * accelerators on it: `accelerator('gpu')` places every loop with a kernel on the pool.
 */
export function useTwoThreadPool(): (request: BackendName, notice?: (m: string) => void) => Accelerator {
  let pool: RowPool;
  let pairs: PoolPairExecutor;
  beforeAll(async () => {
    pool = await startRowPool(2);
    pairs = new PoolPairExecutor(pool);
  });
  afterAll(() => {
    pool.close();
  });
  return (request, notice) => createAccelerator({ request, platform: 'node', threads: 2, pairs: () => pairs, notice });
}

/** An accelerator on the node-pool platform whose executor comes from `pairs` (notices collected). */
export function testAccelerator(request: BackendName, pairs: () => PairExecutor, notices: string[] = []): Accelerator {
  return createAccelerator({ request, platform: 'node', threads: 2, pairs, notice: (m) => notices.push(m) });
}

/** Binds an energy's loops to `acc` for states [n, d] (what particleSimulation does) and returns it. */
export function bound<E extends ParticleEnergy>(e: E, acc: Accelerator, n: number, d: number, exactValues?: string): E {
  e.accelerate?.(acc, { n, d, exactValues });
  return e;
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
