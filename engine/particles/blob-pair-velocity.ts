import { BLOB_CUTOFF2 } from './blob-cells.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * The pair pass shared by the blob method's velocities (Carrillo, Craig & Patacchini
 * 2019): v_i += s Σ_j w_j e^{−|z|²/(2δ²)} (g_i + g_j) z, z = x_i − x_j, each unordered
 * pair visited once, pairs beyond the Gaussian's cutoff skipped (BLOB_CUTOFF2). The
 * entropy takes g = 1/ρ and s = σ(2πδ²)^{−d/2}/δ²; the porous medium g = ρ^{m−2} and
 * s = c(2πδ²)^{−d/2}/δ² (−∇φ(z) = z φ(z)/δ² in both).
 */
export function addBlobPairVelocity(m: ParticleMeasure, delta: number, scale: number, g: Float64Array, v: Float64Array): void {
  const { n, d, x, w } = m;
  const delta2 = delta * delta;
  const c = 1 / (2 * delta2);
  const cut = BLOB_CUTOFF2 * delta2;
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    const gi = g[i];
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        r2 += z * z;
      }
      if (r2 > cut) continue;
      const f = scale * Math.exp(-c * r2) * (gi + g[j]);
      const fi = w[j] * f;
      const fj = wi * f;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        v[i * d + k] += fi * z;
        v[j * d + k] -= fj * z;
      }
    }
  }
}
