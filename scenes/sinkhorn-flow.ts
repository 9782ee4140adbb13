import {
  ParticleMeasure, Rng, SinkhornDivergenceEnergy, defineScene, gaussianCloud, particleSimulation, slicedWassersteinPower,
} from '../engine/index.ts';
import { dtParam, everyFor, metricsEveryRecords, nParam, seedParam, stepsParam } from './common.ts';
import { NOMINAL_ITERATIONS, dominant, particleBytes, slicedWork, sortHintBytes, trials } from './estimate.ts';

const TARGETS = ['ring', 'moons', 'heart'] as const;

/** m points of the target shape in 2D (seeded): all fit in [−1.8, 1.8]². */
export function targetCloud(shape: string, m: number, rng: Rng): Float64Array {
  const y = new Float64Array(2 * m);
  for (let j = 0; j < m; j++) {
    let a: number, b: number;
    if (shape === 'ring') {
      // Unit circle with a radial jitter of 0.05.
      const th = 2 * Math.PI * rng.uniform();
      const r = 1 + 0.05 * rng.normal();
      [a, b] = [r * Math.cos(th), r * Math.sin(th)];
    } else if (shape === 'moons') {
      // Two interleaved half circles (the classic two-moons set), centred, noise 0.06.
      const th = Math.PI * rng.uniform();
      [a, b] = j % 2 === 0 ? [Math.cos(th) - 0.5, Math.sin(th) - 0.25] : [0.5 - Math.cos(th), 0.25 - Math.sin(th)];
      a += 0.06 * rng.normal();
      b += 0.06 * rng.normal();
    } else {
      // Uniform inside the heart curve (x² + y² − 1)³ ≤ x² y³, by rejection from its box.
      do {
        a = 2.4 * rng.uniform() - 1.2;
        b = 2.6 * rng.uniform() - 1.3;
      } while ((a * a + b * b - 1) ** 3 > a * a * b ** 3);
    }
    y[2 * j] = a;
    y[2 * j + 1] = b;
  }
  return y;
}

/**
 * Particles flow by forward Wasserstein gradient descent on F(μ) = S_ε(μ, ν), the
 * Sinkhorn divergence to a target cloud ν (docs/design.md §1.1, §2; Feydy et al. 2019): a blob
 * at the origin spreads into a ring, two moons or a heart. S_ε decreases to ~0; the
 * sliced W2 to the target (64 seeded directions) is recorded at every 5th record.
 */
export default defineScene({
  id: 'sinkhorn-flow',
  title: 'Sinkhorn-divergence flow to a target cloud (2D)',
  description: 'Forward WGD on S_ε(μ, ν): a Gaussian blob flows onto a ring, two moons or a heart.',
  params: {
    n: nParam(500, 20000),
    m: { type: 'integer', default: 500, min: 1, max: 20000, description: 'number of target points' },
    target: { type: 'choice', default: 'ring', values: TARGETS, description: 'target shape' },
    eps: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 10, description: 'entropic regularization ε of S_ε (cost |x−y|²/2)' },
    dt: dtParam(0.5, 1),
    steps: stepsParam(100),
    seed: seedParam,
    s0: { type: 'number', default: 0.2, min: 0, minExclusive: true, description: 'standard deviation of the initial blob' },
    backtracking: { type: 'boolean', default: false, description: 'Armijo backtracking on energy increase' },
  },
  every: everyFor,
  // The sliced metric (64 directions, n + m points sorted each) and its garbage cost ~1.5 ms a
  // record, ~5% of a default run when in every record (CPU profiles, 2026-12-03; the divergence's
  // value is the step's own solve): every 5th record.
  metricsEvery: metricsEveryRecords(5),
  // One divergence solve per step (the record's value is the next step's solve): OT(μ,ν), OT(μ,μ), OT(ν,ν),
  // two softmins of n·m, n², m² cost evaluations per Sinkhorn iteration; costs on the fly, O(n + m) memory.
  estimate: (p) =>
    dominant(
      {
        [`Sinkhorn divergence: (n·m + n² + m²) costs × 2 softmins × ${NOMINAL_ITERATIONS} iterations`]: trials(p.backtracking) * NOMINAL_ITERATIONS * 2 * (p.n * p.m + p.n * p.n + p.m * p.m) * 6,
        'sliced W2 metric (64 directions)': slicedWork(p.n + p.m, 2, 64),
      },
      particleBytes(p.n, 2) + particleBytes(p.m, 2) + sortHintBytes(p.n + p.m, 64),
      'points and potentials [n + m], costs computed on the fly',
    ),
  build(p, ctx) {
    const rng = new Rng(p.seed);
    const target = targetCloud(p.target, p.m, rng);
    const measure = new ParticleMeasure(gaussianCloud(rng, p.n, 2, 0, p.s0), 2);
    const divergence = new SinkhornDivergenceEnergy({ target, eps: p.eps, d: 2 });
    // The divergence's warm starts are part of the scheme's state (its saveState/loadState),
    // so a checkpoint restores the same Sinkhorn solves bit for bit.
    return particleSimulation({
      accelerator: ctx.accelerator,
      measure,
      energies: [divergence],
      dt: p.dt,
      seed: p.seed + 1,
      backtracking: p.backtracking,
      bounds: [[-1.8, 1.8], [-1.8, 1.8]],
      mainMetric: 'sliced_w2',
      metrics: (mu: ParticleMeasure) => ({
        sinkhorn_divergence: divergence.value(mu),
        sliced_w2: Math.sqrt(slicedWassersteinPower(mu.x, target, 2, { directions: 64, seed: 7, wx: mu.w })),
      }),
      reference: () => ({ label: `target (${p.target})`, data: target, shape: [p.m, 2] }),
    });
  },
});
