import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { ConvolutionalGibbsKernel, denseBand, LOW_RANK_MIN_RATIO, LOW_RANK_REDUCED_RATIO, lowRankAxis } from '../../../engine/grid/gibbs-kernel.ts';
import { GridGibbsGeometry } from '../../../engine/grid/gibbs-geometry.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { lowRankTaps } from '../../../engine/grid/low-rank-taps.ts';
import { wasmConvolution } from '../../../engine/grid/wasm-convolution.ts';
import { LOW_RANK_ROWS, packPanels, paddedRank } from '../../../engine/grid/wasm-low-rank.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { slicingExecutor } from './slicing-executor.ts';

const assembler = await loadWatAssembler();
// Node ≥ 16 always has WebAssembly SIMD; the skip only guards exotic runtimes.
const noSimd = wasmConvolution([{ w: 1, strideBytes: 8 }], assembler) === null;
const box = (shape: number[]) => new Grid(shape, shape.map(() => [0, 1] as [number, number]));
const DELTA = 1e-12;

/** Random positive b; or b with a zero region (the first 60% of the cells) and a spike. */
function input(size: number, kind: 'positive' | 'spike', seed: number): Float64Array {
  const rng = new Rng(seed);
  if (kind === 'positive') return new Float64Array(size).map(() => 0.1 + rng.uniform());
  const b = new Float64Array(size);
  for (let i = Math.floor(0.6 * size); i < size; i++) b[i] = 1e-3 * rng.uniform();
  b[size - 3] = 50;
  return b;
}

/**
 * Per output, the d axes' low-rank passes are within d·δ·‖b‖₁ of the exact kernel (each
 * axis's operator within δ per entry, low-rank-taps.ts; the clamp at a lower bound never
 * adds error), and within 2·d·δ·‖b‖₁ of the truncated one; round-off adds (n + r)·2⁻⁵² per
 * axis, relative to ‖b‖₁ (below δ at these sizes: the bound is δ's).
 */
