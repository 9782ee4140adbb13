import { afterEach, describe, expect, it } from 'vitest';
import { AUTO_MIN_N, GpuJsExecutor, type GpuJsConstructor, type PairExecutor } from '../../../engine/backend/index.ts';
import type { BackendName } from '../../../engine/core/accelerator.ts';
import { UsageError } from '../../../engine/core/simulation.ts';
import { BlobEntropy } from '../../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';
import { logRepulsionKernel } from '../../../engine/particles/radial-kernels.ts';
import { createRequire } from 'node:module';
import { separatedCloud } from './clouds.ts';
import { bound, failingExecutor, testAccelerator } from './executors.ts';

/**
 * `auto` falls back cleanly to the float64 TS loop, with one notice, when gpu.js
 * cannot create a kernel (the failure is forced through the executor seam, and
 * once with a real gpu.js compile error); `--backend gpu` then fails with one
 * clear line instead.
 */
const notices: string[] = [];
afterEach(() => {
  notices.length = 0;
});

/** The executor factory every accelerator of the test uses (made per accelerator, as on a platform). */
let pairs: () => PairExecutor = () => {
  throw new Error('no executor');
};
const acc = (request: BackendName) => testAccelerator(request, () => pairs(), notices);


const N = AUTO_MIN_N['node-pool'].interaction;

describe('auto falls back when gpu.js cannot create a kernel', () => {
  it('interaction: same bits as the TS reference, one notice, gpu is a usage error', () => {
    const calls = { prepare: 0, run: 0 };
    pairs = () => failingExecutor(calls);
    const { m } = separatedCloud(3, N, 2);
    const W = logRepulsionKernel();
    const v0 = new Float64Array(N * 2);
    const v1 = new Float64Array(N * 2);
    new Interaction(W).addVelocity(m, v0);
    const a = acc('auto');
    const auto = bound(new Interaction(W), a, N, 2);
    auto.addVelocity(m, v1);
    auto.addVelocity(m, v1.fill(0)); // decided once, at bind time: no second attempt, no second notice
    expect(calls).toEqual({ prepare: 1, run: 0 });
    expect(a.loops.interaction).toMatchObject({ target: 'ts', precision: 'float64', reason: expect.stringMatching(/gpu.js cannot create the kernel/) });
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/interaction \(N=\d+, d=2\) runs on the float64 TypeScript loop: gpu.js cannot create the kernel \(forced/);
    expect(() => bound(new Interaction(W), acc('gpu'), N, 2)).toThrow(UsageError);
    expect(() => bound(new Interaction(W), acc('gpu'), N, 2)).toThrow(/^--backend gpu: interaction \(N=\d+, d=2\): gpu.js cannot create the kernel/);
  });

  it('blob entropy: same bits as the TS reference when the executor cannot even be made (gpu.js missing)', () => {
    pairs = () => {
      throw new Error("Cannot find module 'gpu.js'");
    };
    const { m } = separatedCloud(4, 2048, 3);
    const v0 = new Float64Array(2048 * 3);
    const v1 = new Float64Array(2048 * 3);
    new BlobEntropy(0.1, 0.1).addVelocity(m, v0);
    const auto = bound(new BlobEntropy(0.1, 0.1), acc('auto'), 2048, 3);
    auto.addVelocity(m, v1);
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices.join('\n')).toMatch(/blob-entropy .* runs on the float64 TypeScript loop: gpu.js is not available: Cannot find module/);
    expect(() => bound(new BlobEntropy(0.1, 0.1), acc('gpu'), 2048, 3)).toThrow(/^--backend gpu: blob-entropy/);
    // Below every platform's threshold, a missing gpu.js changes nothing: no notice.
    const before = notices.length;
    const small = separatedCloud(8, 100, 3).m;
    const q = acc('auto');
    const quiet = bound(new BlobEntropy(0.1, 0.1), q, 100, 3);
    quiet.addVelocity(small, new Float64Array(300));
    expect(q.loops.entropy.target).toBe('ts');
    expect(notices.length).toBe(before);
  });

  it('below the rule threshold auto never touches gpu.js; d > 3 stays on TS with a notice even under gpu', () => {
    const calls = { prepare: 0, run: 0 };
    pairs = () => failingExecutor(calls);
    const small = separatedCloud(5, N - 1, 2).m;
    const a = acc('auto');
    const auto = bound(new Interaction(logRepulsionKernel()), a, N - 1, 2);
    auto.addVelocity(small, new Float64Array(small.x.length));
    expect(a.loops.interaction.target).toBe('ts');
    expect(calls).toEqual({ prepare: 0, run: 0 });
    expect(notices).toHaveLength(0);
    const d4 = separatedCloud(6, 50, 4).m;
    const gpu = bound(new Interaction(logRepulsionKernel()), acc('gpu'), 50, 4);
    const v0 = new Float64Array(d4.x.length);
    const v1 = new Float64Array(d4.x.length);
    new Interaction(logRepulsionKernel()).addVelocity(d4, v0);
    gpu.addVelocity(d4, v1);
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices[0]).toMatch(/d=4\) runs on the float64 TypeScript loop: gpu.js kernels exist for d ≤ 3/);
  });

  it('a real gpu.js compile error surfaces at prepare time, where auto catches it', () => {
    const { GPU } = createRequire(import.meta.url)('gpu.js') as { GPU: GpuJsConstructor };
    const ex = new GpuJsExecutor(GPU);
    expect(() => ex.prepare('function (x0, w, n, i0) { return undefinedName[this.thread.x]; }', 1, 8)).toThrow();
    const broken: PairExecutor = {
      platform: ex.platform === 'webasm' ? 'node-pool' : ex.platform,
      description: 'gpu.js with a broken source',
      prepare: (_src, outDim, n) => ex.prepare('function (x0, x1, w, n, i0) { return undefinedName[this.thread.x]; }', outDim, n),
      run: () => {
        throw new Error('not prepared');
      },
    };
    pairs = () => broken;
    const { m } = separatedCloud(7, N, 2);
    const v0 = new Float64Array(N * 2);
    const v1 = new Float64Array(N * 2);
    new Interaction(logRepulsionKernel()).addVelocity(m, v0);
    const auto = bound(new Interaction(logRepulsionKernel()), acc('auto'), N, 2);
    auto.addVelocity(m, v1);
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices[0]).toMatch(/gpu.js cannot create the kernel/);
  });
});
