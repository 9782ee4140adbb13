import { defineScene, jkoParams, klDivergence } from '../engine/index.ts';
import { everyFor } from './common.ts';
import { jkoEstimate } from './estimate.ts';
import { gibbsGridSimulation } from './gibbs-grid.ts';

/**
 * Ornstein–Uhlenbeck on a 3D grid by entropic JKO steps: F(ρ) = ∫ |x|²/2 ρ + T ∫ ρ log ρ
 * on [−3, 3]³. From a Gaussian blob at (x0, 0, 0) the exact law is
 * N(x0 e^{−t} e₁, (s0² e^{−2t} + T(1 − e^{−2t})) I) (docs/design.md §4); the scheme follows it
 * up to O(τ) and relaxes to the Gibbs law N(0, T I) with the entropic blur ≈ ε/(2τ)
 * added to the variance. Metrics: KL to Gibbs, mean and variance along x vs exact.
 */
export default defineScene({
  id: 'grid-diffusion-3d',
  title: 'Grid Fokker–Planck in 3D (Ornstein–Uhlenbeck)',
  description: 'A Gaussian blob on a 3D grid relaxes to the Gibbs law N(0, T·I) by entropic JKO steps; exact OU mean and variance as reference metrics.',
  params: {
    ...jkoParams({ grid: 24, dt: 0.1, steps: 40, eps: 0.0156, maxGrid: 4096 }),
    temperature: { type: 'number', default: 1, min: 0, minExclusive: true, max: 10, description: 'temperature T' },
    x0: { type: 'number', default: 1.5, min: -2.5, max: 2.5, description: 'initial blob centre along x' },
    s0: { type: 'number', default: 0.4, min: 0.1, max: 2, description: 'initial blob standard deviation' },
  },
  every: everyFor,
  estimate: (p) => jkoEstimate(p, 3, 6),
  build(p, ctx) {
    const n = p.grid;
    return gibbsGridSimulation(p, ctx, {
      shape: [n, n, n],
      bounds: [[-3, 3], [-3, 3], [-3, 3]],
      V: ([x, y, z]) => 0.5 * (x * x + y * y + z * z),
      temperature: p.temperature,
      initial: ([x, y, z]) => Math.exp(-((x - p.x0) ** 2 + y * y + z * z) / (2 * p.s0 * p.s0)),
      label: 'Gibbs law N(0, T I) (cell masses)',
      metrics: (grid, gibbs) => {
        const xs = grid.centres(0);
        const plane = n * n;
        return (m, t) => {
          let mx = 0, vx = 0;
          for (let i = 0; i < m.p.length; i++) mx += xs[Math.floor(i / plane)] * m.p[i];
          for (let i = 0; i < m.p.length; i++) vx += (xs[Math.floor(i / plane)] - mx) ** 2 * m.p[i];
          const e2 = Math.exp(-2 * t);
          return {
            kl_to_gibbs: klDivergence(m.p, gibbs),
            mean_x: mx,
            exact_mean_x: p.x0 * Math.exp(-t),
            variance_x: vx,
            exact_variance_x: p.s0 * p.s0 * e2 + p.temperature * (1 - e2),
          };
        };
      },
    });
  },
});
