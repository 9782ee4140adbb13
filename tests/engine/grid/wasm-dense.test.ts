import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { ConvolutionalGibbsKernel, DENSE_MIN_W, denseAxis } from '../../../engine/grid/gibbs-kernel.ts';
import { GridGibbsGeometry } from '../../../engine/grid/gibbs-geometry.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { gaussianTaps } from '../../../engine/grid/gaussian-taps.ts';
import { wasmConvolution } from '../../../engine/grid/wasm-convolution.ts';
import { DENSE_ROWS, denseTaps, NV } from '../../../engine/grid/wasm-dense.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { slicingExecutor } from './slicing-executor.ts';

const assembler = await loadWatAssembler();
// Node ≥ 16 always has WebAssembly SIMD; the skip only guards exotic runtimes.
const noSimd = wasmConvolution([{ w: 1, strideBytes: 8 }], assembler) === null;
const box = (shape: number[]) => new Grid(shape, shape.map(() => [0, 1] as [number, number]));

/**
 * The dense pass sums the same non-negative terms as the truncated convolution (the zeros of
 * its band add +0) in another order: relative difference ≤ (terms summed)·2⁻⁵² per axis,
 * at most (2w + 1)·2⁻⁵² each; d axes compound it.
 */
const bound = (k: ConvolutionalGibbsKernel) => k.halfWidths.reduce((s, w) => s + (2 * w + 1) * 2 ** -52, 0);

describe('dense (banded matrix product) axis passes', () => {
  const cases: { shape: number[]; eps: number; truncation?: number }[] = [
    { shape: [101], eps: 0.01 }, // 1D: a single line, one-row tiles only
    { shape: [33, 27], eps: 0.01 }, // odd rows and columns: row remainders, a one-pair tile and a half tile
    { shape: [3, 40], eps: 0.02 }, // fewer lines than a row tile on the contiguous axis
    { shape: [64, 64], eps: 0.01 },
    { shape: [128, 128], eps: 0.01 }, // the benchmark's case (w = 95)
    { shape: [9, 12, 7], eps: 0.008 }, // 3D: blocks along the middle axis, odd everywhere
    { shape: [20, 9, 18], eps: 0.02 },
    { shape: [17, 23], eps: 0.5, truncation: 0 }, // untruncated: the band is the whole axis (w = n − 1)
  ];
  for (const c of cases) {
    it.skipIf(noSimd)(`agrees with the truncated convolution to round-off on ${c.shape.join('×')}, ε = ${c.eps}`, () => {
      const grid = box(c.shape);
      const js = new ConvolutionalGibbsKernel(grid, c.eps, { truncation: c.truncation });
      const dense = new ConvolutionalGibbsKernel(grid, c.eps, { truncation: c.truncation, assembler, passes: 'dense' });
      expect(dense.axisPasses).toEqual(c.shape.map(() => 'dense'));
      const rng = new Rng(5);
      const u = new Float64Array(grid.size).map(() => rng.uniform() * (rng.uniform() < 0.1 ? 0 : 1)); // some zeros
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
      js.apply(u, a);
      dense.apply(u, b);
      let e = 0;
      for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(b[i] - a[i]) / a[i]);
      expect(e).toBeLessThanOrEqual(bound(dense));
      dense.apply(u, u); // in place
      expect(Array.from(u)).toEqual(Array.from(b));
    });
  }

  it.skipIf(noSimd)('gives a plain soft C-transform (exp, dense passes, separate log) equal to the log-domain form', () => {
    for (const shape of [[31, 29], [8, 11, 6], [40]]) {
      const grid = box(shape);
      const eps = 0.01;
      const plain = new GridGibbsGeometry(grid, eps, 'plain', { assembler, passes: 'dense' });
      const log = new GridGibbsGeometry(grid, eps, 'log');
      expect(plain.method).toMatch(/^wasm-simd \(axis 0: dense w=\d+/);
      const rng = new Rng(11);
      const h = new Float64Array(grid.size).map(() => 40 * rng.uniform() - 20);
      h[3] = -Infinity;
      h[grid.size - 1] = -Infinity; // the odd last cell of the log's line
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
      plain.logApply(eps, h, a);
      log.logApply(eps, h, b);
      expect(plain.counts.plain).toBe(1);
      let e = 0;
      for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      expect(e).toBeLessThan(1e-13); // both exact to round-off (a few ulp per exp, log and summed term)
    }
  });

  it.skipIf(noSimd)('splits over output rows: the pieces of a row range equal the whole pass (what a row pool runs per thread)', () => {
    const [n0, n1] = [37, 29];
    const t0 = gaussianTaps(n0, 1 / n0, 0.01, 1e-12).taps, t1 = gaussianTaps(n1, 1 / n1, 0.01, 1e-12).taps;
    const wasm = wasmConvolution([
      { w: t0.length - 1, strideBytes: n1 * 8, dense: { n: n0, inner: n1 } },
      { w: t1.length - 1, strideBytes: 8, dense: { n: n1, inner: 1 } },
    ], assembler)!;
    const size = n0 * n1;
    const T0 = denseTaps(n0, t0), T1 = denseTaps(n1, t1);
    let at = Math.ceil(wasm.reserved / 16) * 16;
    const take = (bytes: number) => ((at += Math.ceil(bytes / 16) * 16), at - Math.ceil(bytes / 16) * 16);
    const tap0 = take(T0.values.length * 8), tap1 = take(T1.values.length * 8);
    const src = take((size + 2) * 8), whole = take((size + 2) * 8), parts = take((size + 2) * 8);
    const packs = [take(16 * NV * n0), take(16 * NV * n0)];
    const need = at - wasm.memory.buffer.byteLength;
    if (need > 0) wasm.memory.grow(Math.ceil(need / 65536));
    const mem = new Float64Array(wasm.memory.buffer);
    mem.set(T0.values, tap0 / 8);
    mem.set(T1.values, tap1 / 8);
    const rng = new Rng(2);
    for (let i = 0; i < size; i++) mem[src / 8 + i] = rng.uniform();
    const view = (a: number) => Array.from(mem.subarray(a / 8, a / 8 + size));
    const c0 = tap0 + 8 * T0.centre, c1 = tap1 + 8 * T1.centre;
    // Strided axis 0: output rows [0, 13) and [13, n0), each with its own panel.
    wasm.dense[0]!(src, whole, c0, packs[0], 0, n0);
    wasm.dense[0]!(src, parts, c0, packs[0], 0, 13);
    wasm.dense[0]!(src, parts, c0, packs[1], 13, n0);
    expect(view(parts)).toEqual(view(whole));
    // Contiguous axis 1: lines [0, 10) and [10, n0).
    wasm.dense[1]!(src, whole, c1, n0);
    wasm.dense[1]!(src, parts, c1, 10);
    wasm.dense[1]!(src + 10 * n1 * 8, parts + 10 * n1 * 8, c1, n0 - 10);
    expect(view(parts)).toEqual(view(whole));
  });
});

