import { describe, expect, it } from 'vitest';
import {
  BlobEntropy, Interaction, ParticleMeasure, Potential, Rng, doubleWellPotential, gaussianCloud, gaussianKernel, logRepulsionKernel, morseKernel,
  newtonRepulsionKernel, powerKernel, quadraticKernel, quadraticPotential, userPotential, type ParticleEnergy,
} from '../../../engine/index.ts';
import { totalVelocity } from '../../../engine/particles/energy.ts';
import { BlobPorous } from '../../../engine/particles/blob-porous.ts';

/**
 * The Wasserstein velocity of a particle energy is v_i = −(1/w_i) ∂F/∂x_i (the first
 * variation's gradient, docs/design.md §1.1). Checked against central differences of F with
 * step h = 1e−5: truncation O(h²) ≈ 1e−10 and round-off O(ε_mach |F|/h) ≈ 1e−11, so a
 * relative agreement of 1e−6 leaves a wide margin.
 */
function checkVelocity(energy: ParticleEnergy, d: number, n = 23, seed = 1) {
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: n }, () => 0.2 + rng.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  w.forEach((v, i) => (w[i] = v / s));
  const m = new ParticleMeasure(gaussianCloud(rng, n, d, 0.3, 0.8), d, w);
  const v = totalVelocity([energy], m, new Float64Array(n * d));
  const h = 1e-5;
  let worst = 0, scale = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const x = m.x[i * d + k];
      m.x[i * d + k] = x + h;
      const fp = energy.value(m);
      m.x[i * d + k] = x - h;
      const fm = energy.value(m);
      m.x[i * d + k] = x;
      const fd = -(fp - fm) / (2 * h) / w[i];
      worst = Math.max(worst, Math.abs(fd - v[i * d + k]));
      scale = Math.max(scale, Math.abs(fd));
    }
  return worst / scale;
}

describe('particle velocities are −(1/w_i)∇_{x_i}F (finite differences, non-uniform weights)', () => {
  const cases: [string, ParticleEnergy, number[]][] = [
    ['quadratic potential', new Potential(quadraticPotential([1, 2, 0.5])), [1, 2, 3]],
    ['double well', new Potential(doubleWellPotential(1.5, 0.2)), [1, 2, 3]],
    ['user potential (numerical gradient)', new Potential(userPotential((x) => Math.sin(x[0]) + x[x.length - 1] ** 4)), [1, 2]],
    ['quadratic interaction', new Interaction(quadraticKernel()), [1, 2, 3, 4]],
    ['log repulsion (2D)', new Interaction(logRepulsionKernel()), [2]],
    ['Newton repulsion (3D)', new Interaction(newtonRepulsionKernel()), [3]],
    ['power a=4 b=2', new Interaction(powerKernel(4, 2)), [2, 3]],
    ['Morse', new Interaction(morseKernel()), [2, 3]],
    ['Gaussian', new Interaction(gaussianKernel(0.7, 1.3)), [1, 2, 3]],
    ['blob entropy', new BlobEntropy(0.7, 0.4), [1, 2, 3]],
    ['blob porous m=2', new BlobPorous(2, 0.4, 0.8), [1, 2, 3]],
    ['blob porous m=3', new BlobPorous(3, 0.5), [1, 2]],
    ['blob porous m=1.5', new BlobPorous(1.5, 0.5, 2), [1, 2]],
  ];
  for (const [name, energy, dims] of cases) {
    it(name, () => {
      // The user potential's own gradient is a central difference with h = 6e−6: O(h²)·|f'''|.
      const tol = name.startsWith('user') ? 1e-5 : 1e-6;
      for (const d of dims) expect(checkVelocity(energy, d), `d=${d}`).toBeLessThan(tol);
    });
  }
});
