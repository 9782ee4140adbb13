/**
 * A flock from the Morse interaction (D'Orsogna, Chuang, Bertozzi & Chayes 2006):
 * birds scattered over an 8×8 field attract each other at long range and repel at short
 * range, F(μ) = ½∫∫ W(x − y) dμ(x) dμ(y) with W(r) = C_r e^{−r/ℓ_r} − C_a e^{−r/ℓ_a}.
 * Within the default 300 steps the cloud gathers into one round flock of evenly spaced
 * birds: the rms distance to the centre falls from 3.2 to about 1.3 and stays there
 * (tests/examples.test.ts checks it).
 *
 *     wgf run examples/morse-flock.ts          # a run directory under runs/
 *     wgf view examples/morse-flock.ts         # watch it in the browser
 *
 * Copy this file anywhere: `wgf` resolves the import 'wgflow' to its engine.
 */
import {
  defineScene, Interaction, maxRadius, mean, morseKernel, ParticleMeasure, particleSimulation, Rng, spread, uniformBox,
} from 'wgflow';

export default defineScene({
  id: 'morse-flock',
  title: 'Morse flock',
  description: 'Scattered particles under Morse attraction–repulsion gather into one evenly spaced flock.',
  params: {
    n: { type: 'integer', default: 400, min: 2, max: 100000, description: 'number of birds' },
    attraction: { type: 'number', default: 2, min: 0, minExclusive: true, max: 100, description: 'attraction length ℓ_a' },
    repulsion: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 100, description: 'repulsion length ℓ_r' },
    dt: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 10, description: 'time step τ' },
    steps: { type: 'integer', default: 300, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build: (p, ctx) =>
    particleSimulation({
      // n points uniform in [−4, 4]², weights 1/n.
      measure: new ParticleMeasure(uniformBox(new Rng(p.seed), p.n, 2, -4, 4), 2),
      // morseKernel(C_a, ℓ_a, C_r, ℓ_r): repulsion twice as strong as attraction, four times shorter.
      energies: [new Interaction(morseKernel(1, p.attraction, 2, p.repulsion))],
      dt: p.dt,
      seed: p.seed + 1,
      // Where the pair loops run (--backend): wgf decides, the simulation binds its energies to it.
      accelerator: ctx.accelerator,
      bounds: [[-4, 4], [-4, 4]],
      mainMetric: 'rms_radius',
      metrics: (m) => ({ rms_radius: Math.sqrt(spread(m)), flock_radius: maxRadius(m, mean(m)) }),
    }),
});