describe('the dense log form (wide kernels: w ≥ (n − 1)/2 on every axis)', () => {
  it.skipIf(noSimd)('equals the block-shifted log form to round-off, for any range of the log-scalings (the exact fall-back included)', () => {
    for (const [shape, eps] of [[[48, 40], 0.01], [[20, 22, 18], 0.01], [[128, 128], 0.01]] as [number[], number][]) {
      const grid = box(shape);
      const dense = new ConvolutionalGibbsKernel(grid, eps, { assembler });
      const block = new ConvolutionalGibbsKernel(grid, eps);
      expect([dense.logForm, block.logForm]).toEqual(['dense', 'block']);
      const rng = new Rng(17);
      for (const spread of [20, 400, 3000]) {
        // spreads far beyond the plain form's range (~660): lines whose far cells underflow below TINY
        const u = new Float64Array(grid.size).map(() => spread * rng.uniform() - spread / 2);
        u[5] = -Infinity;
        for (let i = 0; i < shape[shape.length - 1]; i++) u[i] = -Infinity; // a whole line of −∞
        // one cell far above the rest: outputs beyond its reach have S = 0 < TINY (the exact fall-back)
        if (spread === 3000) u[grid.size >> 1] = 1e4;
        const a = new Float64Array(grid.size), b = new Float64Array(grid.size);
        dense.applyLog(u, a);
        block.applyLog(u, b);
        let e = 0;
        for (let i = 0; i < a.length; i++) {
          if (b[i] === -Infinity) expect(a[i]).toBe(-Infinity);
          else e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
        }
        expect(e, `${shape.join('×')}, spread ${spread}`).toBeLessThan(1e-12);
      }
    }
  });

  it.skipIf(noSimd)('is taken only where its line shift is the block form\'s shift', () => {
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.01, { assembler }).logForm).toBe('dense'); // w = 95 ≥ 63.5
    expect(new ConvolutionalGibbsKernel(box([256, 256]), 0.002, { assembler }).logForm).toBe('block'); // dense, but w = 85 < 127.5
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.5 / 128 ** 2, { assembler }).logForm).toBe('block'); // truncated passes
  });
});

