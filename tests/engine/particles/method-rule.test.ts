import { describe, expect, it } from 'vitest';
import {
  BlobEntropy, Interaction, ParticleMeasure, Rng, gaussianCloud, gaussianKernel, logRepulsionKernel, morseKernel, newtonRepulsionKernel,
  quadraticKernel, resolveParams,
} from '../../../engine/index.ts';
import { autoBlobMethod, autoInteractionMethod } from '../../../engine/particles/mesh/method-rule.ts';
import { bound, failingExecutor, testAccelerator } from '../backend/executors.ts';
import { aggregationDisk as disk } from '../../../scenes/aggregation.ts';
import fokkerPlanck from '../../../scenes/fokker-planck.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';

describe('the fixed auto rule (kernel family, N, d)', () => {
  it('direct below the thresholds, P³M for singular and PM for finite kernels above, direct for d > 3', () => {
    // Literal sizes on either side of the measured crossovers (`wgf bench --suite particles`:
    // 2048–8192 by d): at N = 512 a step of the direct sum (2.6e5 pairs) beats setting up a
    // mesh; at N = 65536 the direct sum is 4.3e9 pairs a step, the mesh methods a few passes.
    for (const d of [1, 2, 3]) {
      expect(autoInteractionMethod(logRepulsionKernel(), 512, d)).toBe('direct');
      expect(autoInteractionMethod(morseKernel(), 512, d)).toBe('direct');
      expect(autoInteractionMethod(logRepulsionKernel(), 65536, d)).toBe('p3m');
      expect(autoInteractionMethod(newtonRepulsionKernel(), 65536, d)).toBe('p3m');
      expect(autoInteractionMethod(morseKernel(), 65536, d)).toBe('pm');
      expect(autoInteractionMethod(gaussianKernel(), 65536, d)).toBe('pm');
      // The quadratic kernel is exact through moments: PM as soon as pairs cost more than a pass.
      expect(autoInteractionMethod(quadraticKernel(), 100, d)).toBe('pm');
      expect(autoInteractionMethod(quadraticKernel(), 8, d)).toBe('direct');
    }
    expect(autoInteractionMethod(logRepulsionKernel(), 1e6, 4)).toBe('direct');
    expect(autoBlobMethod(100, 2)).toBe('direct');
    expect(autoBlobMethod(100_000, 2)).toBe('mesh');
    expect(autoBlobMethod(100_000, 5)).toBe('cells');
  });

  it('refuses what cannot work with one clear message', () => {
    const m = new ParticleMeasure(gaussianCloud(new Rng(1), 100, 4, 0, 1), 4);
    expect(() => new Interaction(logRepulsionKernel(), { method: 'p3m' }).addVelocity(m, new Float64Array(400))).toThrow(/exists for d ≤ 3/);
    const m2 = new ParticleMeasure(gaussianCloud(new Rng(1), 100, 2, 0, 1), 2);
    expect(() => new Interaction(logRepulsionKernel(), { method: 'pm' }).value(m2)).toThrow(/singular: use p3m/);
    expect(() => new Interaction(logRepulsionKernel(), { method: 'p3m', mesh: 4096, maxCells: 2 ** 20 }).value(m2)).toThrow(/over the limit of 1048576/);
  });

  it('scenes record the resolved method (scene.json `methods`) and the backend slot stays off gpu.js for mesh methods', () => {
    const big = disk.build(resolveParams(disk.params, { n: 20_000 }), { accelerator: referenceAccelerator() });
    expect(big.info.methods?.interaction).toMatch(/^p3m \(mesh \d+ per axis padded, B-spline order 4, split α = 1.5h, cutoff 2.50α\)$/);
    const small = disk.build(resolveParams(disk.params, { n: 500 }), { accelerator: referenceAccelerator() });
    expect(small.info.methods?.interaction).toBe('direct');
    const forced = disk.build(resolveParams(disk.params, { n: 500, interaction: 'p3m' }), { accelerator: referenceAccelerator() });
    expect(forced.info.methods?.interaction).toMatch(/^p3m/);
    const fp = fokkerPlanck.build(resolveParams(fokkerPlanck.params, { n: 50_000 }), { accelerator: referenceAccelerator() });
    expect(fp.info.methods?.entropy).toMatch(/^mesh \(δ\/h = 3/);
    // Under --backend gpu a mesh method has no all-pairs loop to accelerate: the loops are
    // recorded on ts with their method, and no device kernel is ever prepared.
    const calls = { prepare: 0, run: 0 };
    const acc = testAccelerator('gpu', () => failingExecutor(calls));
    bound(new Interaction(logRepulsionKernel(), { method: 'p3m' }), acc, 50_000, 2);
    bound(new BlobEntropy(1, 0.1, { method: 'mesh' }), acc, 50_000, 2);
    expect(acc.loops.interaction).toMatchObject({ target: 'ts', method: expect.stringMatching(/^p3m/) });
    expect(acc.loops.entropy).toMatchObject({ target: 'ts', method: expect.stringMatching(/^mesh/) });
    expect(calls.prepare).toBe(0);
  });

  it('a P³M run restored from a checkpoint continues bit-identically (the mesh is a pure function of the state)', () => {
    const build = () => disk.build(resolveParams(disk.params, { n: 3000, interaction: 'p3m', dt: 0.05 }), { accelerator: referenceAccelerator() });
    const a = build();
    for (let k = 0; k < 4; k++) a.advance();
    const cp = a.snapshot();
    for (let k = 0; k < 4; k++) a.advance();
    const b = build();
    b.restore(cp);
    for (let k = 0; k < 4; k++) b.advance();
    expect(Array.from(b.measure())).toEqual(Array.from(a.measure()));
    expect(b.energy().total).toBe(a.energy().total);
  });
});
