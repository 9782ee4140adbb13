import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../../engine/core/params.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { slicedWassersteinPower } from '../../../engine/ot/sliced.ts';
import { splitState, type StateRecord } from '../../../engine/core/state-record.ts';
import { roundTripState } from '../../run-helpers.ts';
import scene, { targetCloud } from '../../../scenes/sinkhorn-flow.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';

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
