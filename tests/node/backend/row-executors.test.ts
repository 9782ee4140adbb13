import { afterAll, describe, expect, it } from 'vitest';
import { GpuJsExecutor, blobDensitySource, interactionVelocitySource } from '../../../engine/backend/index.ts';
import { logRepulsionKernel, newtonRepulsionKernel } from '../../../engine/particles/radial-kernels.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { MIN_PAIRS_FOR_THREADS, MIN_ROWS_PER_THREAD, PoolLseExecutor, PoolPairExecutor } from '../../../node/backend/row-executors.ts';
import { gpuJs } from '../../../node/backend/row-kernels.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';
import { separatedCloud } from '../../engine/backend/clouds.ts';
import { uniformCloud } from '../../engine/ot/clouds.ts';

/**
 * The row pool's two executors split rows over threads; every row is one thread's
 * sequential sum, so the bits must not depend on the thread count (the `auto` contract:
 * same command, same platform, same bits).
 */
const pools: RowPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));
async function pool(threads: number): Promise<RowPool> {
  const p = await startRowPool(threads);
  pools.push(p);
  return p;
}

function soa(seed: number, n: number, d: number): Float32Array[] {
  const { m } = separatedCloud(seed, n, d);
  const xs = Array.from({ length: d }, (_, k) => Float32Array.from({ length: n }, (_, i) => m.x[i * d + k]));
  return [...xs, Float32Array.from(m.w)];
}

describe('PoolPairExecutor (gpu.js pair kernels on the row pool)', () => {
  it('gives the same bits with 1, 2 and 3 threads as gpu.js in the calling thread (N not a multiple of 4, uneven last chunk)', async () => {
    const single = new GpuJsExecutor(gpuJs());
    const n = 3 * MIN_ROWS_PER_THREAD + 7; // 775: with 3 threads, 12 chunks of 65 rows, the last of 60
    const cases: [string, number, Float32Array[]][] = [
      [interactionVelocitySource(2, logRepulsionKernel().gpu!), 2, soa(1, n, 2)],
      [interactionVelocitySource(3, newtonRepulsionKernel().gpu!), 3, soa(2, n, 3)],
      [blobDensitySource(1, 1 / (2 * 0.05 * 0.05)), 1, soa(3, n, 1)],
    ];
    for (const threads of [1, 2, 3]) {
      const ex = new PoolPairExecutor(await pool(threads));
      expect(ex.threads).toBe(threads);
      for (const [src, outDim, inputs] of cases) {
        const ref = new Float32Array(n * outDim);
        single.run(src, outDim, inputs, n, ref);
        const got = new Float32Array(n * outDim).fill(NaN);
        ex.run(src, outDim, inputs, n, got);
        expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer)), `threads=${threads} outDim=${outDim}`).toBe(true);
        expect(ref.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it('reports a kernel a worker cannot build as an error (no hang)', async () => {
    const ex = new PoolPairExecutor(await pool(2));
    const n = 4 * MIN_ROWS_PER_THREAD;
    expect(() => ex.prepare('function (x0, w, n, i0) { return nope[this.thread.x]; }', 1, n)).toThrow();
  });
});

describe('PoolLseExecutor (online OT rows on the row pool)', () => {
  it('gives the same bits as one thread, above the threading threshold', async () => {
    // Every row is one thread's sequential sum, whatever the split: equality is exact.
    const n = 1100;
    const m = 1000;
    expect(n * m).toBeGreaterThan(MIN_PAIRS_FOR_THREADS);
    const x = uniformCloud(70, n, 2);
    const y = uniformCloud(71, m, 2);
    const ex = new PoolLseExecutor(await pool(3));
    const one = new PointCloudGeometry(x, y, 2);
    const many = new PointCloudGeometry(x, y, 2, 2, ex);
    const h = uniformCloud(72, m, 1);
    const hT = uniformCloud(73, n, 1);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    one.logApply(0.003, h, a);
    many.logApply(0.003, h, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = new Float64Array(m);
    const e = new Float64Array(m);
    one.logApplyT(0.003, hT, c);
    many.logApplyT(0.003, hT, e);
    expect(Array.from(e)).toEqual(Array.from(c));
  });
});
