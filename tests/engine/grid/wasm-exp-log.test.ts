import { describe, expect, it } from 'vitest';
import { expShifted } from '../../../engine/core/exp.ts';
import { wasmConvolution } from '../../../engine/grid/wasm-convolution.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';

const assembler = await loadWatAssembler();

/**
 * exp: f[N..2N) = e^{f[0..N) − shift}; log: f[N..2N) = shift + log f[0..N); f at byte
 * `at` of `memory`, which has room for N up to 100 000.
 */
interface Sweeps {
  memory: WebAssembly.Memory;
  at: number;
  exp(n: number, shift: number): void;
  log(n: number, shift: number): void;
}

/** The kernels of a 1D grid with w = 0 (the single tap 1 at byte TAP, after the module's constants and tables): expIn is the exp sweep, convLog with that tap shift + log(1·x). */
function gridKernels(): Sweeps | null {
  const w = wasmConvolution([{ w: 0, strideBytes: 8 }], assembler);
  if (!w) return null;
  const TAP = Math.ceil(w.reserved / 16) * 16, at = TAP + 16;
  w.memory.grow(Math.ceil((at + 48 * 100_000) / 65536));
  new Float64Array(w.memory.buffer, TAP, 1)[0] = 1;
  return {
    memory: w.memory,
    at,
    exp(n, shift) {
      w.expIn(at, at + 8 * n, 1, 0, 0, n, shift);
    },
    log(n, shift) {
      w.convLog!(at, at + 8 * n, 1, 0, 0, n, TAP, shift, at + 16 * n, 0); // w = 0: no accumulator row
    },
  };
}

// Node ≥ 16 always has WebAssembly SIMD and tests/setup-assembler.ts loads the assembler; the skip only guards exotic runtimes.
const cases: [string, () => Sweeps | null][] = [
  ['the grid kernels (exp sweep, table log of the fused last pass)', gridKernels],
];

for (const [label, make] of cases) {
  const s = make();
  describe(`WebAssembly SIMD exp and log: ${label}`, () => {
    it.skipIf(!s)('exp(x − shift) has the bits of the JavaScript expShifted (engine/core/exp.ts), odd lengths and −∞ included', () => {
      for (const N of [1, 2, 7, 10_001]) {
        const f = new Float64Array(s!.memory.buffer, s!.at, 2 * N);
        for (let i = 0; i < N; i++) f[i] = 3 - 720 * (i / N) ** 1.3;
        f[N >> 1] = -Infinity;
        s!.exp(N, 3);
        const js = new Float64Array(N);
        expShifted(f.subarray(0, N), 3, js);
        // Same operations in the same order on each lane: equality of bits, not a tolerance.
        expect(Array.from(f.subarray(N, 2 * N))).toEqual(Array.from(js));
      }
    });

    it.skipIf(!s)('exp(x − shift) is within 3 ulp of Math.exp on [−708, 0] and 0 below', () => {
      const N = 100_000;
      const f = new Float64Array(s!.memory.buffer, s!.at, 2 * N);
      for (let i = 0; i < N; i++) f[i] = 3 - 708 * (i / N) ** 1.3; // shift 3
      f[5] = -Infinity;
      f[6] = -730;
      s!.exp(N, 3);
      let worst = 0;
      for (let i = 0; i < N; i++) {
        if (i === 5 || i === 6) continue;
        const ref = Math.exp(f[i] - 3);
        worst = Math.max(worst, Math.abs(f[N + i] - ref) / ref);
      }
      // Tang's table method (engine/core/exp.ts, tests/engine/core/exp.test.ts): ≤ 3 ulp = 6.7e−16.
      expect(worst).toBeLessThan(6.7e-16);
      expect(f[N + 5]).toBe(0);
      expect(f[N + 6]).toBe(0);
    });

    it.skipIf(!s)('shift + log(x) is within 2 ulp of Math.log from 1e−300 to 1e300, and log 0 = −∞', () => {
      const N = 100_000;
      const f = new Float64Array(s!.memory.buffer, s!.at, 2 * N);
      for (let i = 0; i < N; i++) f[i] = Math.pow(10, -300 + (600 * i) / N);
      f[7] = 0;
      f[8] = 1;
      s!.log(N, 2);
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
}
