import {
  Grid, GridMeasure, gridSimulation, PorousMedium, barenblatt, checkGridMemory, defineScene, jkoOptions, jkoParams,
  l1Distance, normalizedMasses,
} from '../engine/index.ts';
import { everyFor } from './common.ts';
import { jkoEstimate } from './estimate.ts';

/**
 * Porous medium equation ∂ρ = Δρ^m as the Wasserstein gradient flow of
 * F(ρ) = ∫ ρ^m/(m − 1) (Otto 2001), by entropic JKO steps on a 2D grid. Started from
 * the Barenblatt profile at time t0 it stays Barenblatt (self-similar, support radius
 * ∝ t^{1/(d(m−1)+2)}); the metric l1_to_barenblatt is Σ|p − p_exact(t0 + t)| in
 * cell masses.
 */
export default defineScene({
  id: 'porous-medium',
  title: 'Porous medium (Barenblatt)',
  description: 'Porous medium flow F = ∫ρ^m/(m−1) on a 2D grid from a Barenblatt profile; L1 distance to the exact Barenblatt solution as reference metric.',
  params: {
    ...jkoParams({ grid: 96, dt: 5e-4, steps: 100, eps: 1e-4 }),
    m: { type: 'number', default: 2, min: 1, minExclusive: true, max: 5, description: 'exponent m of ∫ρ^m/(m−1)' },
    t0: { type: 'number', default: 2e-3, min: 0, minExclusive: true, max: 10, description: 'Barenblatt time of the initial profile' },
  },
  every: everyFor,
  estimate: (p) => jkoEstimate(p, 2, 2),
  build(p, ctx) {
    checkGridMemory([p.grid, p.grid]);
    const grid = new Grid([p.grid, p.grid], [[-1, 1], [-1, 1]]);
    const exact = barenblatt(p.m, 2);
    const at = (t: number) => normalizedMasses(grid.evaluate(([x, y]) => exact(t, x * x + y * y)), grid, undefined, `Barenblatt profile at t=${t}`);
    const measure = new GridMeasure(grid, at(p.t0));
    const tEnd = p.t0 + p.steps * p.dt;
    return gridSimulation({
      accelerator: ctx.accelerator,
      ...jkoOptions(p),
      measure,
      energies: [new PorousMedium(p.m)],
      mainMetric: 'l1_to_barenblatt',
      metrics: (mm: GridMeasure, t: number) => ({ l1_to_barenblatt: l1Distance(mm.p, at(p.t0 + t)), max_density: mm.maxDensity(), exact_max_density: exact(p.t0 + t, 0) }),
      reference: () => ({ label: `Barenblatt at t0 + steps·dt = ${tEnd.toPrecision(3)} (cell masses)`, data: at(tEnd), shape: [p.grid, p.grid] }),
    });
  },
});
