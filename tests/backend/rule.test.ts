import { describe, expect, it } from 'vitest';
import {
  AUTO_MIN_N, AUTO_MIN_POINTS, BACKEND_NAMES, autoTarget, callsMathImports, interactionVelocitySource, parseBackend, referenceAccelerator,
} from '../../engine/backend/index.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { logRepulsionKernel, powerKernel } from '../../engine/particles/radial-kernels.ts';
import { Interaction } from '../../engine/particles/interaction.ts';

/** The fixed `auto` rule: a pure function of platform, kernel, N and d (no timing). */
describe('backend names', () => {
  it('accepts ts | gpu | auto and rejects anything else in one line', () => {
    expect(BACKEND_NAMES).toEqual(['ts', 'gpu', 'auto']);
    expect(parseBackend(undefined)).toBe('auto');
    expect(parseBackend('gpu')).toBe('gpu');
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
  it('switches to gpu exactly at the tabulated N, for every platform and kernel in the table', () => {
    for (const [platform, table] of Object.entries(AUTO_MIN_N)) {
      for (const [kernel, min] of Object.entries(table)) {
        for (const d of [1, 2, 3]) {
          expect(autoTarget(platform, kernel, min - 1, d)).toBe('ts');
          expect(autoTarget(platform, kernel, min, d)).toBe('gpu');
          expect(autoTarget(platform, kernel, 10 * min, d)).toBe('gpu');
        }
      }
    }
  });

  it('keeps ts for gpu.js cpu mode, unknown platforms and kernels, and d > 3', () => {
    expect(autoTarget('cpu', 'interaction', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('martian', 'interaction', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('node-pool', 'sinkhorn', 1 << 20, 2)).toBe('ts');
    expect(autoTarget('node-pool', 'interaction', 1 << 20, 4)).toBe('ts');
  });

  it('MLP families: auto needs m·N pairs and N ≥ the data-point floor on every platform', () => {
    for (const [platform, table] of Object.entries(AUTO_MIN_POINTS)) {
      for (const [kernel, floor] of Object.entries(table)) {
        const pairs = 4 * AUTO_MIN_N[platform][kernel];
        expect(autoTarget(platform, kernel, pairs, 3, '', floor - 1)).toBe('ts');
        expect(autoTarget(platform, kernel, pairs, 3, '', floor)).toBe('gpu');
        expect(autoTarget(platform, kernel, AUTO_MIN_N[platform][kernel] - 1, 3, '', 1 << 20)).toBe('ts');
      }
    }
    expect(AUTO_MIN_POINTS['node-pool']).toEqual({ 'mlp-relu': 64, 'mlp-smooth': 32 });
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
