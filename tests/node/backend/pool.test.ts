import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuJsExecutor, blobDensitySource, interactionVelocitySource, type GpuJsConstructor } from '../../../engine/backend/index.ts';
import { logRepulsionKernel, newtonRepulsionKernel } from '../../../engine/particles/radial-kernels.ts';
import { MIN_ROWS_PER_THREAD, WorkerPoolExecutor } from '../../../node/backend/worker-pool.ts';
import { separatedCloud } from '../../engine/backend/clouds.ts';

/**
 * The Node worker pool splits rows over threads; every row is one thread's
 * sequential sum, so the bits must not depend on the thread count (the `auto`
 * contract: same command, same platform, same bits), and must equal gpu.js run
 * in one thread.
 */
const pools: WorkerPoolExecutor[] = [];
afterAll(() => pools.forEach((p) => p.destroy()));

function soa(seed: number, n: number, d: number): Float32Array[] {
  const { m } = separatedCloud(seed, n, d);
  const xs = Array.from({ length: d }, (_, k) => Float32Array.from({ length: n }, (_, i) => m.x[i * d + k]));
  return [...xs, Float32Array.from(m.w)];
}

describe('WorkerPoolExecutor', () => {
  it('gives the same bits with 1, 2 and 3 threads as gpu.js in the calling thread (N not a multiple of 4, uneven last chunk)', () => {
    const { GPU } = createRequire(import.meta.url)('gpu.js') as { GPU: GpuJsConstructor };
    const single = new GpuJsExecutor(GPU);
    const n = 3 * MIN_ROWS_PER_THREAD + 7; // 775: with 3 threads, 12 chunks of 65 rows, the last of 60
    const cases: [string, number, Float32Array[]][] = [
      [interactionVelocitySource(2, logRepulsionKernel().gpu!), 2, soa(1, n, 2)],
      [interactionVelocitySource(3, newtonRepulsionKernel().gpu!), 3, soa(2, n, 3)],
      [blobDensitySource(1, 1 / (2 * 0.05 * 0.05)), 1, soa(3, n, 1)],
    ];
    for (const threads of [1, 2, 3]) {
      const pool = new WorkerPoolExecutor({ threads });
      pools.push(pool);
      expect(pool.threads).toBe(threads);
      for (const [src, outDim, inputs] of cases) {
        const ref = new Float32Array(n * outDim);
        single.run(src, outDim, inputs, n, ref);
        const got = new Float32Array(n * outDim).fill(NaN);
        pool.run(src, outDim, inputs, n, got);
        expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer)), `threads=${threads} outDim=${outDim}`).toBe(true);
        expect(ref.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it('reports a kernel a worker cannot build as an error (no hang)', () => {
    const pool = new WorkerPoolExecutor({ threads: 2 });
    pools.push(pool);
    const n = 4 * MIN_ROWS_PER_THREAD;
    expect(() => pool.prepare('function (x0, w, n, i0) { return nope[this.thread.x]; }', 1, n)).toThrow();
  });
});
