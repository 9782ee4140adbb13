/**
 * A synthetic particle scene for the viewer benchmark: a Gaussian cloud of n
 * particles rotating rigidly about the origin, x ← R(ω τ) x in the (x₁, x₂)
 * plane, O(n) per step, so that streaming and drawing, not the physics, set the
 * frame rate. Energy ½ Σ w_i |x_i|² is conserved (a rotation, not a gradient flow).
 */
import { Simulation, defineScene, gaussianCloud, Rng } from '../../engine/index.ts';

function rotatingCloud(x0: Float64Array, n: number, d: number, omega: number, dt: number): Simulation<{ x: Float64Array; k: number }> {
  const cos = Math.cos(omega * dt);
  const sin = Math.sin(omega * dt);
  return new Simulation({
    info: { kind: 'particles', dim: d, shape: [n, d], bounds: Array.from({ length: d }, () => [-3, 3] as [number, number]), dt, gradientFlow: false },
    scheme: {
      name: 'rigid rotation',
      dt,
      init: (x) => ({ x, k: 0 }),
      step(s) {
        const x = s.x;
        for (let i = 0; i < n; i++) {
          const a = x[i * d], b = x[i * d + 1];
          x[i * d] = cos * a - sin * b;
          x[i * d + 1] = sin * a + cos * b;
        }
        s.k++;
        return { tau: dt };
      },
    },
    x0,
    energy(s) {
      let e = 0;
      for (let i = 0; i < s.x.length; i++) e += s.x[i] ** 2;
      return { total: e / (2 * n), terms: { potential: e / (2 * n) } };
    },
    metrics: (s) => ({ angle: Math.atan2(sin, cos) * s.k }),
  });
}

export default defineScene({
  id: 'rotating-cloud',
  title: 'Synthetic rotating cloud',
  description: 'A rigidly rotating Gaussian cloud, O(n) per step (viewer benchmark stream).',
  params: {
    n: { type: 'integer', default: 10000, min: 1, max: 10_000_000, description: 'number of particles' },
    d: { type: 'integer', default: 2, min: 2, max: 3, description: 'dimension' },
    omega: { type: 'number', default: 1, description: 'angular velocity ω' },
    dt: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 1e9, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build: (p) => rotatingCloud(gaussianCloud(new Rng(p.seed), p.n, p.d, 0, 1), p.n, p.d, p.omega, p.dt),
});
