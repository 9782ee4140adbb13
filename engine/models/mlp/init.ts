import type { Rng } from '../../core/rng.ts';
import { neuronDim } from './network.ts';

/**
 * Balanced initial neurons θ_i = (a_i, w_i, b_i), [m, d+2]: w_i = r0 u_i with u_i
 * uniform on S^{d−1}, a_i = ±r0 (random sign), b_i = 0. Balanced (|a_i| = |w_i|)
 * because ReLU gradient flow conserves a_i² − |w_i|² − b_i² (Chizat & Bach 2018,
 * §2.3), so the 2-homogeneous picture |a| w starts on the sphere of radius r0².
 */
export function balancedNeurons(rng: Rng, m: number, d: number, r0: number): Float64Array {
  const D = neuronDim(d);
  const theta = new Float64Array(m * D);
  for (let i = 0; i < m; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) {
      const g = rng.normal();
      theta[i * D + 1 + k] = g;
      r2 += g * g;
    }
    const s = r0 / Math.sqrt(r2);
    for (let k = 0; k < d; k++) theta[i * D + 1 + k] *= s;
    theta[i * D] = rng.uniform() < 0.5 ? -r0 : r0;
  }
  return theta;
}
