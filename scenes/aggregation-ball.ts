import {
  Interaction, ParticleMeasure, type InteractionMethodRequest, particleSimulation, Rng, defineScene, gaussianCloud,
  maxRadius, mean, newtonRepulsionKernel, radialKsToUniformBall, radialW1ToUniformBall, slicedW2ToUniformBall, unitSphereOutline,
} from '../engine/index.ts';
import { dtParam, everyFor, interactionMethodParam, nParam, seedParam, stepsParam } from './common.ts';
import { dominant, pairPass, particleBytes, slicedWork, trials } from './estimate.ts';

/**
 * Attractive–repulsive aggregation in 3D, W(z) = |z|²/2 + 1/|z|: the equilibrium
 * is the uniform law on the unit ball (docs/design.md §4). Metric radial_ks is the KS
 * distance of the radial CDF to r³.
 */
export default defineScene({
  id: 'aggregation-ball',
  title: 'Aggregation to the unit ball (3D)',
  description: 'W(z) = |z|²/2 + 1/|z|: particles fill the uniform law on the unit ball.',
  params: {
    n: nParam(2000),
    dt: dtParam(0.02),
    steps: stepsParam(500),
    seed: seedParam,
    s0: { type: 'number', default: 0.3, min: 0, minExclusive: true, description: 'initial standard deviation' },
    backtracking: { type: 'boolean', default: false, description: 'Armijo backtracking on energy increase' },
    interaction: interactionMethodParam,
  },
  every: everyFor,
  // Interaction: velocity and energy, one pair pass each; radial CDFs sort the radii, the sliced metric projects.
  estimate: (p) =>
    dominant({ 'interaction: n² pair sums': 2 * trials(p.backtracking) * pairPass(p.n, 3), 'radial and sliced metrics': slicedWork(p.n, 3, 64) }, particleBytes(p.n, 3)),
  build(p, ctx) {
    const rng = new Rng(p.seed);
    const m = new ParticleMeasure(gaussianCloud(rng, p.n, 3, 0, p.s0), 3);
    return particleSimulation({
      accelerator: ctx.accelerator,
      measure: m,
      energies: [new Interaction(newtonRepulsionKernel(), { method: p.interaction as InteractionMethodRequest })],
      dt: p.dt,
      seed: p.seed + 1,
      backtracking: p.backtracking,
      bounds: [[-1.2, 1.2], [-1.2, 1.2], [-1.2, 1.2]],
      mainMetric: 'radial_w1',
      metrics: (mm: ParticleMeasure) => {
        const c = mean(mm);
        return { radial_w1: radialW1ToUniformBall(mm, c), radial_ks: radialKsToUniformBall(mm, c), max_radius: maxRadius(mm, c), sliced_w2_to_ball: slicedW2ToUniformBall(mm, c) };
      },
      reference: () => ({ label: 'unit sphere', data: unitSphereOutline(400, 3), shape: [400, 3] }),
    });
  },
});
