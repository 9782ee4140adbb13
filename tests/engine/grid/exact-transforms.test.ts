import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { GridCTransform } from '../../../engine/grid/exact/c-transform.ts';
import { H1Preconditioner } from '../../../engine/grid/exact/h1-preconditioner.ts';
import { LegendreTransform } from '../../../engine/grid/exact/legendre.ts';
import { PotentialMap } from '../../../engine/grid/exact/potential-map.ts';
import { Grid } from '../../../engine/grid/grid.ts';

/** Brute-force O(nm) discrete Legendre transform: max_i s_j x_i − f_i. */
function bruteLegendre(x: Float64Array, f: Float64Array, s: Float64Array): Float64Array {
  return s.map((sj) => {
    let best = -Infinity;
    for (let i = 0; i < x.length; i++) if (f[i] !== Infinity) best = Math.max(best, sj * x[i] - f[i]);
    return best;
  });
}

/** Cell-centre coordinates of every cell [size][d]. */
function coords(grid: Grid): number[][] {
  const out: number[][] = [];
  grid.evaluate((x) => (out.push(Array.from(x)), 0));
  return out;
}

describe('discrete Legendre transform (lower hull + sweep)', () => {
  const rng = new Rng(3);
  it('equals the brute-force maximum to round-off, with unsorted gaps and +∞ points', () => {
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rng.uniform() * 60), m = 3 + Math.floor(rng.uniform() * 60);
      const x = Float64Array.from({ length: n }, (_, i) => i + 0.9 * rng.uniform()).map((v) => v * 0.37 - 4);
      const f = Float64Array.from({ length: n }, () => (rng.uniform() < 0.15 ? Infinity : 3 * rng.normal() + 0.5 * rng.uniform() ** 2));
      const s = Float64Array.from({ length: m }, () => 12 * rng.uniform() - 6).sort();
      const out = new Float64Array(m), arg = new Int32Array(m);
      new LegendreTransform().transform(x, f, s, out, arg);
      const ref = bruteLegendre(x, f, s);
      // Both evaluate s·x_k − f_k at a maximizer: equal unless two candidates tie within an ulp (values ≲ 30).
      for (let j = 0; j < m; j++) {
        expect(Math.abs(out[j] - ref[j]), `slope ${s[j]}`).toBeLessThan(1e-13);
        if (Number.isFinite(ref[j])) expect(s[j] * x[arg[j]] - f[arg[j]]).toBe(out[j]);
      }
    }
  });

  it('gives −∞ with argmax −1 when every point is +∞', () => {
    const out = new Float64Array(2), arg = new Int32Array(2);
    new LegendreTransform().transform(Float64Array.of(0, 1, 2), Float64Array.of(Infinity, Infinity, Infinity), Float64Array.of(-1, 1), out, arg);
    expect(Array.from(out)).toEqual([-Infinity, -Infinity]);
    expect(Array.from(arg)).toEqual([-1, -1]);
  });
});

describe('c-transform on grids, φ^c(y) = min_x |x − y|²/(2τ) − φ(x)', () => {
  const rng = new Rng(11);
  for (const [shape, bounds] of [
    [[17], [[-1, 2]]],
    [[9, 13], [[-1, 1], [0, 3]]],
    [[5, 4, 6], [[0, 1], [-2, 0], [1, 4]]],
  ] as [number[], [number, number][]][]) {
    it(`equals the brute-force minimum over all cells on a ${shape.join('×')} grid, obstacles left out`, () => {
      const grid = new Grid(shape, bounds);
      const tau = 0.07;
      const phi = Float64Array.from({ length: grid.size }, () => 2 * rng.normal());
      const mask = Uint8Array.from({ length: grid.size }, (_, i) => (i % 7 === 3 ? 1 : 0));
      const X = coords(grid);
      const out = new Float64Array(grid.size);
      new GridCTransform(grid, tau).apply(phi, out, mask);
      let err = 0;
      for (let j = 0; j < grid.size; j++) {
        let best = Infinity;
        for (let i = 0; i < grid.size; i++) {
          if (mask[i]) continue;
          let c = 0;
          for (let k = 0; k < grid.dim; k++) c += (X[i][k] - X[j][k]) ** 2;
          best = Math.min(best, c / (2 * tau) - phi[i]);
        }
        err = Math.max(err, Math.abs(best - out[j]) / (1 + Math.abs(best)));
      }
      // Each axis pass cancels j²/2 − max(…) with |j²/2| ≤ n²/8 ≈ 40: a few ulp of that.
      expect(err).toBeLessThan(1e-12);
    });
  }

  it('satisfies φ^cc ≥ φ and φ^ccc = φ^c (the c-concave envelope)', () => {
    const rng = new Rng(12);
    const grid = new Grid([20, 24], [[-1, 1], [-1, 1]]);
    const tau = 0.01;
    const ct = new GridCTransform(grid, tau);
    const phi = Float64Array.from({ length: grid.size }, () => rng.normal());
    const c1 = new Float64Array(grid.size), c2 = new Float64Array(grid.size), c3 = new Float64Array(grid.size);
    ct.apply(phi, c1);
    ct.apply(c1, c2);
    ct.apply(c2, c3);
    for (let i = 0; i < grid.size; i++) {
      expect(c2[i]).toBeGreaterThanOrEqual(phi[i] - 1e-12);
      expect(c3[i]).toBeCloseTo(c1[i], 10);
    }
  });
});

