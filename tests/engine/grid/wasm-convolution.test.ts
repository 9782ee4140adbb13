import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { ConvolutionalGibbsKernel } from '../../../engine/grid/gibbs-kernel.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { wasmConvolution } from '../../../engine/grid/wasm-convolution.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';

// The accelerator's assembler (node/backend/node-accelerator.ts loads the same one).
const assembler = await loadWatAssembler();
// Node ≥ 16 always has WebAssembly SIMD; the skip only guards exotic runtimes.
const noSimd = wasmConvolution([{ w: 1, strideBytes: 8 }], assembler) === null;

describe('WebAssembly SIMD convolution', () => {
  const cases: { shape: number[]; eps: number }[] = [
    { shape: [101], eps: 2e-4 }, // odd interior count on a line
    { shape: [33, 27], eps: 1e-3 }, // odd rows × odd columns: odd interior counts on both axes
    { shape: [9, 12, 7], eps: 8e-3 },
    { shape: [64, 64], eps: 0.05 }, // wide kernel: every row is an edge row on both axes
    { shape: [20, 9, 18], eps: 0.02 }, // wide (tap-by-tap) passes on axes 0 and 2, unrolled on axis 1
  ];
  for (const c of cases) {
    it.skipIf(noSimd)(`gives the same bits as the JavaScript loops on ${c.shape.join('×')}`, () => {
      const grid = new Grid(c.shape, c.shape.map(() => [0, 1] as [number, number]));
      const js = new ConvolutionalGibbsKernel(grid, c.eps);
      const simd = new ConvolutionalGibbsKernel(grid, c.eps, { assembler, passes: 'truncated' }); // the dense passes: wasm-dense.test.ts
      expect(simd.simd).not.toBeNull();
      const rng = new Rng(7);
      const u = new Float64Array(grid.size).map(() => rng.uniform());
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
      js.apply(u, a);
      simd.apply(u, b);
      // Identical operations in identical order on each lane: bit-for-bit equality, not a tolerance.
      expect(Array.from(b)).toEqual(Array.from(a));
      simd.apply(u, u); // in place
      expect(Array.from(u)).toEqual(Array.from(a));
    });
  }
});

describe('plain soft C-transform (SIMD exp, convolution, fused log) against the log-domain form', () => {
  for (const [shape, wide] of [[[103], false], [[31, 29], false], [[9, 7, 11], false], [[40, 35], true]] as [number[], boolean][]) {
    it(`agrees to round-off on ${shape.join('×')}${wide ? ', wide kernel' : ''} (edges, odd pairs, leftovers, −∞ entries)`, async () => {
      const { GridGibbsGeometry } = await import('../../../engine/grid/gibbs-geometry.ts');
      const grid = new Grid(shape, shape.map(() => [0, 1] as [number, number]));
      const eps = wide ? 0.01 : 0.3 / shape[0] ** 2; // wide: w = 29 and 26 cells, summed tap by tap
      const plain = new GridGibbsGeometry(grid, eps, 'plain'), log = new GridGibbsGeometry(grid, eps, 'log');
      const rng = new Rng(11);
      const h = new Float64Array(grid.size).map(() => 40 * rng.uniform() - 20);
      h[3] = -Infinity;
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
      plain.logApply(eps, h, a);
      log.logApply(eps, h, b);
      expect(plain.counts.plain).toBe(1);
      let e = 0;
      for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      // Both exact to round-off: a few ulp per exp/log and per summed term, relative to |log| ≤ ~25.
      expect(e).toBeLessThan(1e-13);
    });
  }
});

describe('SIMD range scan of the plain form', () => {
  for (const size of [1, 7, 8, 13, 64, 203]) {
    it.skipIf(noSimd)(`gives the JavaScript scan's max and finite min on ${size} cells (−∞ entries, odd leftovers)`, async () => {
      const { WasmSeparable } = await import('../../../engine/grid/wasm-separable.ts');
      const s = WasmSeparable.create([size], [new Float64Array([1, 0.5])], assembler)!;
      const rng = new Rng(size);
      const h = new Float64Array(size).map(() => 50 * rng.uniform() - 25);
      for (let i = 0; i < size; i += 3) h[i] = -Infinity;
      let max = -Infinity, min = Infinity;
      for (const x of h) {
        if (x > max) max = x;
        if (x < min && x !== -Infinity) min = x;
      }
      s.stage(h);
      expect([s.max, s.min]).toEqual([max, min]);
    });
  }
});

describe('without an assembler', () => {
  it('the kernel runs the JavaScript loops (the same bits), and the SIMD path with one', () => {
    const grid = new Grid([23, 31], [[0, 1], [0, 1]]);
    const eps = 2e-3;
    const rng = new Rng(3);
    const u = new Float64Array(grid.size).map(() => rng.uniform());
    const withSimd = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'truncated' }); // w = 7, 10: the rule would take the dense pass on axis 1 (not the same bits)
    const without = new ConvolutionalGibbsKernel(grid, eps, { assembler: null });
    expect(without.simd).toBeNull();
    expect(withSimd.simd).not.toBeNull();
    const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
    without.apply(u, a);
    withSimd.apply(u, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new ConvolutionalGibbsKernel(grid, eps).simd).toBeNull(); // nothing global: no assembler, no SIMD
  });
});
