/**
 * A synthetic grid scene for the viewer's tests, gallery and benchmark
 * (until the catalogue has grid scenes): the exact Ornstein–Uhlenbeck density on a regular grid in 1, 2 or
 * 3 dimensions, p(x, t) ∝ Π_k N(x_k; m0 e^{−t}, s0² e^{−2t} + 1 − e^{−2t}),
 * as cell masses (Σ p = 1) of shape [grid] · dim over [−4, 4]^dim. Reference:
 * the Gibbs density ∝ e^{−|x|²/2}. Energy: the relative entropy KL(p | Gibbs).
 */
import { Simulation, defineScene } from '../../engine/index.ts';

/** Cell masses of Π_k N(mean, v) on `grid` cells per axis over [−4, 4]^dim (normalised). */
function gaussian(dim: number, grid: number, mean: number, v: number): Float64Array {
  const n = grid ** dim;
  const centre = (i: number) => -4 + ((i + 0.5) * 8) / grid;
  const p = new Float64Array(n);
  let s = 0;
  for (let c = 0; c < n; c++) {
    let e = 0;
    for (let k = 0, r = c; k < dim; k++, r = Math.floor(r / grid)) e += (centre(r % grid) - mean) ** 2;
    p[c] = Math.exp(-e / (2 * v));
    s += p[c];
  }
  for (let c = 0; c < n; c++) p[c] /= s;
  return p;
}

/** The exact OU density: the "scheme" evaluates it at the next step's time; its state counts the steps. */
function exactOuGrid(dim: number, grid: number, m0: number, s0: number, dt: number): Simulation<{ x: Float64Array; k: number }> {
  const density = (t: number) => gaussian(dim, grid, m0 * Math.exp(-t), s0 ** 2 * Math.exp(-2 * t) + 1 - Math.exp(-2 * t));
  const shape = Array(dim).fill(grid);
  const gibbs = gaussian(dim, grid, 0, 1);
  return new Simulation({
    info: { kind: 'grid', dim, shape, bounds: Array.from({ length: dim }, () => [-4, 4] as [number, number]), dt, gradientFlow: true, mainMetric: 'variance' },
    scheme: {
      name: 'exact OU density',
      dt,
      init: (x) => ({ x, k: 0 }),
      step(s) {
        s.k++;
        s.x.set(density(s.k * dt));
        return { tau: dt };
      },
    },
    x0: density(0),
    energy(s) {
      let kl = 0;
      for (let c = 0; c < gibbs.length; c++) if (s.x[c] > 0) kl += s.x[c] * Math.log(s.x[c] / gibbs[c]);
      return { total: kl, terms: { kl } };
    },
    metrics: (_s, t) => ({ variance: s0 ** 2 * Math.exp(-2 * t) + 1 - Math.exp(-2 * t) }),
    reference: () => ({ label: 'Gibbs density', data: gibbs, shape }),
  });
}

export default defineScene({
  id: 'synthetic-grid',
  title: 'Synthetic grid: exact OU density',
  description: 'Exact Ornstein–Uhlenbeck density on a grid (viewer test stream).',
  params: {
    dim: { type: 'integer', default: 2, min: 1, max: 3, description: 'grid dimension' },
    grid: { type: 'integer', default: 48, min: 4, max: 512, description: 'cells per axis' },
    dt: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 100000, min: 0, max: 1e9, description: 'number of time steps' },
    m0: { type: 'number', default: 1.5, description: 'initial mean along every axis' },
    s0: { type: 'number', default: 0.5, min: 0, minExclusive: true, description: 'initial standard deviation' },
  },
  build: (p) => exactOuGrid(p.dim, p.grid, p.m0, p.s0, p.dt),
});