describe('dense passes split over a row pool (DENSE_ROWS)', () => {
  const cases: { shape: number[]; eps: number }[] = [
    { shape: [37, 29], eps: 0.01 },
    { shape: [9, 12, 7], eps: 0.008 },
    { shape: [64, 48], eps: 0.01 },
  ];
  for (const c of cases) {
    it.skipIf(noSimd)(`gives the bits of the one-thread passes for 1, 2 and 3 threads on ${c.shape.join('×')}`, () => {
      const grid = box(c.shape);
      const one = new ConvolutionalGibbsKernel(grid, c.eps, { assembler, passes: 'dense' });
      const rng = new Rng(9);
      const u = new Float64Array(grid.size).map(() => rng.uniform() * (rng.uniform() < 0.1 ? 0 : 1));
      const ref = new Float64Array(grid.size);
      one.apply(u, ref);
      const h = new Float64Array(grid.size).map(() => 30 * rng.uniform() - 15);
      const refLog = new Float64Array(grid.size);
      new GridGibbsGeometry(grid, c.eps, 'plain', { assembler, passes: 'dense' }).logApply(c.eps, h, refLog);
      for (const threads of [1, 2, 3]) {
        const rows = slicingExecutor(threads, assembler);
        const split = new ConvolutionalGibbsKernel(grid, c.eps, { assembler, passes: 'dense', rows });
        const out = new Float64Array(grid.size);
        split.apply(u, out);
        expect(Array.from(out), `threads=${threads}`).toEqual(Array.from(ref));
        // 1 thread: no pool is taken (the calling thread's passes); more: one call per dense axis
        // pass in 3D, one per application in 2D (the plane: axis 0's rows, then the same lines of axis 1)
        expect(rows.calls.length).toBe(threads === 1 ? 0 : c.shape.length === 2 ? 1 : c.shape.length);
        if (threads > 1 && c.shape.length === 2) expect(rows.calls[0].rows).toBe(c.shape[0]);
        if (threads > 1) expect(rows.calls.every((x) => x.kernel === DENSE_ROWS.name)).toBe(true);
        const g = new GridGibbsGeometry(grid, c.eps, 'plain', { assembler, passes: 'dense', rows });
        const log = new Float64Array(grid.size);
        g.logApply(c.eps, h, log);
        expect(Array.from(log), `log, threads=${threads}`).toEqual(Array.from(refLog));
      }
    });
  }

  it.skipIf(noSimd)('takes the pool only for dense passes, and the calling thread below MIN_DENSE_TERMS_FOR_THREADS terms', () => {
    const rows = slicingExecutor(2, assembler);
    const narrow = new ConvolutionalGibbsKernel(box([64, 64]), 0.5 / 64 ** 2, { assembler, rows }); // w = 5: truncated
    expect(narrow.axisPasses).toEqual(['truncated', 'truncated']);
    narrow.apply(new Float64Array(64 * 64).fill(1), new Float64Array(64 * 64));
    expect(rows.calls).toEqual([]);
    let asked = 0;
    const lazy = () => (asked++, rows);
    const small = new ConvolutionalGibbsKernel(box([128, 128]), 0.01, { assembler, rows: lazy }); // 16384 cells × 384 terms < 2²³
    expect(asked).toBe(1);
    expect(small.simd!.threads).toBe(1);
    new ConvolutionalGibbsKernel(box([64, 64]), 0.5 / 64 ** 2, { assembler, rows: lazy });
    expect(asked).toBe(1); // no dense axis: the pool is not asked for
    const wide = new GridGibbsGeometry(box([256, 256]), 0.01, 'auto', { assembler, rows, passes: 'dense' }); // 65536 cells × 762 terms
    expect(wide.threads).toBe(2);
    expect(wide.method).toBe('wasm-simd (axis 0: dense w=190, axis 1: dense w=190; dense passes ×2 threads)');
  });
});

describe('the rule for dense passes', () => {
  it('takes the dense pass for wide kernels and keeps the truncated one for narrow kernels and lone lines', () => {
    expect(denseAxis([128, 128], 0, 95)).toBe(true);
    expect(denseAxis([128, 128], 1, 95)).toBe(true);
    expect(denseAxis([128, 128], 1, DENSE_MIN_W - 1)).toBe(false);
    expect(denseAxis([64, 64, 64], 2, DENSE_MIN_W)).toBe(true);
    expect(denseAxis([4096], 0, 200)).toBe(false); // one line: no row tiles
    expect(denseAxis([3, 4096], 1, 200)).toBe(false); // fewer lines than a row tile
    expect(denseAxis([3, 4096], 0, 200)).toBe(true);
  });

  it.skipIf(noSimd)('is what the kernel applies at ε = 0.003 (wide, rank 52: not low-rank at 128²) and at the JKO-typical ε = h²/2 (w = 5)', () => {
    const grid = box([128, 128]);
    // (at 128², ε = 0.01 the dense axes take the low-rank form: wasm-low-rank.test.ts)
    expect(new ConvolutionalGibbsKernel(grid, 0.003, { assembler }).axisPasses).toEqual(['dense', 'dense']);
    expect(new ConvolutionalGibbsKernel(grid, 0.5 / 128 ** 2, { assembler }).axisPasses).toEqual(['truncated', 'truncated']);
    expect(new ConvolutionalGibbsKernel(grid, 0.01).axisPasses).toEqual(['truncated', 'truncated']); // JavaScript loops
    expect(new GridGibbsGeometry(grid, 0.003, 'auto', { assembler }).method).toBe('wasm-simd (axis 0: dense w=52, axis 1: dense w=52)');
    expect(new GridGibbsGeometry(grid, 0.01).method).toBe('javascript');
  });
});
