import { describe, expect, it } from 'vitest';
import { PorousMedium } from '../../../engine/grid/grid-energy.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation } from '../../../engine/grid/grid-simulation.ts';
import { barenblatt, l1Distance } from '../../../engine/grid/references.ts';

/**
 * ∂ρ = Δρ² in 1D on [−1, 1] from the Barenblatt profile at t0 = 0.01 (support
 * radius 0.42) to t0 + 0.04 (radius 0.63), with τ = 0.002 and ε = h²: the entropic
 * blur (extra diffusion ≈ ε/(2τ) = h²/(2τ)) and the grid error both vanish as h → 0.
 */
function l1Error(n: number): number {
  const grid = new Grid([n], [[-1, 1]]);
  const h = 2 / n;
  const exact = barenblatt(2, 1);
  const at = (t: number) => normalizedMasses(grid.evaluate(([x]) => exact(t, x * x)), grid);
  const m = new GridMeasure(grid, at(0.01));
  const sim = gridSimulation({ measure: m, energies: [new PorousMedium(2)], tau: 0.002, eps: h * h, tol: 1e-10 });
  for (let k = 0; k < 20; k++) sim.advance();
  return l1Distance(m.p, at(0.01 + 20 * 0.002));
}

describe('entropic JKO: porous medium from a Barenblatt profile', () => {
  it('Barenblatt profile has unit mass and the self-similar scaling', () => {
    const b = barenblatt(2, 2);
    // Radial quadrature of ∫ρ(t, x) dx in 2D at two times: mass 1 (to the 1e−6 of a 20000-point midpoint rule).
    for (const t of [0.01, 1]) {
      let mass = 0;
      const N = 4000, R = 5;
      for (let i = 0; i < N; i++) {
        const r = ((i + 0.5) / N) * R;
        mass += b(t, r * r) * 2 * Math.PI * r * (R / N);
      }
      expect(mass).toBeCloseTo(1, 5);
    }
    // ρ(t, 0) ∝ t^{−α}, α = d/(d(m−1)+2) = 1/2 in 2D.
    expect(b(4, 0) / b(1, 0)).toBeCloseTo(0.5, 12);
  });

  it('L1 error to the exact Barenblatt solution decreases under grid refinement', () => {
    const errs = [25, 50, 100].map(l1Error);
    expect(errs[1]).toBeLessThan(0.7 * errs[0]);
    expect(errs[2]).toBeLessThan(0.7 * errs[1]);
    expect(errs[2]).toBeLessThan(0.05);
  });
});
