import { describe, expect, it } from 'vitest';
import { Grid, Rng, cloudGridDistance, cloudGridDistances, gaussianCloud, gridCellCloud, gridCloud, normalizedMasses, slicedWassersteinPower, wassersteinPower1d } from '../../../engine/index.ts';

/** W2 between a particle cloud and a grid density (engine/energy/cloud-grid-distance.ts). */
describe('cloudGridDistance', () => {
  it('1D: exact by quantiles; a cloud at the cell centres with the cell masses is at distance 0', () => {
    const grid = new Grid([10], [[0, 1]]);
    const p = new Float64Array(10);
    p[2] = 0.5;
    p[7] = 0.5;
    // Half the particles at each centre (0.25, 0.75): exactly the grid's cloud.
    const x = Float64Array.from({ length: 100 }, (_, i) => (i < 50 ? 0.25 : 0.75));
    expect(cloudGridDistance(x, grid, p).w2).toBeLessThan(1e-7); // √(round-off of W2² ≈ 1e−16)
    // All of them at 0.25: half the mass moves by 0.5, W2² = 0.5 · 0.25.
    const r = cloudGridDistance(new Float64Array(100).fill(0.25), grid, p);
    expect(r.method).toBe('exact1d');
    expect(r.w2).toBeCloseTo(Math.sqrt(0.125), 12);
    expect(() => cloudGridDistance(new Float64Array(8), new Grid([4, 4], [[0, 1], [0, 1]]), new Float64Array(16).fill(1 / 16), { method: 'exact1d' })).toThrow(/exact1d needs d = 1/);
  });

  it("2D: the sliced W2 (default) and the Sinkhorn divergence agree with a translation's exact W2", () => {
    // A Gaussian on the grid and a cloud sampled from it, shifted by 0.3 along x: W2 = 0.3 (plus the sampling/cell floor).
    const grid = new Grid([48, 48], [[-2, 2], [-2, 2]]);
    const p = normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-(x * x + y * y) / (2 * 0.16))), grid);
    const x = gaussianCloud(new Rng(1), 600, 2, 0, 0.4);
    for (let i = 0; i < 600; i++) x[2 * i] += 0.3;
    const sliced = cloudGridDistance(x, grid, p);
    expect(sliced.method).toBe('sliced');
    // Sliced W2 of a translation by v is |v|·sqrt(E θ₁²) = 0.3/√2 in 2D.
    expect(sliced.w2).toBeGreaterThan(0.3 / Math.SQRT2 - 0.04);
    expect(sliced.w2).toBeLessThan(0.3 / Math.SQRT2 + 0.04);
    const sk = cloudGridDistance(x, grid, p, { method: 'sinkhorn', eps: 0.01 });
    expect(sk.method).toBe('sinkhorn');
    expect(sk.w2).toBeGreaterThan(0.25);
    expect(sk.w2).toBeLessThan(0.36);
    expect(sk.slicedW2).toBe(sliced.w2);
  });

  it('gridCellCloud keeps every cell at one position array per grid; its sliced W2 equals gridCloud\'s', () => {
    const grid = new Grid([2, 3], [[0, 2], [0, 3]]);
    const p = Float64Array.from([0, 2, 0, 0, 0, 6]);
    const c = gridCellCloud(grid, p);
    expect(Array.from(c.x)).toEqual([0.5, 0.5, 0.5, 1.5, 0.5, 2.5, 1.5, 0.5, 1.5, 1.5, 1.5, 2.5]);
    expect(Array.from(c.w)).toEqual([0, 0.25, 0, 0, 0, 0.75]);
    expect(gridCellCloud(grid, Float64Array.from([1, 1, 1, 1, 1, 1])).x).toBe(c.x); // the cells never move: same array, sort hints reused
    const g = gridCloud(grid, p);
    const x = Float64Array.from([0.2, 0.1, 1.7, 2.9, 1.1, 1.4]);
    const a = slicedWassersteinPower(x, c.x, 2, { wy: c.w, directions: 16, seed: 3 });
    const b = slicedWassersteinPower(x, g.x, 2, { wy: g.w, directions: 16, seed: 3 });
    expect(Math.abs(a - b)).toBeLessThan(1e-14);
  });

  it('cloudGridDistances: W2 between the two and from each to reference laws in one pass, the bits of one call per distance', () => {
    // 2D: 32 stratified directions, seed 7 (slicedDirections).
    const sliced = (a: Float64Array, b: Float64Array, wx?: Float64Array, wy?: Float64Array) => Math.sqrt(Math.max(0, slicedWassersteinPower(a, b, 2, { wx, wy, directions: 32, seed: 7, stratified: true })));
    const grid = new Grid([24, 20], [[-2, 2], [-2, 2]]);
    const gauss = (m: number, s: number) => normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-((x - m) ** 2 + y * y) / (2 * s * s))), grid);
    const p = gauss(0.1, 0.5), r1 = gauss(0, 0.6), r2 = gauss(0.4, 0.3);
    const x = gaussianCloud(new Rng(2), 300, 2, 0, 0.5);
    const all = cloudGridDistances(x, grid, p, [r1, r2]);
    const cells = gridCellCloud(grid, p);
    expect(all.w2).toBe(cloudGridDistance(x, grid, p).w2);
    expect(all.w2).toBe(sliced(x, cells.x, undefined, cells.w));
    all.references.forEach((d, k) => {
      const r = gridCellCloud(grid, [r1, r2][k]);
      expect(d.grid).toBe(sliced(cells.x, r.x, cells.w, r.w));
      expect(d.cloud).toBe(sliced(x, r.x, undefined, r.w));
    });
    // 1D: exact by quantiles, over the non-empty cells.
    const line = new Grid([50], [[-2, 2]]);
    const q = normalizedMasses(line.evaluate(([v]) => Math.exp(-v * v)), line), ref = normalizedMasses(line.evaluate(([v]) => Math.exp(-((v - 0.5) ** 2))), line);
    const y = gaussianCloud(new Rng(3), 200, 1, 0.2, 0.7);
    const one = cloudGridDistances(y, line, q, [ref]);
    const a = gridCloud(line, q), b = gridCloud(line, ref);
    expect(one.references[0].grid).toBe(Math.sqrt(wassersteinPower1d(a.x, b.x, 2, a.w, b.w)));
    expect(one.references[0].cloud).toBe(Math.sqrt(wassersteinPower1d(y, b.x, 2, undefined, b.w)));
    expect(one.references[0].grid).toBeGreaterThan(0.3); // a shift by 0.5 of a law of std 0.7
  });

  it('gridCloud drops empty cells and normalizes', () => {
    const grid = new Grid([2, 3], [[0, 2], [0, 3]]);
    const g = gridCloud(grid, Float64Array.from([0, 2, 0, 0, 0, 6]));
    expect(Array.from(g.x)).toEqual([0.5, 1.5, 1.5, 2.5]);
    expect(Array.from(g.w)).toEqual([0.25, 0.75]);
  });
});
