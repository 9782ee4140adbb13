import { afterAll, describe, expect, it } from 'vitest';
import type { RowKernel } from '../../../engine/core/row-kernel.ts';
import { LSE_ROWS, type LseArgs } from '../../../engine/ot/lse-executor.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { ROW_KERNELS } from '../../../node/backend/row-kernels.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';
import { uniformCloud } from '../../engine/ot/clouds.ts';

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

  it('refuses a kernel that is not in ROW_KERNELS (its workers could not find it)', async () => {
    const pool = await startRowPool(2);
    pools.push(pool);
    const stranger: RowKernel<LseArgs> = { ...LSE_ROWS };
    expect(ROW_KERNELS.map((k) => k.name)).toContain(stranger.name);
    const call = lseCall(3, 8, 8, 2);
    expect(() => pool.run(stranger, call, call.nr)).toThrow(/not in ROW_KERNELS/);
  });
});
