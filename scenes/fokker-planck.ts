import {
  BlobEntropy, ParticleMeasure, particleSimulation, Potential, Rng,
  covariance, defineScene, gaussianCloud, gaussianW2Squared, mean, quadraticPotential, slicedWassersteinPower,
} from '../engine/index.ts';
import { dtParam, everyFor, nParam, seedParam, stepsParam } from './common.ts';

/**
 * Ornstein–Uhlenbeck: F(μ) = ∫|x|²/2 dμ + σ∫ρ log ρ. From N(m0·1, s0² I) the exact
 * law is N(m0 e^{−t}, s0² e^{−2t} + σ(1 − e^{−2t}) I) (docs/design.md §4); the metric
 * w2_to_exact is the Bures distance between the particles' mean/covariance and it.
 */
export default defineScene({
  id: 'fokker-planck',
  title: 'Fokker–Planck (Ornstein–Uhlenbeck)',
  description: 'Particles under a quadratic potential and entropy relax to the Gaussian Gibbs law; exact Gaussian solution as reference.',
  params: {
    n: nParam(1000),
    d: { type: 'integer', default: 2, min: 1, max: 10, description: 'dimension' },
    dt: dtParam(0.01),
    steps: stepsParam(400),
    seed: seedParam,
    temperature: { type: 'number', default: 1, min: 0, minExclusive: true, max: 100, description: 'temperature σ' },
    entropy: { type: 'choice', default: 'blob', values: ['blob', 'langevin'], description: 'entropy discretization' },
    delta: { type: 'number', default: 0, min: 0, max: 10, description: 'blob width δ (0: automatic, 0.6 n^(−1/(d+4)))' },
    m0: { type: 'number', default: 2, description: 'initial mean along every axis' },
    s0: { type: 'number', default: 0.5, min: 0, minExclusive: true, description: 'initial standard deviation' },
    backtracking: { type: 'boolean', default: false, description: 'Armijo backtracking on energy increase (blob only)' },
  },
  every: everyFor,
  build(p) {
    const { n, d } = p;
    const sigma = p.temperature;
    const rng = new Rng(p.seed);
    const m = new ParticleMeasure(gaussianCloud(rng, n, d, p.m0, p.s0), d);
    const delta = p.delta > 0 ? p.delta : 0.6 * Math.pow(n, -1 / (d + 4));
    const blob = p.entropy === 'blob' ? [new BlobEntropy(sigma, delta)] : [];
    const exact = (t: number) => {
      const mu = new Float64Array(d).fill(p.m0 * Math.exp(-t));
      const S = new Float64Array(d * d);
      for (let k = 0; k < d; k++) S[k * d + k] = p.s0 ** 2 * Math.exp(-2 * t) + sigma * (1 - Math.exp(-2 * t));
      return { mu, S };
    };
    return particleSimulation({
      measure: m,
      energies: [new Potential(quadraticPotential(1)), ...blob],
      noise: p.entropy === 'langevin' ? { temperature: sigma } : undefined,
      dt: p.dt,
      seed: p.seed + 1,
      backtracking: p.backtracking,
      mainMetric: 'w2_to_exact',
      metrics: (mm: ParticleMeasure, t: number) => {
        const mu = mean(mm);
        const S = covariance(mm, mu);
        const ex = exact(t);
        let me = 0, ce = 0;
        for (let k = 0; k < d; k++) me += (mu[k] - ex.mu[k]) ** 2;
        for (let k = 0; k < d * d; k++) ce += (S[k] - ex.S[k]) ** 2;
        return {
          mean_error: Math.sqrt(me),
          cov_error: Math.sqrt(ce),
          w2_to_exact: Math.sqrt(gaussianW2Squared(mu, S, ex.mu, ex.S, d)),
          // OT core: sliced W2 (32 seeded directions) to n seeded samples of the exact law; includes the ~n^(-1/2) sampling floor.
          sliced_w2_to_exact: Math.sqrt(slicedWassersteinPower(mm.x, gaussianCloud(new Rng(777), n, d, ex.mu[0], Math.sqrt(ex.S[0])), d, { directions: 32, seed: 3 })),
          variance: S[0],
          exact_variance: ex.S[0],
        };
      },
      reference: () => ({ label: 'Gibbs law N(0, σI) samples', data: gaussianCloud(new Rng(12345), 2000, d, 0, Math.sqrt(sigma)), shape: [2000, d] }),
    });
  },
});
