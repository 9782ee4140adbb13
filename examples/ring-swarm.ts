/**
 * A swarm on a ring: a ring-shaped potential V(x) = (|x| − R)²/2 plus Morse
 * attraction–repulsion between particles, F(μ) = ∫V dμ + ½∫∫W(x − y) dμ(x) dμ(y).
 * A blob at the origin (std 0.3) spreads onto the circle of radius R: the mean radius
 * rises from about 0.4 to about R (a little inside it: the Morse repulsion), and the
 * energy decreases at every recorded step (tests/examples.test.ts).
 *
 *     wgf view examples/ring-swarm.ts
 *
 * V is given by its value only: `Potential` takes ∇V by central differences.
 */
import { defineScene, gaussianCloud, Interaction, morseKernel, ParticleMeasure, particleSimulation, Potential, Rng, type PotentialFunction } from 'wgflow';

export default defineScene({
  id: 'ring-swarm',
  title: 'Swarm on a ring',
  description: 'Ring potential plus Morse attraction–repulsion: particles spread around a circle of radius R.',
  params: {
    n: { type: 'integer', default: 400, min: 2, max: 20000, description: 'number of particles' },
    radius: { type: 'number', default: 1.5, min: 0, minExclusive: true, max: 10, description: 'ring radius R' },
    dt: { type: 'number', default: 0.05, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 400, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build(p, ctx) {
    // V(x) = (|x| − R)²/2 at the point x[o], x[o+1] of the flat positions array.
    const ring: PotentialFunction = { value: (x, o) => 0.5 * (Math.hypot(x[o], x[o + 1]) - p.radius) ** 2 };
    const measure = new ParticleMeasure(gaussianCloud(new Rng(p.seed), p.n, 2, 0, 0.3), 2);
    return particleSimulation({
      measure,
      energies: [new Potential(ring), new Interaction(morseKernel(1, 2, 1.2, 0.3))],
      dt: p.dt,
      seed: p.seed + 1,
      accelerator: ctx.accelerator, // where the pair loops run (--backend)
      bounds: [[-2.5, 2.5], [-2.5, 2.5]],
      mainMetric: 'mean_radius',
      metrics: (m) => {
        let s = 0;
        for (let i = 0; i < m.n; i++) s += m.w[i] * Math.hypot(m.x[2 * i], m.x[2 * i + 1]);
        return { mean_radius: s };
      },
    });
  },
});
