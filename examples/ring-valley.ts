/**
 * Diffusion in a ring-shaped valley on a 2D grid, by entropic JKO steps (Peyré 2015):
 * F(ρ) = ∫ V ρ + T ∫ ρ log ρ with V(x) = k(|x| − 1)², whose gradient flow is the
 * Fokker–Planck equation ∂ρ = ∇·(ρ∇V) + TΔρ. A blob released at (1, 0) runs round the
 * ring both ways: the mass on the far side (x < 0) rises from 0 to nearly its Gibbs
 * value ½ within the default steps, while the total mass stays 1 to round-off
 * (tests/examples.test.ts checks both).
 *
 *     wgf run examples/ring-valley.ts
 *     wgf view examples/ring-valley.ts
 */
import { defineScene, Grid, GridEntropy, GridMeasure, GridPotential, gridSimulation, jkoOptions, jkoParams, klDivergence, normalizedMasses } from 'wgflow';

export default defineScene({
  id: 'ring-valley',
  title: 'Diffusion round a ring valley',
  description: 'A blob on a ring-shaped valley spreads round it by entropic JKO steps towards the Gibbs law.',
  params: {
    // grid, dt, steps, eps, tol, form, truncation, scheme, exact_tol, exact_max_iter, seed:
    // the grid scenes' common parameters (scheme=exact: the unregularized JKO step).
    // ε = 2e−3 ≈ h²/2 for 64 cells over [−2, 2] (scale it with h² when you change grid).
    ...jkoParams({ grid: 64, dt: 0.05, steps: 100, eps: 2e-3 }),
    k: { type: 'number', default: 4, min: 0, max: 100, description: 'valley stiffness k' },
    temperature: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 100, description: 'temperature T' },
  },
  build(p, ctx) {
    const grid = new Grid([p.grid, p.grid], [[-2, 2], [-2, 2]]);
    // grid.evaluate samples a function at every cell centre, row-major [grid, grid].
    const V = grid.evaluate(([x, y]) => p.k * (Math.hypot(x, y) - 1) ** 2);
    const blob = grid.evaluate(([x, y]) => Math.exp(-((x - 1) ** 2 + y ** 2) / (2 * 0.2 ** 2)));
    // normalizedMasses checks a density (finite, ≥ 0, right length) and scales it to total mass 1.
    const measure = new GridMeasure(grid, normalizedMasses(blob, grid));
    const gibbs = normalizedMasses(V.map((v) => Math.exp(-v / p.temperature)), grid, undefined, 'Gibbs density');
    const xs = grid.centres(0);
    return gridSimulation({
      ...jkoOptions(p), // tau = dt, eps, tol, form, truncation, scheme and its tolerances
      measure,
      accelerator: ctx.accelerator, // where the Gibbs kernel's passes run (--backend)
      energies: [new GridPotential(V), new GridEntropy(p.temperature)],
      mainMetric: 'mass_far_side',
      metrics: (m) => {
        let far = 0;
        for (let i = 0; i < m.p.length; i++) if (xs[Math.floor(i / p.grid)] < 0) far += m.p[i];
        return { mass_far_side: far, kl_to_gibbs: klDivergence(m.p, gibbs) };
      },
      reference: () => ({ label: 'Gibbs law e^{−V/T}/Z', data: gibbs, shape: [p.grid, p.grid] }),
    });
  },
});
