/**
 * An example user scene (README, "Write your own scene"): a swarm under a ring
 * potential V(x) = (|x| − R)²/2 with Morse-type attraction–repulsion between
 * particles, F(μ) = ∫V dμ + ½∫∫W(x − y) dμ(x) dμ(y). Watch it with
 *     wgf view viewer/examples/ring-swarm.ts
 * In a scene file outside this repository, import from 'wgflow' instead (wgf
 * resolves it to the engine).
 */
import { defineScene, gaussianCloud, Interaction, morseKernel, ParticleMeasure, particleSimulation, Potential, Rng } from '../../engine/index.ts';

export default defineScene({
  id: 'ring-swarm',
  title: 'Swarm on a ring',
  description: 'Ring potential plus Morse attraction–repulsion: particles spread around a circle of radius R.',
  params: {
    n: { type: 'integer', default: 400, min: 2, max: 20000, description: 'number of particles' },
    radius: { type: 'number', default: 1.5, min: 0, minExclusive: true, max: 10, description: 'ring radius R' },
    dt: { type: 'number', default: 0.02, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 1000, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build(p) {
    const ring = {
      value: (x: Float64Array, o: number) => 0.5 * (Math.hypot(x[o], x[o + 1]) - p.radius) ** 2,
      gradient(x: Float64Array, o: number, _d: number, g: Float64Array, go: number) {
        const r = Math.max(Math.hypot(x[o], x[o + 1]), 1e-12);
        g[go] = ((r - p.radius) * x[o]) / r;
        g[go + 1] = ((r - p.radius) * x[o + 1]) / r;
      },
    };
    const measure = new ParticleMeasure(gaussianCloud(new Rng(p.seed), p.n, 2, 0, 0.3), 2);
    return particleSimulation({
      measure,
      energies: [new Potential(ring), new Interaction(morseKernel(1, 2, 1.2, 0.3))],
      dt: p.dt,
      seed: p.seed + 1,
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
