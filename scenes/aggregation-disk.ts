import {
  Interaction, ParticleMeasure, type InteractionMethodRequest, particleSimulation, Rng, defineScene, gaussianCloud,
  logRepulsionKernel, maxRadius, mean, radialKsToUniformBall, radialW1ToUniformBall, slicedW2ToUniformBall, unitSphereOutline,
} from '../engine/index.ts';
import { dtParam, everyFor, interactionMethodParam, nParam, seedParam, stepsParam } from './common.ts';
import { dominant, pairPass, particleBytes, slicedWork, trials } from './estimate.ts';

/**
 * Attractive–repulsive aggregation in 2D, W(z) = |z|²/2 − log|z|: the equilibrium
 * is the uniform law on the unit disk (docs/design.md §4). Metric radial_ks is the KS
 * distance of the radial CDF to r².
 */
export default defineScene({
  id: 'aggregation-disk',
  title: 'Aggregation to the unit disk (2D)',
  description: 'W(z) = |z|²/2 − log|z|: particles spread into the uniform law on the unit disk.',
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
    dominant({ 'interaction: n² pair sums': 2 * trials(p.backtracking) * pairPass(p.n, 2), 'radial and sliced metrics': slicedWork(p.n, 2, 64) }, particleBytes(p.n, 2)),
  build(p, ctx) {
    const rng = new Rng(p.seed);
    const m = new ParticleMeasure(gaussianCloud(rng, p.n, 2, 0, p.s0), 2);
    return particleSimulation({
      accelerator: ctx.accelerator,
      measure: m,
      energies: [new Interaction(logRepulsionKernel(), { method: p.interaction as InteractionMethodRequest })],
      dt: p.dt,
      seed: p.seed + 1,
      backtracking: p.backtracking,
      bounds: [[-1.2, 1.2], [-1.2, 1.2]],
      mainMetric: 'radial_w1',
      metrics: (mm: ParticleMeasure) => {
        const c = mean(mm);
        return { radial_w1: radialW1ToUniformBall(mm, c), radial_ks: radialKsToUniformBall(mm, c), max_radius: maxRadius(mm, c), sliced_w2_to_ball: slicedW2ToUniformBall(mm, c) };
      },
      reference: () => ({ label: 'unit circle', data: unitSphereOutline(256, 2), shape: [256, 2] }),
    });
  },
});