function maxError(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe('low-rank axis passes (plain apply)', () => {
  const shapes = [[64], [128], [256], [64, 64], [128, 128], [256, 256], [33, 27], [3, 40], [24, 20, 28]];
  for (const eps of [0.003, 0.01, 0.03]) {
    for (const shape of shapes) {
      it.skipIf(noSimd)(`are within d·δ·‖b‖₁ of the exact kernel and 2·d·δ·‖b‖₁ of the truncated one on ${shape.join('×')}, ε = ${eps}`, () => {
        const grid = box(shape);
        const d = shape.length;
        const exact = new ConvolutionalGibbsKernel(grid, eps, { truncation: 0 });
        const truncated = new ConvolutionalGibbsKernel(grid, eps);
        const low = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'lowrank' });
        expect(low.axisPasses).toEqual(shape.map(() => 'lowrank'));
        expect(low.ranks.every((r, k) => r > 0 && r <= shape[k])).toBe(true);
        const round = shape.reduce((s, n, k) => s + (n + paddedRank(low.ranks[k])) * 2 ** -52, 0);
        for (const kind of ['positive', 'spike'] as const) {
          const b = input(grid.size, kind, 7);
          const l1 = b.reduce((s, x) => s + x, 0);
          const [x, t, y] = [exact, truncated, low].map((k) => {
            const out = new Float64Array(grid.size);
            k.apply(b, out);
            return out;
          });
          expect(maxError(y, x) / l1, kind).toBeLessThanOrEqual(d * DELTA + round);
          expect(maxError(y, t) / l1, kind).toBeLessThanOrEqual(2 * d * DELTA + round);
          for (let i = 0; i < b.length; i++) if (!(y[i] >= b[i])) expect.fail(`output ${i} = ${y[i]} below its lower bound b_i = ${b[i]}`);
        }
        const u = input(grid.size, 'positive', 8), ref = new Float64Array(grid.size);
        low.apply(u, ref);
        low.apply(u, u); // in place
        expect(Array.from(u)).toEqual(Array.from(ref));
      });
    }
  }

  // Mixed forms (the rule's per-axis margin: one long axis low-rank, the short ones dense): the
  // per-axis low-rank pass (clamped at each pass's input) between dense and truncated passes.
  for (const shape of [[200, 40], [40, 200], [150, 30, 20], [30, 150, 20], [20, 30, 150]]) {
    it.skipIf(noSimd)(`mix with dense passes on ${shape.join('×')}, ε = 0.01, within d·δ·‖b‖₁ of the exact kernel`, () => {
      const grid = box(shape);
      const d = shape.length;
      const low = new ConvolutionalGibbsKernel(grid, 0.01, { assembler });
      expect(low.axisPasses).toEqual(shape.map((n) => (n >= 150 ? 'lowrank' : 'dense')));
      const exact = new ConvolutionalGibbsKernel(grid, 0.01, { truncation: 0 });
      const round = shape.reduce((s, n) => s + (n + 32) * 2 ** -52, 0);
      for (const kind of ['positive', 'spike'] as const) {
        const b = input(grid.size, kind, 11);
        const l1 = b.reduce((s, x) => s + x, 0);
        const x = new Float64Array(grid.size), y = new Float64Array(grid.size);
        exact.apply(b, x);
        low.apply(b, y);
        expect(maxError(y, x) / l1, kind).toBeLessThanOrEqual(d * DELTA + round);
        for (let i = 0; i < b.length; i++) if (!(y[i] >= b[i])) expect.fail(`output ${i} = ${y[i]} below b_i = ${b[i]}`);
      }
    });
  }

  it.skipIf(noSimd)('clamps each output at its lower bound b_i (the diagonal term): zero where L Lᵀ b < 0 and b_i = 0, never below b_i', () => {
    const n = 256, eps = 0.01;
    const f = lowRankTaps(n, 1 / n, eps, DELTA)!;
    const b = new Float64Array(n);
    b[n - 6] = 1; // a spike; the far cells' exact outputs are ~e^{−47}, below the residual's ±δ
    for (let i = n - 4; i < n; i++) b[i] = 0.25;
    // L (Lᵀ b) in JavaScript: the unclamped product
    const r = f.rank, z = new Float64Array(r), raw = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let q = 0; q < r; q++) z[q] += f.factor[j * r + q] * b[j];
    for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) raw[i] += f.factor[i * r + q] * z[q];
    const negative = [...raw.keys()].filter((i) => raw[i] < -1e-15);
    expect(negative.length).toBeGreaterThan(0); // the clamp has work to do here
    const out = new Float64Array(n);
    new ConvolutionalGibbsKernel(box([n]), eps, { assembler, passes: 'lowrank' }).apply(b, out);
    for (const i of negative) expect(out[i]).toBe(0);
    for (let i = 0; i < n; i++) expect(out[i] >= b[i] && out[i] >= 0).toBe(true);
    // 2D: a zero region and a spike, through both axes' clamps
    const grid = box([64, 48]);
    const b2 = input(grid.size, 'spike', 3), out2 = new Float64Array(grid.size);
    new ConvolutionalGibbsKernel(grid, 0.01, { assembler, passes: 'lowrank' }).apply(b2, out2);
    for (let i = 0; i < grid.size; i++) expect(out2[i] >= b2[i] && out2[i] >= 0).toBe(true);
  });

  it('packs a matrix\'s column panels in the tile order (2·NV columns, then a pair, then the odd column with a zero lane)', () => {
    const K = 2, N = 7; // tiles: 4 columns, a pair, the odd last column
    const B = Float64Array.from({ length: K * N }, (_, i) => i + 1);
    expect(Array.from(packPanels(B, K, N))).toEqual([1, 2, 3, 4, 8, 9, 10, 11, 5, 6, 12, 13, 7, 0, 14, 0]);
  });
});

