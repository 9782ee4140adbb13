import { describe, expect, it } from 'vitest';
import { BlobEntropy, blobVirialRatio } from '../../../engine/particles/blob-entropy.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { gaussianCloud } from '../../../engine/particles/init.ts';
import { bound, useTwoThreadPool } from '../backend/executors.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';
import { logRepulsionKernel, newtonRepulsionKernel, gaussianKernel } from '../../../engine/particles/radial-kernels.ts';

/**
 * The blob entropy's one pair pass per state (issue #19: a record's value and virial ratio
 * and the next step's velocity share the densities): every quantity is bit-identical to
 * a fresh entropy's, in any order of calls, and the cache follows particles moved in place.
 */
function cloud(seed: number, n: number, d: number): ParticleMeasure {
  return new ParticleMeasure(gaussianCloud(new Rng(seed), n, d, 0, 0.5), d);
}

function velocity(e: BlobEntropy, m: ParticleMeasure): Float64Array {
  const v = new Float64Array(m.n * m.d);
  e.addVelocity(m, v);
  return v;
}

const accelerator = useTwoThreadPool();

describe('blob entropy: one density pass per state', () => {
  for (const d of [1, 2, 3]) {
    it(`float64 loop, d=${d}: value, virial ratio and velocity equal a fresh entropy's, before and after an in-place move`, () => {
      const n = 300, sigma = 0.3, delta = 0.15;
      const m = cloud(d, n, d);
      const shared = new BlobEntropy(sigma, delta);
      for (let round = 0; round < 3; round++) {
        // The record's order (value, virial), then the step's velocity, then again after the move.
        const value = shared.value(m), virial = shared.virialRatio(m), v = velocity(shared, m);
        expect(value).toBe(new BlobEntropy(sigma, delta).value(m));
        expect(virial).toBe(blobVirialRatio(m, delta));
        expect(virial).toBe(new BlobEntropy(sigma, delta).virialRatio(m));
        expect(Array.from(v)).toEqual(Array.from(velocity(new BlobEntropy(sigma, delta), m)));
        // Velocity first, then the virial (its pass has no moments yet), then the value.
        const other = new BlobEntropy(sigma, delta);
        expect(Array.from(velocity(other, m))).toEqual(Array.from(v));
        expect(other.virialRatio(m)).toBe(virial);
        expect(other.value(m)).toBe(value);
        // Move in place (as the scheme does): nothing stale may survive.
        for (let i = 0; i < m.x.length; i++) m.x[i] += 0.01 * v[i];
      }
      // A weight change is a new state too.
      const w = new Float64Array(n).fill(1 / n);
      w[0] = 2 / (n + 1);
      for (let i = 1; i < n; i++) w[i] = (1 - w[0]) / (n - 1);
      const before = shared.value(m);
      const moved = new ParticleMeasure(m.x, d, w);
      expect(shared.value(moved)).toBe(new BlobEntropy(sigma, delta).value(moved));
      expect(shared.value(moved)).not.toBe(before);
    });
  }

  it('gpu.js loop (2D, N = 1031): the cached device sums give the velocity and value of a fresh entropy, bit for bit', () => {
    const n = 1031, d = 2, sigma = 0.3, delta = 0.08;
    const m = cloud(9, n, d);
    const acc = accelerator('gpu');
    const shared = bound(new BlobEntropy(sigma, delta), acc, n, d);
    expect(acc.loops[shared.name]?.target).toBe('gpu');
    for (let round = 0; round < 2; round++) {
      const value = shared.value(m), virial = shared.virialRatio(m), v = velocity(shared, m), again = shared.value(m);
      const fresh = bound(new BlobEntropy(sigma, delta), accelerator('gpu'), n, d);
      expect(Array.from(v)).toEqual(Array.from(velocity(fresh, m)));
      expect(value).toBe(bound(new BlobEntropy(sigma, delta), accelerator('gpu'), n, d).value(m));
      expect(again).toBe(value);
      expect(virial).toBe(blobVirialRatio(m, delta));
      for (let i = 0; i < m.x.length; i++) m.x[i] += 0.01 * v[i];
    }
  });
});

describe('mesh interaction: the energy evaluation leaves the velocity of its state', () => {
  const cases = [
    ['log, p3m, 2D', () => logRepulsionKernel(), 'p3m', 2],
    ['newton, p3m, 3D', () => newtonRepulsionKernel(), 'p3m', 3],
    ['gaussian, pm, 2D', () => gaussianKernel(0.7, 1.3), 'pm', 2],
  ] as const;
  for (const [name, W, method, d] of cases) {
    it(`${name}: value then velocity (a record, then the next step) equal fresh evaluations bit for bit, and follow in-place moves`, () => {
      const n = 3000;
      const m = cloud(40 + d, n, d);
      const shared = new Interaction(W(), { method });
      for (let round = 0; round < 3; round++) {
        const fresh = () => new Interaction(W(), { method });
        const value = shared.value(m);
        // Into a non-zero v, as when another energy added its part first.
        const v = new Float64Array(n * d).fill(0.25);
        shared.addVelocity(m, v);
        const want = new Float64Array(n * d).fill(0.25);
        fresh().addVelocity(m, want);
        expect(value).toBe(fresh().value(m));
        expect(Array.from(v)).toEqual(Array.from(want));
        // A second velocity at the same state, and a value after it, change nothing.
        const again = new Float64Array(n * d).fill(0.25);
        shared.addVelocity(m, again);
        expect(Array.from(again)).toEqual(Array.from(want));
        expect(shared.value(m)).toBe(value);
        for (let i = 0; i < m.x.length; i++) m.x[i] += 0.01 * (want[i] - 0.25);
      }
    });
  }
});
