import {
  BlobEntropy, type BlobMethodRequest, KdeEntropy, ParticleMeasure, particleSimulation, Potential, Rng,
  defineScene, doubleWellPotential, gaussianCloud,
} from '../engine/index.ts';
import { dtParam, entropyMethodParam, everyFor, nParam, seedParam, stepsParam } from './common.ts';
import { blobCost, dominant, particleBytes } from './estimate.ts';

/**
 * Relaxation to a bimodal Gibbs law: F(μ) = ∫V dμ + σ∫ρ log ρ = σ KL(μ | e^{−V/σ}/Z) − σ log Z
 * with V(x) = h(x₁² − 1)² + tilt·x₁ + ½Σ_{i>1} x_i². Starting in the left well, mass
 * crosses the barrier (height h) until each well holds its Gibbs mass. log Z and the
 * Gibbs mass of the right well are computed by quadrature (Simpson, 1D along x₁;
 * the other axes are Gaussian).
 */
function gibbsQuadrature(h: number, tilt: number, sigma: number, d: number) {
  const L = 4, N = 8000, dx = (2 * L) / N;
  let z = 0, right = 0;
  for (let i = 0; i <= N; i++) {
    const x = -L + i * dx;
    const wgt = (i === 0 || i === N ? 1 : i % 2 ? 4 : 2) * (dx / 3);
    const f = Math.exp(-(h * (x * x - 1) ** 2 + tilt * x) / sigma) * wgt;
    z += f;
    if (x > 0) right += f;
  }
  return { logZ: Math.log(z) + ((d - 1) / 2) * Math.log(2 * Math.PI * sigma), rightMass: right / z };
}

export default defineScene({
  id: 'double-well',
  title: 'Double well: KL to a bimodal Gibbs law',
  description: 'Entropy + double-well potential: mass leaves the left well until both wells hold their Gibbs mass.',
  params: {
    n: nParam(1000),
    d: { type: 'integer', default: 2, min: 1, max: 3, description: 'dimension' },
    dt: dtParam(0.01),
    steps: stepsParam(2000),
    seed: seedParam,
    temperature: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 100, description: 'temperature σ' },
    height: { type: 'number', default: 1, min: 0, max: 100, description: 'barrier height h' },
    tilt: { type: 'number', default: 0, min: -10, max: 10, description: 'linear tilt along x₁ (0: symmetric wells)' },
    entropy: { type: 'choice', default: 'blob', values: ['blob', 'langevin'], description: 'entropy discretization' },
    entropy_method: entropyMethodParam,
    delta: { type: 'number', default: 0, min: 0, max: 10, description: 'blob width δ (0: automatic)' },
  },
  every: everyFor,
  // Blob entropy: densities and velocity (2 pair passes); the entropy's value (blob or Langevin's KDE) in the
  // energy and in the KL metric, 2 more.
  // Each pass is n² pairs, or the cells or mesh `entropy_method` resolves to (the wells at x₁ = ±1, ±4 standard deviations).
  estimate: (p) => {
    const delta = p.delta > 0 ? p.delta : 0.4 * Math.sqrt(p.temperature) * Math.pow(p.n, -1 / (p.d + 4));
    const B = blobCost(p.n, p.d, delta, 2 + 8 * Math.sqrt(p.temperature), p.entropy_method as BlobMethodRequest);
    return dominant(
      { [`entropy: ${B.method === 'direct' ? 'n² pair sums' : `${B.method} sums`}`]: ((p.entropy === 'blob' ? 2 : 0) + 2) * B.pass, 'potential and noise': 20 * p.n * p.d },
      particleBytes(p.n, p.d) + B.bytes,
    );
  },
  build(p, ctx) {
    const { n, d } = p;
    const sigma = p.temperature;
    const rng = new Rng(p.seed);
    const start = new Array(d).fill(0);
    start[0] = -1;
    const m = new ParticleMeasure(gaussianCloud(rng, n, d, start, 0.15), d);
    const delta = p.delta > 0 ? p.delta : 0.4 * Math.sqrt(sigma) * Math.pow(n, -1 / (d + 4));
    const method = p.entropy_method as BlobMethodRequest;
    const blob = p.entropy === 'blob' ? new BlobEntropy(sigma, delta, { method }) : null;
    const kde = new KdeEntropy(sigma, { method });
    const entropyValue = (mm: ParticleMeasure) => (blob ? blob.value(mm) : kde.value(mm));
    const potential = new Potential(doubleWellPotential(p.height, p.tilt));
    const gibbs = gibbsQuadrature(p.height, p.tilt, sigma, d);
    return particleSimulation({
      accelerator: ctx.accelerator,
      measure: m,
      energies: blob ? [potential, blob] : [potential],
      noise: blob ? undefined : { temperature: sigma, method },
      dt: p.dt,
      seed: p.seed + 1,
      bounds: d === 1 ? [[-2, 2]] : [[-2, 2], [-2, 2], [-2, 2]].slice(0, d) as [number, number][],
      mainMetric: 'right_mass',
      metrics: (mm: ParticleMeasure) => {
        let right = 0;
        for (let i = 0; i < mm.n; i++) if (mm.x[i * d] > 0) right += mm.w[i];
        const f = potential.value(mm) + entropyValue(mm);
        return { right_mass: right, gibbs_right_mass: gibbs.rightMass, kl_to_gibbs: f / sigma + gibbs.logZ };
      },
    });
  },
});
