import { describe, expect, it } from 'vitest';
import { wasmConvolution } from '../../engine/grid/wasm-convolution.ts';

// Node ≥ 16 always has WebAssembly SIMD; the skip only guards exotic runtimes.
const wasm = wasmConvolution();

describe('WebAssembly SIMD exp and log (plain form of the soft C-transform)', () => {
  it.skipIf(!wasm)('exp(x − shift) is within 2 ulp of Math.exp on [−708, 0] and 0 below', () => {
    const w = wasm!;
    const N = 100_000;
    w.memory.grow(Math.ceil((16 * N) / 65536) + 1);
    const f = new Float64Array(w.memory.buffer, 0, 2 * N);
    for (let i = 0; i < N; i++) f[i] = 3 - 708 * (i / N) ** 1.3; // shift 3
    f[5] = -Infinity;
    f[6] = -730;
    w.exp(0, 8 * N, 8 * N, 3);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      if (i === 5 || i === 6) continue;
      const ref = Math.exp(f[i] - 3);
      worst = Math.max(worst, Math.abs(f[N + i] - ref) / ref);
    }
    // Degree-13 Taylor (remainder 4e−18) and an exact 2^k: a couple of roundings, ≤ 2 ulp = 4.4e−16.
    expect(worst).toBeLessThanOrEqual(4.5e-16);
    expect(f[N + 5]).toBe(0);
    expect(f[N + 6]).toBe(0);
  });

  it.skipIf(!wasm)('shift + log(x) is within 2 ulp of Math.log from 1e−300 to 1e300, and log 0 = −∞', () => {
    const w = wasm!;
    const N = 100_000;
    w.memory.grow(Math.ceil((16 * N) / 65536) + 1);
    const f = new Float64Array(w.memory.buffer, 0, 2 * N);
    for (let i = 0; i < N; i++) f[i] = Math.pow(10, -300 + (600 * i) / N);
    f[7] = 0;
    f[8] = 1;
    w.log(0, 8 * N, 8 * N, 2);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      if (i === 7) continue;
      const ref = 2 + Math.log(f[i]);
      // Absolute error in ulps of max(|ref|, 1): around x ≈ e^{−2} the result is near 0.
      worst = Math.max(worst, Math.abs(f[N + i] - ref) / Math.max(1, Math.abs(ref)));
    }
    expect(worst).toBeLessThanOrEqual(4.5e-16);
    expect(f[N + 7]).toBe(-Infinity);
    expect(f[N + 8]).toBe(2);
  });
});
