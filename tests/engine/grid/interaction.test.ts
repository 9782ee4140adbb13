import { describe, expect, it } from 'vitest';
import { GridInteraction } from '../../../engine/grid/grid-interaction.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation } from '../../../engine/grid/grid-simulation.ts';

const grid = new Grid([14, 11], [[-1, 1], [-1.5, 0.5]]);
const pts: Float64Array[] = [];
grid.evaluate((x) => (pts.push(x.slice()), 0));
const p = normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-((x - 0.3) ** 2 + (y + 0.4) ** 2) / 0.3) + 0.1), grid);

/** Dense (W * p)_i = Σ_j W(x_i − x_j) p_j, the reference. */
function dense(W: (z2: number) => number): Float64Array {
  return Float64Array.from(pts, (xi) => pts.reduce((s, xj, j) => s + W((xi[0] - xj[0]) ** 2 + (xi[1] - xj[1]) ** 2) * p[j], 0));
}

function maxAbs(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe('grid interaction energy (semi-implicit, W * p without a dense sum)', () => {
  it('Gaussian W * p by separable convolution equals the dense sum', () => {
    const W = GridInteraction.gaussian(grid, -2, 0.4);
    // Truncation drops entries ≤ 1e−12·|A| = 2e−12, on unit mass: absolute error ≤ 2e−12.
    expect(maxAbs(W.potential(p), dense((z2) => -2 * Math.exp(-z2 / (2 * 0.16))))).toBeLessThan(3e-12);
  });

  it('quadratic W * p from moments equals the dense sum', () => {
    const W = GridInteraction.quadratic(grid, 1.5);
    expect(maxAbs(W.potential(p), dense((z2) => 0.75 * z2))).toBeLessThan(1e-13); // round-off of O(1) sums
  });

  it('aggregation W = |z|²/2: centre of mass fixed, spread contracts like (1+τ)^{−2k} plus the blur', () => {
    const g = new Grid([48, 48], [[-3, 3], [-3, 3]]); // wide box: the blob's mass at the walls is ~1e−9
    const m = new GridMeasure(g, normalizedMasses(g.evaluate(([x, y]) => Math.exp(-((x - 0.3) ** 2 + y * y) / (2 * 0.5 ** 2))), g));
    const tau = 0.1, eps = 0.005;
    const sim = gridSimulation({ measure: m, energies: [GridInteraction.quadratic(g, 1)], tau, eps, tol: 1e-11 });
    const xs = g.centres(0);
    const moments = () => {
      let mx = 0, v = 0;
      for (let i = 0; i < m.p.length; i++) mx += xs[Math.floor(i / 48)] * m.p[i];
      for (let i = 0; i < m.p.length; i++) v += (xs[Math.floor(i / 48)] - mx) ** 2 * m.p[i];
      return { mx, v };
    };
    const start = moments();
    let prev = start.v;
    for (let k = 1; k <= 10; k++) {
      sim.advance();
      const { mx, v } = moments();
      // The step is the JKO of V = |x − m|²/2: the centre stays, up to the walls' asymmetric
      // blur on the ~1e−9 of mass near them and the Sinkhorn tol 1e−11 (L1) times |x| ≤ 3.
      expect(Math.abs(mx - start.mx)).toBeLessThan(1e-8);
      expect(v).toBeLessThan(prev);
      // Implicit Euler contracts the variance by (1+τ)^{−2}; the entropic plan adds at most ε per step.
      expect(v).toBeGreaterThan(start.v * (1 + tau) ** (-2 * k));
      expect(v).toBeLessThan(start.v * (1 + tau) ** (-2 * k) + k * eps);
      prev = v;
    }
  });
});
