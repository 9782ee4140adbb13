import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { F32_EXP_FLOOR, expNegSource, GpuJsExecutor, type GpuJsConstructor } from '../../../engine/backend/index.ts';
import { logUnitSource } from '../../../engine/backend/exp-source.ts';

/** The inline e^y of the blob kernels, compiled by gpu.js (wasm), against Math.exp in float64. */
describe('expNegSource', () => {
  it('is within 2e−5 relative of e^y on [−37, 0] and 0 below the cutoff', () => {
    const { GPU } = createRequire(import.meta.url)('gpu.js') as { GPU: GpuJsConstructor };
    const ex = new GpuJsExecutor(GPU);
    const src = `function (y, w, n, i0) {\n  const i = this.thread.x + i0;\n${expNegSource('e', 'y[i]')}  return e;\n}`;
    const n = 20011;
    const y = Float32Array.from({ length: n }, (_, i) => -40 * (i / (n - 1)) ** 2);
    const out = new Float32Array(n);
    ex.run(src, 1, [y, new Float32Array(n)], n, out);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] > F32_EXP_FLOOR) worst = Math.max(worst, Math.abs(out[i] - Math.exp(y[i])) / Math.exp(y[i]));
      else expect(out[i]).toBe(0);
    }
    expect(worst).toBeLessThan(2e-5);
    expect(worst).toBeGreaterThan(0);
    expect(out[0]).toBe(1);
  });
});

/** The inline log of the attention kernel's row sums (no log opcode in wasm), compiled by gpu.js, against Math.log. */
describe('logUnitSource', () => {
  it('is within float32 round-off of log z for z in [2^-120, 1], exactly 0 at z = 1', () => {
    const { GPU } = createRequire(import.meta.url)('gpu.js') as { GPU: GpuJsConstructor };
    const ex = new GpuJsExecutor(GPU);
    const src = `function (z, w, n, i0) {\n  const i = this.thread.x + i0;\n${logUnitSource('l', 'z[i]')}  return l;\n}`;
    const n = 20011;
    // z = 2^-(120 t), t in [0, 1]: every range-reduction branch and the whole series interval.
    const z = Float32Array.from({ length: n }, (_, i) => 2 ** (-120 * (i / (n - 1))));
    const out = new Float32Array(n);
    ex.run(src, 1, [z, new Float32Array(n)], n, out);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const exact = Math.log(z[i]);
      // float32: a few ulps of the reduced log (|log r| ≤ ln 2) plus the rounding of k·ln 2 and of the result.
      worst = Math.max(worst, Math.abs(out[i] - exact) / (4 * 2 ** -24 * (1 + Math.abs(exact))));
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(out[0]).toBe(0);
  });
});