describe('low-rank passes split over a row pool (LOW_RANK_ROWS)', () => {
  const cases: { shape: number[]; eps: number }[] = [
    { shape: [37, 29], eps: 0.01 }, // odd columns: a one-pair tile and the half tile at a split's end
    { shape: [9, 12, 7], eps: 0.008 }, // 3D: blocks along the strided middle axis
    { shape: [64, 48], eps: 0.01 },
    { shape: [101], eps: 0.01 }, // 1D: one line
    { shape: [200, 40], eps: 0.01 }, // mixed (auto): the per-axis low-rank pass on the strided axis
    { shape: [30, 150, 21], eps: 0.01 }, // mixed 3D: the strided middle axis low-rank, in blocks
    { shape: [20, 30, 150], eps: 0.01 }, // mixed 3D: the contiguous axis low-rank
  ];
  for (const c of cases) {
    it.skipIf(noSimd)(`gives the bits of the one-thread passes for 1, 2 and 3 threads on ${c.shape.join('×')}`, () => {
      const grid = box(c.shape);
      const passes = c.shape.some((n) => n >= 150) ? 'auto' : 'lowrank';
      const one = new ConvolutionalGibbsKernel(grid, c.eps, { assembler, passes });
      const u = input(grid.size, 'spike', 9);
      const ref = new Float64Array(grid.size);
      one.apply(u, ref);
      for (const threads of [1, 2, 3]) {
        const rows = slicingExecutor(threads, assembler);
        const split = new ConvolutionalGibbsKernel(grid, c.eps, { assembler, passes, rows });
        const out = new Float64Array(grid.size);
        split.apply(u, out);
        expect(Array.from(out), `threads=${threads}`).toEqual(Array.from(ref));
        // the reduced form (d ≥ 2): the last axis's two halves and one pass per other axis, a
        // pool call each (a one-thread call below the threads' threshold: the calling thread);
        // 1D: one call
        const lowCalls = rows.calls.filter((x) => x.kernel === LOW_RANK_ROWS.name).length;
        if (passes === 'auto') expect(lowCalls).toBe(threads === 1 ? 0 : 1); // one low-rank axis, the others dense
        else expect(lowCalls).toBe(threads === 1 ? 0 : c.shape.length === 1 ? 1 : c.shape.length + 1);
      }
    });
  }
});

describe('the rule for low-rank passes', () => {
  it('takes the low-rank form where 2·rp·LOW_RANK_MIN_RATIO ≤ the dense band', () => {
    expect(denseBand(128, 127)).toBe(128);
    expect(denseBand(4, 1)).toBe((2 + 3 + 3 + 2) / 4);
    expect(lowRankAxis(128, 95, 31)).toBe(true); // band 119.9 ≥ 2·32·1.3
    expect(lowRankAxis(64, 47, 30)).toBe(false); // band 59.8 < 83.2
    expect(lowRankAxis(256, 104, 52)).toBe(true); // band 166 ≥ 2·52·1.3 = 135.2
    expect(lowRankAxis(128, 52, 52)).toBe(false);
    expect(LOW_RANK_MIN_RATIO).toBeGreaterThan(1);
    // the reduced form's margin (every axis together): 160², ε = 0.003 (band 104.2, rp 52)
    expect(lowRankAxis(160, 65, 52)).toBe(false);
    expect(lowRankAxis(160, 65, 52, LOW_RANK_REDUCED_RATIO)).toBe(true);
  });

  it.skipIf(noSimd)('is what the kernel applies at ε = 0.01 from 128², keeps dense passes where the rank is too high, and records it', () => {
    const k = new ConvolutionalGibbsKernel(box([128, 128]), 0.01, { assembler });
    expect(k.axisPasses).toEqual(['lowrank', 'lowrank']);
    expect(k.ranks).toEqual([31, 31]);
    expect(k.logForm).toBe('dense'); // the log form keeps the exact dense passes
    expect(new ConvolutionalGibbsKernel(box([64, 64]), 0.01, { assembler }).axisPasses).toEqual(['dense', 'dense']);
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.003, { assembler }).axisPasses).toEqual(['dense', 'dense']);
    expect(new ConvolutionalGibbsKernel(box([256, 256]), 0.003, { assembler }).axisPasses).toEqual(['lowrank', 'lowrank']);
    expect(new ConvolutionalGibbsKernel(box([160, 160]), 0.003, { assembler }).axisPasses).toEqual(['lowrank', 'lowrank']); // both axes together
    expect(new ConvolutionalGibbsKernel(box([160, 40]), 0.003, { assembler }).axisPasses).toEqual(['dense', 'dense']); // not alone
    expect(new ConvolutionalGibbsKernel(box([4096]), 0.01, { assembler }).axisPasses).toEqual(['truncated']); // 1D: the dense rule's lone line
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.01, { assembler, passes: 'dense' }).axisPasses).toEqual(['dense', 'dense']);
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.01).axisPasses).toEqual(['truncated', 'truncated']); // JavaScript loops
    expect(new ConvolutionalGibbsKernel(box([16, 16]), 0.5, { assembler, truncation: 0, passes: 'lowrank' }).axisPasses).toEqual(['dense', 'dense']); // δ = 0: no factor
    expect(new ConvolutionalGibbsKernel(box([128, 128]), 0.01, { assembler, lowRank: false }).axisPasses).toEqual(['dense', 'dense']);
    // the geometry runs only the soft C-transforms (exact dense passes): no factor, and it says so
    expect(new GridGibbsGeometry(box([128, 128]), 0.01, 'auto', { assembler }).method).toBe('wasm-simd (axis 0: dense w=95, axis 1: dense w=95)');
  });

  it.skipIf(noSimd)('leaves the plain soft C-transform (logApplyStaged) on the exact dense passes (its logs need relative accuracy)', () => {
    for (const shape of [[128, 128], [40, 36, 44]]) {
      const grid = box(shape);
      const eps = shape.length === 2 ? 0.01 : 0.03;
      const low = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'lowrank' });
      const dense = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'dense' });
      expect(low.axisPasses.every((p) => p === 'lowrank')).toBe(true);
      const rng = new Rng(4);
      // a ramp along axis 0: e^{h − max} falls to e^{−200}, and the far side's sums (~e^{−50}
      // from the near side) are far below the low-rank passes' absolute error δ·‖b‖₁
      const inner = grid.size / shape[0];
      const h = new Float64Array(grid.size).map((_, i) => -200 * (Math.floor(i / inner) / shape[0]) + rng.uniform());
      const [a, b] = [low, dense].map((k) => {
        const out = new Float64Array(grid.size);
        k.simd!.stage(h);
        k.simd!.logApplyStaged(k.simd!.max, out);
        return out;
      });
      // the same passes in another axis order (2D dense: the plane, axis 0 first): round-off
      // apart, equal; the low-rank passes' absolute error would be O(1) in these logs
      let e = 0;
      for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      expect(e).toBeLessThan(1e-13);
    }
  });
});

