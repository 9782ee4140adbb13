import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import { acceleratedBlobDensity, acceleratedBlobVelocity, blobSources } from '../backend/particle-hooks.ts';
import { backendSlot } from '../backend/scope.ts';

/**
 * Gaussian mollifier φ_δ(z) = (2πδ²)^{−d/2} e^{−|z|²/(2δ²)}. Pairs farther than
 * CUTOFF·δ contribute less than e^{−CUTOFF²/2} ≈ 1e−16 of the self term and are
 * skipped, which is exact to double precision.
 */
const CUTOFF2 = 2 * 37; // r²/δ² beyond which e^{−r²/(2δ²)} < e^{−37} ≈ 8.5e−17

/**
 * Blob densities ρ_i = (φ_δ * μ)(x_i) = Σ_j w_j φ_δ(x_i − x_j), self term included.
 * With `moment`, also M_i = Σ_j w_j (|x_i − x_j|²/δ²) φ_δ(x_i − x_j) (the virial ratio's
 * numerator). Symmetric pairs are visited once.
 */
export function blobDensity(m: ParticleMeasure, delta: number, rho: Float64Array, moment?: Float64Array): Float64Array {
  const { n, d, x, w } = m;
  const c = 1 / (2 * delta * delta);
  const norm = Math.pow(2 * Math.PI * delta * delta, -d / 2);
  const cut = CUTOFF2 * delta * delta;
  for (let i = 0; i < n; i++) rho[i] = w[i];
  moment?.fill(0);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    let ri = 0, mi = 0;
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        r2 += z * z;
      }
      if (r2 > cut) continue;
      const phi = Math.exp(-c * r2);
      ri += w[j] * phi;
      rho[j] += wi * phi;
      if (moment) {
        const t = 2 * c * r2 * phi;
        mi += w[j] * t;
        moment[j] += wi * t;
      }
    }
    rho[i] += ri;
    if (moment) moment[i] += mi;
  }
  for (let i = 0; i < n; i++) rho[i] *= norm;
  if (moment) for (let i = 0; i < n; i++) moment[i] *= norm;
  return rho;
}

/**
 * Deterministic entropy by the blob method (Carrillo, Craig & Patacchini 2019):
 * σ∫ρ log ρ is replaced by F_δ(μ) = σ ∫ log(φ_δ * μ) dμ, whose particle velocity is
 *   −σ [ Σ_j w_j ∇φ_δ(x_i−x_j) / ρ_i + Σ_j w_j ∇φ_δ(x_i−x_j) / ρ_j ],
 * with ∇φ_δ(z) = −z/δ² φ_δ(z). Two pair passes: densities, then forces.
 */
export class BlobEntropy implements ParticleEnergy {
  private rho = new Float64Array(0);
  private inv = new Float64Array(0);
  /** Where the pair loops run (ts or gpu.js), from the backend scope it was built in (engine/backend). */
  readonly backend = backendSlot('blob-entropy', (d) => blobSources(d, this.delta));

  constructor(
    readonly temperature: number,
    readonly delta: number,
    readonly name = 'entropy',
  ) {
    if (!(delta > 0)) throw new Error(`blob width delta must be > 0; got ${delta}`);
  }

  private densities(m: ParticleMeasure): Float64Array {
    if (this.rho.length !== m.n) {
      this.rho = new Float64Array(m.n);
      this.inv = new Float64Array(m.n);
    }
    if (acceleratedBlobDensity(this.backend, m, this.delta, this.rho)) return this.rho;
    return blobDensity(m, this.delta, this.rho);
  }

  value(m: ParticleMeasure): number {
    const rho = this.densities(m);
    let s = 0;
    for (let i = 0; i < m.n; i++) s += m.w[i] * Math.log(rho[i]);
    return this.temperature * s;
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    if (acceleratedBlobVelocity(this.backend, m, this.delta, this.temperature, v)) return;
    const { n, d, x, w } = m;
    const rho = this.densities(m);
    const inv = this.inv;
    for (let i = 0; i < n; i++) inv[i] = 1 / rho[i];
    const delta2 = this.delta * this.delta;
    const c = 1 / (2 * delta2);
    const cut = CUTOFF2 * delta2;
    // ∇φ(z) = −z φ(z)/δ²; velocity contribution −σ w_j ∇φ (1/ρ_i + 1/ρ_j) = σ w_j z φ (…)/δ².
    const scale = (this.temperature * Math.pow(2 * Math.PI * delta2, -d / 2)) / delta2;
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      const invi = inv[i];
      for (let j = i + 1; j < n; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const z = x[i * d + k] - x[j * d + k];
          r2 += z * z;
        }
        if (r2 > cut) continue;
        const f = scale * Math.exp(-c * r2) * (invi + inv[j]);
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
}

/**
 * Virial ratio of the blob entropy (blob-width.ts): with ρ_i the blob densities (self term
 * included),
 *   R = (1/d) Σ_i w_i [Σ_j w_j (|x_i − x_j|²/δ²) φ_δ(x_i − x_j)] / ρ_i.
 * At a stationary state of V + blob entropy, Σ_i w_i x_i·∇V(x_i) = σ d R (take the inner
 * product of the velocity with x and symmetrize the pair sum); the exact law has
 * E[x·∇V] = σ d. So R is the measured stationary variance / σ for V = |x|²/2, whatever the
 * cause of the bias (smoothing, self term). O(n² d) time, O(n) memory. x [n, d], w [n].
 */
export function blobVirialRatio(m: ParticleMeasure, delta: number): number {
  const rho = new Float64Array(m.n);
  const moment = new Float64Array(m.n);
  blobDensity(m, delta, rho, moment);
  let R = 0;
  for (let i = 0; i < m.n; i++) R += (m.w[i] * moment[i]) / rho[i];
  return R / m.d;
}