describe('H¹ preconditioner (θ₁ + θ₂(−Δ_h))⁻¹ by the cosine transform', () => {
  /** θ₁u + θ₂(−Δ_h u) with the zero-flux 2d+1-point stencil (ghost = edge value). */
  function operator(grid: Grid, u: Float64Array, t1: number, t2: number): Float64Array {
    const strides = grid.shape.map((_, k) => grid.shape.slice(k + 1).reduce((a, b) => a * b, 1));
    const out = new Float64Array(u.length);
    for (let i = 0; i < u.length; i++) {
      let lap = 0;
      for (let k = 0; k < grid.dim; k++) {
        const ik = Math.floor(i / strides[k]) % grid.shape[k];
        const up = ik < grid.shape[k] - 1 ? u[i + strides[k]] : u[i];
        const dn = ik > 0 ? u[i - strides[k]] : u[i];
        lap += (up - 2 * u[i] + dn) / grid.h[k] ** 2;
      }
      out[i] = t1 * u[i] - t2 * lap;
    }
    return out;
  }

  it('solves the Neumann problem to round-off (96×40 with a Bluestein axis, and 3D)', () => {
    const rng = new Rng(5);
    for (const grid of [new Grid([96, 40], [[-1, 1], [0, 3]]), new Grid([6, 7, 8], [[0, 1], [0, 2], [0, 1]])]) {
      const g = Float64Array.from({ length: grid.size }, () => rng.normal());
      const u = new Float64Array(grid.size);
      const pc = new H1Preconditioner(grid);
      const dot = pc.solve(g, u, 0.7, 0.003);
      const back = operator(grid, u, 0.7, 0.003);
      let err = 0, scale = 0, ref = 0;
      for (let i = 0; i < g.length; i++) {
        err = Math.max(err, Math.abs(back[i] - g[i]));
        scale = Math.max(scale, Math.abs(g[i]));
        ref += g[i] * u[i];
      }
      expect(err / scale).toBeLessThan(1e-11);
      expect(dot).toBeCloseTo(ref, 12);
    }
  });

  it('with θ₁ = 0 drops the constant mode: a mean-free solution of −θ₂Δu = g − mean g', () => {
    const rng = new Rng(6);
    const grid = new Grid([32, 20], [[0, 1], [0, 1]]);
    const g = Float64Array.from({ length: grid.size }, () => rng.normal());
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const u = new Float64Array(grid.size);
    new H1Preconditioner(grid).solve(g, u, 0, 2);
    expect(Math.abs(u.reduce((a, b) => a + b, 0))).toBeLessThan(1e-10);
    const back = operator(grid, u, 0, 2);
    for (let i = 0; i < g.length; i++) expect(back[i]).toBeCloseTo(g[i] - mean, 9);
  });
});

describe('transport map of a potential: S = Id − τ∇u, det(I − τD²u)', () => {
  it('is exact for a quadratic potential up to the walls, and push conserves mass exactly', () => {
    for (const grid of [new Grid([14, 17], [[-1, 1], [-2, 2]]), new Grid([9], [[-1, 1]]), new Grid([6, 7, 5], [[-1, 1], [-1, 1], [-2, 2]])]) {
      const tau = 0.05, a = [2, 3, 1.5];
      // u = Σ a_k x_k²/2: S(z) = ((1 − τa_k) z_k)_k, a contraction towards the centre (stays in the
      // box of cell centres), det = Π(1 − τa_k). The ghost cells are quadratic extrapolations, so the
      // differences are exact at the walls too; the affine density interpolates exactly.
      const u = grid.evaluate((x) => x.reduce((s, v, k) => s + (a[k] * v * v) / 2, 0));
      const rho = grid.evaluate((x) => 3 + x.reduce((s, v, k) => s + v / (k + 1), 0));
      const det = a.slice(0, grid.dim).reduce((p, ak) => p * (1 - tau * ak), 1);
      const want = grid.evaluate((x) => (3 + x.reduce((s, v, k) => s + ((1 - tau * a[k]) * v) / (k + 1), 0)) * det);
      const map = new PotentialMap(grid, tau);
      map.set(u);
      const out = new Float64Array(grid.size);
      map.pullDensity(rho, out);
      for (let i = 0; i < grid.size; i++) expect(out[i]).toBeCloseTo(want[i], 12);
      const r = Float64Array.from({ length: grid.size }, (_, i) => Math.sin(i));
      map.push(r, out);
      expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(r.reduce((s, v) => s + v, 0), 12);
    }
  });
});