describe('a plain grid Sinkhorn solve with the low-rank passes', () => {
  it.skipIf(noSimd)('gives the dense passes\' potentials and dual value within the solve\'s tolerance (128², ε = 0.01)', () => {
    const n = 128, eps = 0.01;
    const grid = box([n, n]);
    const c = grid.centres(0);
    // two Gaussian bumps on a floor, masses normalised
    const bump = (x0: number, y0: number, s: number) => {
      const m = new Float64Array(grid.size);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = 0.05 + Math.exp(-((c[i] - x0) ** 2 + (c[j] - y0) ** 2) / (2 * s * s));
      const total = m.reduce((a, b) => a + b, 0);
      return m.map((x) => x / total);
    };
    const P = bump(0.3, 0.35, 0.08), Q = bump(0.65, 0.6, 0.12);
    const solve = (K: ConvolutionalGibbsKernel) => {
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size).fill(1), t = new Float64Array(grid.size);
      let err = Infinity, it = 0;
      for (; it < 5000 && err > 1e-10; it++) {
        K.apply(b, t);
        for (let i = 0; i < t.length; i++) a[i] = P[i] / t[i];
        K.apply(a, t);
        err = 0;
        for (let i = 0; i < t.length; i++) err += Math.abs(b[i] * t[i] - Q[i]); // the second marginal's L1 error
        for (let i = 0; i < t.length; i++) b[i] = Q[i] / t[i];
      }
      const f = a.map((x) => eps * Math.log(x)), g = b.map((x) => eps * Math.log(x));
      let dual = 0;
      for (let i = 0; i < f.length; i++) dual += P[i] * f[i] + Q[i] * g[i];
      return { f, g, dual, err, it };
    };
    const low = new ConvolutionalGibbsKernel(grid, eps, { assembler });
    const dense = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'dense' });
    expect(low.axisPasses).toEqual(['lowrank', 'lowrank']);
    const x = solve(low), y = solve(dense);
    expect(x.err).toBeLessThanOrEqual(1e-10);
    expect(y.err).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(x.it - y.it)).toBeLessThanOrEqual(2);
    // potentials up to the gauge (f + λ, g − λ): compare f − f[0] and g + f[0]
    let e = 0;
    for (let i = 0; i < x.f.length; i++) {
      e = Math.max(e, Math.abs(x.f[i] - x.f[0] - (y.f[i] - y.f[0])), Math.abs(x.g[i] + x.f[0] - (y.g[i] + y.f[0])));
    }
    expect(e).toBeLessThan(1e-8);
    expect(Math.abs(x.dual - y.dual)).toBeLessThan(1e-9 * Math.abs(y.dual) + 1e-12);
  });
});
