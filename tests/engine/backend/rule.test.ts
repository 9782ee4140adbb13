import { describe, expect, it } from 'vitest';
import {
  autoTarget, callsMathImports, interactionVelocitySource, parseBackend, referenceAccelerator,
} from '../../../engine/backend/index.ts';
import { UsageError } from '../../../engine/core/simulation.ts';
import { logRepulsionKernel, powerKernel } from '../../../engine/particles/radial-kernels.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';

/** The fixed `auto` rule: a pure function of platform, kernel, N and d (no timing). */
describe('backend names', () => {
  it('accepts ts | gpu | auto and rejects anything else in one line', () => {
    for (const name of ['ts', 'gpu', 'auto']) expect(parseBackend(name)).toBe(name);
    expect(parseBackend(undefined)).toBe('auto');
    expect(() => parseBackend('cuda')).toThrow(UsageError);
    expect(() => parseBackend('cuda')).toThrow("unknown --backend 'cuda' (allowed: ts, gpu, auto)");
  });

  it('the reference accelerator places every loop on the float64 TS loop and records it', () => {
    const acc = referenceAccelerator();
    expect(acc.request).toBe('ts');
    new Interaction(logRepulsionKernel()).accelerate(acc, { n: 1 << 16, d: 2 });
    expect(acc.loops).toEqual({ interaction: { family: 'interaction', target: 'ts', precision: 'float64', values: 'float64', threads: 1, size: 'N=65536, d=2' } });
  });
});

describe('autoTarget', () => {
  // Sizes chosen from the measurements written in engine/backend/rule.ts (ts/gpu time
  // ratios on the 2-core machine), as literals: the rule must pick gpu.js where it was
  // measured faster and keep TS where it was not, whatever the table's numbers become.
  it('wasm (node-pool): pair loops on gpu.js from N = 1024, not at 512 where it was no faster', () => {
    for (const kernel of ['interaction', 'blob-entropy']) {
      for (const d of [1, 2, 3]) {
        expect(autoTarget('node-pool', kernel, 512, d), `${kernel} N=512 d=${d}`).toBe('ts'); // ts/gpu 0.9–1.9
        expect(autoTarget('node-pool', kernel, 1024, d), `${kernel} N=1024 d=${d}`).toBe('gpu'); // 1.3–1.8
        expect(autoTarget('node-pool', kernel, 16384, d), `${kernel} N=16384 d=${d}`).toBe('gpu'); // ≈ 2.5
      }
    }
  });

  it('wasm: attention on gpu.js from N = 128; the symmetric 3D pair loop only from 2048', () => {
    expect(autoTarget('node-pool', 'attention', 128, 3)).toBe('gpu'); // 3.5–4.8 at 128–1024
    expect(autoTarget('node-pool', 'attention', 4096, 2)).toBe('gpu'); // 2.7–4.1
    expect(autoTarget('node-pool', 'attention-symmetric-3d', 1024, 3)).toBe('ts'); // 0.7–0.9
    expect(autoTarget('node-pool', 'attention-symmetric-3d', 2048, 3)).toBe('gpu'); // 1.35
  });

  it('a sweep job (webasm, one thread) picks what wgf run (node-pool) picks, at every size', () => {
    const kernels = ['interaction', 'blob-entropy', 'attention', 'attention-symmetric-3d', 'mlp-relu', 'mlp-smooth'];
    for (const kernel of kernels) for (let n = 16; n <= 1 << 24; n *= 2) for (const points of [16, 64, 4096]) {
      expect(autoTarget('webasm', kernel, n, 3, '', points), `${kernel} n=${n}`).toBe(autoTarget('node-pool', kernel, n, 3, '', points));
    }
  });

  it('a real GPU (WebGL/WebGPU): pair loops from N = 1024, attention from 256', () => {
    for (const platform of ['webgl2', 'webgl', 'webgpu', 'headlessgl']) {
      expect(autoTarget(platform, 'interaction', 512, 2)).toBe('ts');
      expect(autoTarget(platform, 'interaction', 1024, 2)).toBe('gpu');
      expect(autoTarget(platform, 'attention', 128, 3)).toBe('ts');
      expect(autoTarget(platform, 'attention', 256, 3)).toBe('gpu');
      // The MLP step where the TS step takes ~4 ms, several times the per-call overhead.
      expect(autoTarget(platform, 'mlp-relu', 2 ** 19, 3, '', 512)).toBe('ts');
      expect(autoTarget(platform, 'mlp-relu', 2 ** 20, 3, '', 512)).toBe('gpu');
      expect(autoTarget(platform, 'mlp-smooth', 2 ** 16, 3, '', 512)).toBe('ts');
      expect(autoTarget(platform, 'mlp-smooth', 2 ** 17, 3, '', 512)).toBe('gpu');
    }
  });

  it('keeps ts for gpu.js cpu mode, unknown platforms and kernels, and d > 3', () => {
    expect(autoTarget('cpu', 'interaction', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('martian', 'interaction', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('node-pool', 'sinkhorn', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('node-pool', 'interaction', 1 << 20, 4)).toBe('ts');
  });

  it('MLP families on wasm: ReLU from 2^19 neuron–data pairs with N ≥ 64 points, smooth activations from 2^15 with N ≥ 32', () => {
    // 'mlp-relu' ts/gpu: 0.9–1.6 at 2^18 pairs, 1.2–1.8 at 2^19; 0.6–0.7 with N = 16–32 points, 1.1–1.2 at N = 64.
    expect(autoTarget('node-pool', 'mlp-relu', 2 ** 18, 3, '', 512)).toBe('ts');
    expect(autoTarget('node-pool', 'mlp-relu', 2 ** 19, 3, '', 512)).toBe('gpu');
    expect(autoTarget('node-pool', 'mlp-relu', 2 ** 21, 3, '', 32)).toBe('ts');
    expect(autoTarget('node-pool', 'mlp-relu', 2 ** 21, 3, '', 64)).toBe('gpu');
    // 'mlp-smooth': 0.5–1.7 at 2^11–2^13, 1.2–2.5 at 2^15; 0.8–1.8 at N = 16 points, 1.2–2.2 at N = 32.
    expect(autoTarget('node-pool', 'mlp-smooth', 2 ** 13, 3, '', 512)).toBe('ts');
    expect(autoTarget('node-pool', 'mlp-smooth', 2 ** 15, 3, '', 512)).toBe('gpu');
    expect(autoTarget('node-pool', 'mlp-smooth', 2 ** 17, 3, '', 16)).toBe('ts');
    expect(autoTarget('node-pool', 'mlp-smooth', 2 ** 17, 3, '', 32)).toBe('gpu');
  });

  it('keeps kernels that call Math.exp/log/pow on TS on wasm platforms, not on WebGL', () => {
    const power = interactionVelocitySource(2, powerKernel(2, -1).gpu!);
    const log = interactionVelocitySource(2, logRepulsionKernel().gpu!);
    expect(callsMathImports(power)).toBe(true);
    expect(callsMathImports(log)).toBe(false);
    expect(autoTarget('node-pool', 'interaction', 1 << 16, 2, power)).toBe('ts');
    expect(autoTarget('node-pool', 'interaction', 1 << 16, 2, log)).toBe('gpu');
    expect(autoTarget('webgl2', 'interaction', 1 << 16, 2, power)).toBe('gpu');
  });
});
