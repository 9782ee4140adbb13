import { afterAll, describe, expect, it } from 'vitest';
import type { RowKernel } from '../../../engine/core/row-kernel.ts';
import { LSE_ROWS, type LseArgs } from '../../../engine/ot/lse-executor.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { ROW_KERNELS } from '../../../node/backend/row-kernels.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';
import { uniformCloud } from '../../engine/ot/clouds.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { ConvolutionalGibbsKernel } from '../../../engine/grid/gibbs-kernel.ts';
import { GridGibbsGeometry } from '../../../engine/grid/gibbs-geometry.ts';
import { Grid } from '../../../engine/grid/grid.ts';

const assembler = await loadWatAssembler();
const pools: RowPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));

/** A p = 2 log-sum-exp call in dimension d over nr rows (named arguments, no blocks). */
function lseCall(seed: number, nr: number, nc: number, d: number): LseArgs {
  const X = uniformCloud(seed, nr, d);
  const sqX = new Float64Array(nr).map((_, i) => X.subarray(i * d, (i + 1) * d).reduce((s, v) => s + v * v, 0));
  return {
    d, p: 2, inv: 50, nr, nc, X, sqX, Ys: uniformCloud(seed + 1, nc, d).map((v) => 50 * v), hs: uniformCloud(seed + 2, nc, 1),
    out: new Float64Array(nr).fill(NaN), size: 0, lo: null, hi: null, hmax: null,
  };
}

describe('RowPool', () => {
  it('runs a registered kernel on 1, 2 and 3 threads with the bits of one runner in this thread (odd rows, uneven chunks)', async () => {
    expect(assembler).not.toBeNull();
    // d = 5: no other test of this file assembles it, so the workers get it from the main thread's log.
    const ref = lseCall(11, 203, 97, 5);
    LSE_ROWS.create({ assembler })(ref, 0, ref.nr);
    expect(ref.out.every(Number.isFinite)).toBe(true);
    for (const threads of [1, 2, 3]) {
      const pool = await startRowPool(threads, assembler);
      pools.push(pool);
      const call = lseCall(11, 203, 97, 5);
      const X = call.X.slice();
      pool.run(LSE_ROWS, call, call.nr);
      expect(Array.from(call.out), `threads=${threads}`).toEqual(Array.from(ref.out));
      expect(Array.from(call.X)).toEqual(Array.from(X)); // inputs are not written back
    }
  });

  it('runs the dense grid passes (DENSE_ROWS, shared memory, a panel per thread) on 1, 2 and 3 threads with the bits of one thread', async () => {
    // Above MIN_DENSE_TERMS_FOR_THREADS (2²³ terms), so the pool splits them: 2D, the plane (one
    // call per application, 24000 cells × ~460 terms); 3D, one call per axis pass (215040 cells × 127 terms).
    for (const shape of [[160, 150], [64, 60, 56]]) {
      const grid = new Grid(shape, shape.map(() => [0, 1] as [number, number]));
      const eps = shape.length === 2 ? 0.01 : 0.05;
      const rng = new Rng(4);
      const u = new Float64Array(grid.size).map(() => rng.uniform());
      const h = new Float64Array(grid.size).map(() => 20 * rng.uniform() - 10);
      const ref = new Float64Array(grid.size), refLog = new Float64Array(grid.size);
      new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'dense' }).apply(u, ref);
      new GridGibbsGeometry(grid, eps, 'plain', { assembler }).logApply(eps, h, refLog);
      for (const threads of [1, 2, 3]) {
        const pool = await startRowPool(threads, assembler);
        pools.push(pool);
        // (dense forced: at 160×150, ε = 0.01 the rule takes the low-rank passes, below)
        const K = new ConvolutionalGibbsKernel(grid, eps, { assembler, rows: pool, passes: 'dense' });
        expect(K.axisPasses.every((p) => p === 'dense')).toBe(true);
        expect(K.simd!.threads).toBe(threads);
        const out = new Float64Array(grid.size);
        for (let rep = 0; rep < 3; rep++) {
          K.apply(u, out);
          expect(Array.from(out), `${shape.join('×')}, threads=${threads}`).toEqual(Array.from(ref));
        }
        const log = new Float64Array(grid.size);
        new GridGibbsGeometry(grid, eps, 'plain', { assembler, rows: pool }).logApply(eps, h, log);
        expect(Array.from(log), `log ${shape.join('×')}, threads=${threads}`).toEqual(Array.from(refLog));
      }
    }
  });

  it('runs the low-rank grid passes (LOW_RANK_ROWS, shared memory, scratch per thread) on 1, 2 and 3 threads with the bits of one thread', async () => {
    // Above MIN_DENSE_TERMS_FOR_THREADS (2²³ terms: cells × 2 × padded rank), so the pool splits
    // them: 2D 400×360 at ε = 0.01 (r = 31, 144000 cells × 64), 3D 200×44×46 at ε = 0.01.
    for (const shape of [[400, 360], [200, 44, 46]]) {
      const grid = new Grid(shape, shape.map(() => [0, 1] as [number, number]));
      const eps = 0.01;
      const rng = new Rng(5);
      const u = new Float64Array(grid.size).map(() => (rng.uniform() < 0.3 ? 0 : rng.uniform()));
      const ref = new Float64Array(grid.size);
      new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'lowrank' }).apply(u, ref);
      for (const threads of [1, 2, 3]) {
        const pool = await startRowPool(threads, assembler);
        pools.push(pool);
        const K = new ConvolutionalGibbsKernel(grid, eps, { assembler, rows: pool, passes: 'lowrank' });
        expect(K.axisPasses.every((p) => p === 'lowrank')).toBe(true);
        expect(K.simd!.threads).toBe(threads);
        const out = new Float64Array(grid.size);
        for (let rep = 0; rep < 3; rep++) {
          K.apply(u, out);
          expect(Array.from(out), `${shape.join('×')}, threads=${threads}`).toEqual(Array.from(ref));
        }
      }
    }
  });

  it('refuses a kernel that is not in ROW_KERNELS (its workers could not find it)', async () => {
    const pool = await startRowPool(2);
    pools.push(pool);
    const stranger: RowKernel<LseArgs> = { ...LSE_ROWS };
    expect(ROW_KERNELS.map((k) => k.name)).toContain(stranger.name);
    const call = lseCall(3, 8, 8, 2);
    expect(() => pool.run(stranger, call, call.nr)).toThrow(/not in ROW_KERNELS/);
  });
});
