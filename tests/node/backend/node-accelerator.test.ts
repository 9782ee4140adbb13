import { describe, expect, it } from 'vitest';
import { Interaction, ParticleMeasure, Rng, gaussianCloud, logRepulsionKernel } from '../../../engine/index.ts';
import type { BackendName } from '../../../engine/core/accelerator.ts';
import { MIN_POOL_PARTICLES } from '../../../engine/particles/mesh/wasm-short-range.ts';
import { createNodeAccelerator } from '../../../node/backend/node-accelerator.ts';

/** Relative RMS difference of two velocity arrays. */
function relDiff(a: Float64Array, b: Float64Array): number {
  let e = 0, r = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += a[i] ** 2;
  }
  return Math.sqrt(e / r);
}

describe('the Node accelerator and the P³M interaction', () => {
  const n = MIN_POOL_PARTICLES + 613;
  const rng = new Rng(17);
  const x = gaussianCloud(rng, n, 2, 0, 0.4);
  const w = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const total = w.reduce((s, v) => s + v, 0);
  const m = new ParticleMeasure(x, 2, w.map((v) => v / total));

  /** The velocity of the p3m interaction bound to a Node accelerator, and the decision it recorded. */
  async function velocity(request: BackendName, threads: number) {
    const acc = await createNodeAccelerator({ request, threads, notice: () => {} });
    const W = new Interaction(logRepulsionKernel(), { method: 'p3m' });
    W.accelerate(acc, { n, d: 2 });
    const v = new Float64Array(2 * n);
    W.addVelocity(m, v);
    return { v, loop: acc.loops.interaction };
  }

  it('ts runs the short-range pairs in the JavaScript loop; auto the SIMD kernel over the pool, with the bits of one thread', async () => {
    const ts = await velocity('ts', 2);
    expect(ts.loop).toMatchObject({ family: 'interaction', target: 'ts', precision: 'float64', threads: 1, executor: 'short-range pairs: TypeScript loop' });
    const auto2 = await velocity('auto', 2);
    expect(auto2.loop).toMatchObject({ target: 'ts', precision: 'float64', threads: 2, executor: 'short-range pairs: WebAssembly SIMD ×2 threads' });
    const auto1 = await velocity('auto', 1);
    expect(auto1.loop).toMatchObject({ threads: 1, executor: 'short-range pairs: WebAssembly SIMD' });
    const gpu3 = await velocity('gpu', 3);
    expect(gpu3.loop).toMatchObject({ threads: 3, executor: 'short-range pairs: WebAssembly SIMD ×3 threads' });
    for (let i = 0; i < 2 * n; i++) {
      if (!Object.is(auto2.v[i], auto1.v[i]) || !Object.is(gpu3.v[i], auto1.v[i])) throw new Error(`velocity ${i} differs between thread counts`);
    }
    // The reference loop sums the same pairs in another order.
    const diff = relDiff(ts.v, auto1.v);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-13);
  });
});
