import {
  Interaction, ParticleMeasure, type InteractionMethodRequest, particleSimulation, Rng, defineScene, gaussianCloud,
  logRepulsionKernel, maxRadius, mean, newtonRepulsionKernel, radialKsToUniformBall, radialW1ToUniformBall, slicedW2ToUniformBall, unitSphereOutline,
} from '../engine/index.ts';
import { dtParam, everyFor, interactionMethodParam, metricsEveryRecords, nParam, seedParam, stepsParam } from './common.ts';
import { dominant, interactionCost, particleBytes, slicedWork, sortHintBytes, trials } from './estimate.ts';

/** What differs between the family's members: the repulsion's kernel and the names. */
const MEMBERS = {
  2: {
    id: 'aggregation-disk',
    title: 'Aggregation to the unit disk (2D)',
    description: 'W(z) = |z|²/2 − log|z|: particles spread into the uniform law on the unit disk.',
    kernel: logRepulsionKernel,
    outline: { label: 'unit circle', points: 256 },
  },
  3: {
    id: 'aggregation-ball',
    title: 'Aggregation to the unit ball (3D)',
    description: 'W(z) = |z|²/2 + 1/|z|: particles fill the uniform law on the unit ball.',
    kernel: newtonRepulsionKernel,
    outline: { label: 'unit sphere', points: 400 },
  },
} as const;

/**
 * Attractive–repulsive aggregation in d = 2 or 3 dimensions, W(z) = |z|²/2 + the
 * Newtonian repulsion (−log|z| in 2D, 1/|z| in 3D): the equilibrium is the uniform law on
 * the unit ball (docs/design.md §4). Metric radial_ks is the KS distance of the radial CDF
 * to r^d. One factory for the catalogue's aggregation-disk (d = 2) and aggregation-ball (d = 3).
 */
export function aggregation(d: 2 | 3) {
  const m = MEMBERS[d];
  return defineScene({
    id: m.id,
    title: m.title,
    description: m.description,
    params: {
      n: nParam(2000),
      dt: dtParam(0.02),
      steps: stepsParam(500),
      seed: seedParam,
      s0: { type: 'number', default: 0.3, min: 0, minExclusive: true, description: 'initial standard deviation' },
      backtracking: { type: 'boolean', default: false, description: 'Armijo backtracking on energy increase' },
      interaction: interactionMethodParam,
    },
    // What recording costs at n = 2000 (2-core machine, CPU profiles of aggregation-disk,
    // 2026-12-02/03): a record's kernel (velocity and energy lanes in one pass, the velocity then
    // the next step's) ~9 ms against 4.7 ms for a velocity pass — the logarithmic W's running
    // product renormalized at every pair doubles the pass —, the radial and 64-direction sliced
    // metrics ~12 ms: ~50 records per run and the metrics at every 10th keep recording near 8%
    // of a run (at every 5th: 11.5%, median of 10 pairs of processes, docs/benchmarks.md). Since
    // the record kernel takes two partners per loop trip (kernel-sources.ts logRecordSource) it
    // costs ~1.2 velocity passes of the one-partner loop (bench/record-kernel.ts), not ~1.7; the
    // velocity kernel now takes two partners per trip as well (~0.72 of its former pass, same
    // bits), so a record reads ~1.6 of today's velocity passes at the same absolute cost.
    every: (p) => everyFor(p, 50),
    metricsEvery: metricsEveryRecords(10),
    // Interaction: velocity and energy, one pass each (n² pairs, or the mesh and its neighbours: the method
    // `interaction` resolves to); radial CDFs sort the radii, the sliced metric projects.
    estimate: (p) => {
      const W = interactionCost(m.kernel(), p.interaction as InteractionMethodRequest, p.n, d);
      return dominant(
        { [`interaction: ${W.method === 'direct' ? 'n² pair sums' : `${W.method} (mesh and neighbours)`}`]: 2 * trials(p.backtracking) * W.pass, 'radial and sliced metrics': slicedWork(p.n, d, 64) },
        particleBytes(p.n, d) + sortHintBytes(p.n, 32) + W.bytes,
      );
    },
    build(p, ctx) {
      const rng = new Rng(p.seed);
      const measure = new ParticleMeasure(gaussianCloud(rng, p.n, d, 0, p.s0), d);
      return particleSimulation({
        accelerator: ctx.accelerator,
        measure,
        energies: [new Interaction(m.kernel(), { method: p.interaction as InteractionMethodRequest })],
        dt: p.dt,
        seed: p.seed + 1,
        backtracking: p.backtracking,
        bounds: Array.from({ length: d }, (): [number, number] => [-1.2, 1.2]),
        mainMetric: 'radial_w1',
        metrics: (mm: ParticleMeasure) => {
          const c = mean(mm);
          return { radial_w1: radialW1ToUniformBall(mm, c), radial_ks: radialKsToUniformBall(mm, c), max_radius: maxRadius(mm, c), sliced_w2_to_ball: slicedW2ToUniformBall(mm, c) };
        },
        reference: () => ({ label: m.outline.label, data: unitSphereOutline(m.outline.points, d), shape: [m.outline.points, d] }),
      });
    },
  });
}

/** The catalogue's members. */
export const aggregationDisk = aggregation(2);
export const aggregationBall = aggregation(3);
