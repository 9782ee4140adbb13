import { describe, expect, it } from 'vitest';
import { ConvolutionalGibbsKernel } from '../../../engine/grid/gibbs-kernel.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { Rng } from '../../../engine/core/rng.ts';

/** Dense K u with K_ij = exp(−|x_i − x_j|²/(2ε)) from the cell centres (the reference). */
function denseApply(grid: Grid, eps: number, u: Float64Array): Float64Array {
  const pts: Float64Array[] = [];
  grid.evaluate((x) => (pts.push(x.slice()), 0));
  const out = new Float64Array(grid.size);
  for (let i = 0; i < grid.size; i++) {
    let s = 0;
    for (let j = 0; j < grid.size; j++) {
      let d2 = 0;
      for (let k = 0; k < grid.dim; k++) d2 += (pts[i][k] - pts[j][k]) ** 2;
      s += Math.exp(-d2 / (2 * eps)) * u[j];
    }
    out[i] = s;
  }
  return out;
}

function randomPositive(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = 0.1 + rng.uniform();
  return u;
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return e;
}

const cases: { name: string; shape: number[]; bounds: [number, number][]; eps: number }[] = [
  { name: '1D', shape: [37], bounds: [[0, 1]], eps: 0.01 },
  { name: '2D', shape: [13, 17], bounds: [[0, 1], [-1, 0.5]], eps: 0.02 },
  { name: '3D', shape: [7, 6, 9], bounds: [[0, 1], [0, 1], [0, 2]], eps: 0.03 },
];

describe('ConvolutionalGibbsKernel', () => {
  for (const c of cases) {
    it(`untruncated separable K u equals the dense product in ${c.name}`, () => {
      const grid = new Grid(c.shape, c.bounds);
      const K = new ConvolutionalGibbsKernel(grid, c.eps, { truncation: 0 });
      expect(K.truncationError).toBe(0);
      const u = randomPositive(grid.size, 1);
      const out = new Float64Array(grid.size);
      K.apply(u, out);
      // Same sums in another order: only round-off, a few ulps times the number of terms.
      expect(maxRelErr(out, denseApply(grid, c.eps, u))).toBeLessThan(1e-13);
    });

    it(`truncated K u is within the stated truncation error in ${c.name}`, () => {
      const grid = new Grid(c.shape, c.bounds);
      const K = new ConvolutionalGibbsKernel(grid, c.eps, { truncation: 1e-6 });
      expect(Math.max(...K.halfWidths)).toBeLessThan(Math.max(...c.shape) - 1); // really truncated
      expect(K.truncationError).toBeGreaterThan(0);
      expect(K.truncationError).toBeLessThanOrEqual(1e-6);
      const u = randomPositive(grid.size, 2);
      const out = new Float64Array(grid.size);
      K.apply(u, out);
      const ref = denseApply(grid, c.eps, u);
      // |(K − K_w) u|_i ≤ δ Σ_j u_j (each dropped entry ≤ δ); the bound must hold and be nearly reached.
      let sumU = 0;
      for (const x of u) sumU += x;
      let worst = 0;
      for (let i = 0; i < grid.size; i++) worst = Math.max(worst, Math.abs(ref[i] - out[i]));
      expect(worst).toBeLessThanOrEqual(K.truncationError * sumU);
      expect(worst).toBeGreaterThan(0);
    });

    it(`log-domain form equals log of the plain form in ${c.name}`, () => {
      const grid = new Grid(c.shape, c.bounds);
      const K = new ConvolutionalGibbsKernel(grid, c.eps, { truncation: 1e-10 });
      const u = randomPositive(grid.size, 3);
      u[5] = 0; // a zero scaling (log −∞) must be handled
      const plain = new Float64Array(grid.size);
      K.apply(u, plain);
      const logU = u.map(Math.log);
      const out = new Float64Array(grid.size);
      K.applyLog(logU, out);
      let e = 0;
      for (let i = 0; i < grid.size; i++) e = Math.max(e, Math.abs(out[i] - Math.log(plain[i])));
      // Both exact up to round-off: log values agree to ~1e−15 relative sums.
      expect(e).toBeLessThan(1e-13);
    });
  }

  it('log-domain form is exact where the plain form underflows (range of u ≫ 745)', () => {
    const grid = new Grid([40], [[0, 1]]);
    const eps = 0.002;
    const K = new ConvolutionalGibbsKernel(grid, eps, { truncation: 0 });
    // u_j = −3000 j: plain e^u underflows beyond j = 0; exact LSE is a max-dominated sum.
    const u = new Float64Array(40).map((_, j) => -3000 * j);
    const out = new Float64Array(40);
    K.applyLog(u, out);
    const h = 1 / 40;
    for (let i = 0; i < 40; i++) {
      let M = -Infinity;
      const terms: number[] = [];
      for (let j = 0; j < 40; j++) terms.push(u[j] - ((i - j) * h) ** 2 / (2 * eps));
      for (const t of terms) M = Math.max(M, t);
      const ref = M + Math.log(terms.reduce((s, t) => s + Math.exp(t - M), 0));
      expect(Math.abs(out[i] - ref) / Math.max(1, Math.abs(ref))).toBeLessThan(1e-14);
    }
  });

  it('refuses an ε below the grid scale with a one-line message', () => {
    const grid = new Grid([100, 100], [[0, 1], [0, 1]]);
    expect(() => new ConvolutionalGibbsKernel(grid, 1e-8)).toThrow(/eps=1e-8 is too small.*use eps ≥/);
  });
});
