import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../../engine/core/params.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { slicedWassersteinPower } from '../../../engine/ot/sliced.ts';
import { splitState, type StateRecord } from '../../../engine/core/state-record.ts';
import { roundTripState } from '../../run-helpers.ts';
import scene, { targetCloud } from '../../../scenes/sinkhorn-flow.ts';
import { createAccelerator, referenceAccelerator } from '../../../engine/backend/accelerator.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { createNodeAccelerator } from '../../../node/backend/node-accelerator.ts';

const ctx = { accelerator: referenceAccelerator() };

describe('scene sinkhorn-flow', () => {
  it('S_ε decreases along the flow and the cloud reaches the target (ring, moons, heart)', () => {
    // Forward WGD with τ = 0.5 on S_ε: each step is a damped move toward the debiased
    // barycentric projection. After 40 steps (t = 20) S_ε has dropped by > 100× and the
    // sliced W2 to the target is below 0.05 (its Monte Carlo floor with 100 vs 100 points
    // is ~0.02); every recorded energy is below the previous one (gradient flow).
    for (const target of ['ring', 'moons', 'heart']) {
      const sim = scene.build(resolveParams(scene.params, { n: 100, m: 100, target, steps: 40 }), ctx);
      const e0 = sim.energy().total;
      const w0 = sim.metrics(0).sliced_w2;
      let prev = e0;
      for (let k = 0; k < 40; k++) {
        sim.advance();
        const e = sim.energy().total;
        expect(e, `${target}: energy at step ${k + 1}`).toBeLessThanOrEqual(prev + 1e-9);
        prev = e;
      }
      expect(prev, `${target}: final S_ε`).toBeLessThan(e0 / 100);
      expect(sim.metrics(20).sliced_w2, `${target}: sliced W2`).toBeLessThan(0.05);
      expect(w0).toBeGreaterThan(0.3);
      expect(sim.reference()!.shape).toEqual([100, 2]);
    }
  });

  it('restores from its state record bit-identically (the warm starts of the divergence included)', () => {
    const p = resolveParams(scene.params, { n: 60, m: 50, target: 'moons' });
    const a = scene.build(p, ctx);
    for (let k = 0; k < 5; k++) a.advance();
    a.energy(); // a recorded step: the solve at the checkpointed positions is cached
    const saved = roundTripState(a.snapshot());
    // The warm starts of the three solves are part of the state, beside positions and RNG.
    expect([...splitState(saved as StateRecord).arrays.keys()].sort()).toEqual(['energies.sinkhorn_divergence.xx', 'energies.sinkhorn_divergence.xy', 'energies.sinkhorn_divergence.yy', 'x']);
    for (let k = 0; k < 5; k++) a.advance();
    const b = scene.build(p, ctx);
    b.restore(saved);
    for (let k = 0; k < 5; k++) b.advance();
    expect(Array.from(b.measure())).toEqual(Array.from(a.measure()));
  });

  it('solves with the accelerator\'s SIMD stored-kernel products (recorded), over the pool with the bits of one thread, and still flows to the target', async () => {
    const assembler = await loadWatAssembler();
    // n·m, n², m² ≥ MIN_KERNEL_ENTRIES_FOR_THREADS (2¹⁸): the products are split over the pool's threads.
    const p = resolveParams(scene.params, { n: 600, m: 520, target: 'ring' });
    const one = createAccelerator({ request: 'auto', platform: 'node', assembler });
    const a = scene.build(p, { accelerator: one });
    // The auto rule stores each problem's kernel (n·m ≤ 2²⁶), as float32 at the solves' tolerance 1e-5.
    expect(one.loops.sinkhorn_divergence).toMatchObject({
      family: 'lse', precision: 'float32', values: 'float64', threads: 1, size: 'N=600, M=520, d=2',
      method: 'OT(μ,ν) stored kernel (K float32, wasm-simd products); OT(μ,μ) stored kernel (K float32, wasm-simd products); OT(ν,ν) stored kernel (K float32, wasm-simd products)',
    });
    const reference = referenceAccelerator();
    const ref = scene.build(p, { accelerator: reference }); // the float64 JavaScript loops
    expect(reference.loops.sinkhorn_divergence).toMatchObject({ precision: 'float64', method: expect.stringMatching(/^OT\(μ,ν\) stored kernel \(K float64, javascript products\); /) });
    const e0 = a.energy().total;
    for (let k = 0; k < 10; k++) {
      a.advance();
      ref.advance();
    }
    const e = a.energy().total;
    expect(e).toBeLessThan(e0 / 10);
    // float32 K moves each solve within its tolerance: the trajectories agree closely, not in bits
    const xa = a.measure(), xr = ref.measure();
    let dx = 0;
    for (let i = 0; i < xa.length; i++) dx = Math.max(dx, Math.abs(xa[i] - xr[i]));
    expect(dx).toBeGreaterThan(0);
    expect(dx).toBeLessThan(1e-3);
    // Over the row pool (2 threads): the products split rows and columns, the same bits.
    const two = await createNodeAccelerator({ request: 'auto', threads: 2 });
    const b = scene.build(p, { accelerator: two });
    expect(two.loops.sinkhorn_divergence).toMatchObject({ threads: 2, precision: 'float32' });
    for (let k = 0; k < 10; k++) b.advance();
    expect(Array.from(b.measure())).toEqual(Array.from(xa));
  });

  it('generates seeded targets inside [−1.8, 1.8]²', () => {
    for (const shape of ['ring', 'moons', 'heart']) {
      const y = targetCloud(shape, 500, new Rng(3));
      expect(y.every((v) => Math.abs(v) < 1.8)).toBe(true); // moons: ±1.5 plus 5σ of noise 0.06
      expect(targetCloud(shape, 500, new Rng(3))).toEqual(y);
      // Distinct shapes are far apart in sliced W2 (≥ 0.05), the same shape is not.
      expect(slicedWassersteinPower(y, targetCloud(shape, 500, new Rng(4)), 2)).toBeLessThan(0.01);
    }
    expect(slicedWassersteinPower(targetCloud('ring', 500, new Rng(3)), targetCloud('heart', 500, new Rng(3)), 2)).toBeGreaterThan(0.01);
  });
});
