import { defineScene, jkoParams, klDivergence } from '../engine/index.ts';
import { everyFor } from './common.ts';
import { jkoEstimate } from './estimate.ts';
import { gibbsGridSimulation } from './gibbs-grid.ts';

/**
 * Fokker–Planck on a 2D grid by entropic JKO steps (Peyré 2015):
 * F(ρ) = ∫ V ρ + T ∫ ρ log ρ = T·KL(ρ | e^{−V/T}/Z) + const, with the double well
 * V(x, y) = (x² − 1)² + y²/2 on [−2, 2]². A blob on the barrier splits into the
 * two wells and converges to the Gibbs law ∝ e^{−V/T}: KL to it decreases to the
 * entropic-blur floor (the scheme's fixed point carries an extra variance ≈ ε/(2τ)).
 */
export default defineScene({
  id: 'grid-fokker-planck',
  title: 'Grid Fokker–Planck (double well)',
  description: 'A density on a 2D grid relaxes by entropic JKO steps to the Gibbs law of a double well; KL to Gibbs as reference metric.',
  params: {
    ...jkoParams({ grid: 96, dt: 0.02, steps: 150, eps: 1e-3 }),
    temperature: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 100, description: 'temperature T' },
    x0: { type: 'number', default: 0.1, min: -2, max: 2, description: 'initial blob centre, x' },
    y0: { type: 'number', default: 1, min: -2, max: 2, description: 'initial blob centre, y' },
    s0: { type: 'number', default: 0.3, min: 0.05, max: 2, description: 'initial blob standard deviation' },
  },
  every: everyFor,
  estimate: (p) => jkoEstimate(p, 2, 4),
  build(p, ctx) {
    return gibbsGridSimulation(p, ctx, {
      shape: [p.grid, p.grid],
      bounds: [[-2, 2], [-2, 2]],
      V: ([x, y]) => (x * x - 1) ** 2 + 0.5 * y * y,
      temperature: p.temperature,
      initial: ([x, y]) => Math.exp(-((x - p.x0) ** 2 + (y - p.y0) ** 2) / (2 * p.s0 * p.s0)),
      label: 'Gibbs law e^{−V/T}/Z (cell masses)',
      metrics: (grid, gibbs) => {
        const xs = grid.centres(0);
        return (m) => {
          let right = 0;
          for (let i = 0; i < m.p.length; i++) if (xs[Math.floor(i / p.grid)] > 0) right += m.p[i];
          return { kl_to_gibbs: klDivergence(m.p, gibbs), mass_right_well: right, max_density: m.maxDensity() };
        };
      },
    });
  },
});
