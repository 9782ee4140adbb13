import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTO_MIN_N, GpuJsExecutor, setBackendNoticeSink, setPairExecutorFactory, withBackend, type GpuJsConstructor, type PairExecutor,
} from '../../engine/backend/index.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { BlobEntropy } from '../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../engine/particles/interaction.ts';
import { logRepulsionKernel } from '../../engine/particles/radial-kernels.ts';
import { createRequire } from 'node:module';
import { separatedCloud } from './clouds.ts';
import { failingExecutor } from './executors.ts';

/**
 * `auto` falls back cleanly to the float64 TS loop, with one notice, when gpu.js
 * cannot create a kernel (the failure is forced through the executor seam, and
 * once with a real gpu.js compile error); `--backend gpu` then fails with one
 * clear line instead.
 */
const notices: string[] = [];
afterEach(() => {
  setPairExecutorFactory(null);
  setBackendNoticeSink((m) => console.warn(m));
  notices.length = 0;
});

function collectNotices(): void {
  setBackendNoticeSink((m) => notices.push(m));
}


const N = AUTO_MIN_N['node-pool'].interaction;

describe('auto falls back when gpu.js cannot create a kernel', () => {
  it('interaction: same bits as the TS reference, one notice, gpu is a usage error', () => {
    collectNotices();
    const calls = { prepare: 0, run: 0 };
    setPairExecutorFactory(() => failingExecutor(calls));
    const { m } = separatedCloud(3, N, 2);
    const W = logRepulsionKernel();
    const v0 = new Float64Array(N * 2);
    const v1 = new Float64Array(N * 2);
    new Interaction(W).addVelocity(m, v0);
    const { value: auto } = withBackend('auto', () => new Interaction(W));
    auto.addVelocity(m, v1);
    auto.addVelocity(m, v1.fill(0)); // decided once: no second attempt, no second notice
    expect(calls).toEqual({ prepare: 1, run: 0 });
    expect(auto.backend.target).toBe('ts');
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/interaction \(N=\d+, d=2\) runs on the float64 TypeScript loop: gpu.js cannot create the kernel \(forced/);
    const { value: gpu } = withBackend('gpu', () => new Interaction(W));
    expect(() => gpu.addVelocity(m, v1)).toThrow(UsageError);
    expect(() => gpu.addVelocity(m, v1)).toThrow(/^--backend gpu: interaction \(N=\d+, d=2\): gpu.js cannot create the kernel/);
  });

  it('blob entropy: same bits as the TS reference when the executor cannot even be made (gpu.js missing)', () => {
    collectNotices();
    setPairExecutorFactory(() => {
      throw new Error("Cannot find module 'gpu.js'");
    });
    const { m } = separatedCloud(4, 2048, 3);
    const v0 = new Float64Array(2048 * 3);
    const v1 = new Float64Array(2048 * 3);
    new BlobEntropy(0.1, 0.1).addVelocity(m, v0);
    const { value: auto } = withBackend('auto', () => new BlobEntropy(0.1, 0.1));
    auto.addVelocity(m, v1);
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices.join('\n')).toMatch(/blob-entropy .* runs on the float64 TypeScript loop: gpu.js is not available: Cannot find module/);
    const { value: gpu } = withBackend('gpu', () => new BlobEntropy(0.1, 0.1));
    expect(() => gpu.addVelocity(m, v1)).toThrow(/^--backend gpu: blob-entropy/);
    // Below every platform's threshold, a missing gpu.js changes nothing: no notice.
    const before = notices.length;
    const small = separatedCloud(8, 100, 3).m;
    const { value: quiet } = withBackend('auto', () => new BlobEntropy(0.1, 0.1));
    quiet.addVelocity(small, new Float64Array(300));
    expect(quiet.backend.target).toBe('ts');
    expect(notices.length).toBe(before);
  });

  it('below the rule threshold auto never touches gpu.js; d > 3 stays on TS with a notice even under gpu', () => {
    collectNotices();
    const calls = { prepare: 0, run: 0 };
    setPairExecutorFactory(() => failingExecutor(calls));
    const small = separatedCloud(5, N - 1, 2).m;
    const { value: auto } = withBackend('auto', () => new Interaction(logRepulsionKernel()));
    auto.addVelocity(small, new Float64Array(small.x.length));
    expect(auto.backend.target).toBe('ts');
    expect(calls).toEqual({ prepare: 0, run: 0 });
    expect(notices).toHaveLength(0);
    const d4 = separatedCloud(6, 50, 4).m;
    const { value: gpu } = withBackend('gpu', () => new Interaction(logRepulsionKernel()));
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
    collectNotices();
    const broken: PairExecutor = {
      platform: ex.platform === 'webasm' ? 'node-pool' : ex.platform,
      description: 'gpu.js with a broken source',
      prepare: (_src, outDim, n) => ex.prepare('function (x0, x1, w, n, i0) { return undefinedName[this.thread.x]; }', outDim, n),
      run: () => {
        throw new Error('not prepared');
      },
    };
    setPairExecutorFactory(() => broken);
    const { m } = separatedCloud(7, N, 2);
    const v0 = new Float64Array(N * 2);
    const v1 = new Float64Array(N * 2);
    new Interaction(logRepulsionKernel()).addVelocity(m, v0);
    const { value: auto } = withBackend('auto', () => new Interaction(logRepulsionKernel()));
    auto.addVelocity(m, v1);
    expect(Array.from(v1)).toEqual(Array.from(v0));
    expect(notices[0]).toMatch(/gpu.js cannot create the kernel/);
  });
});
