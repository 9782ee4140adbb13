import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import type { Accelerator } from '../core/accelerator.ts';
import { blobDensitySource, blobVelocitySource, MAX_KERNEL_DIM } from '../backend/kernel-sources.ts';
import { DevicePairs } from './device-pairs.ts';

/**
 * Gaussian mollifier φ_δ(z) = (2πδ²)^{−d/2} e^{−|z|²/(2δ²)}. Pairs farther than
 * CUTOFF·δ contribute less than e^{−CUTOFF²/2} ≈ 1e−16 of the self term and are
 * skipped, which is exact to double precision.
 */
const CUTOFF2 = 2 * 37; // r²/δ² beyond which e^{−r²/(2δ²)} < e^{−37} ≈ 8.5e−17

/**
 * Blob densities ρ_i = (φ_δ * μ)(x_i) = Σ_j w_j φ_δ(x_i − x_j), self term included.
 * Symmetric pairs are visited once.
 */
export function blobDensity(m: ParticleMeasure, delta: number, rho: Float64Array): Float64Array {
  const { n, d, x, w } = m;
  const c = 1 / (2 * delta * delta);
  const norm = Math.pow(2 * Math.PI * delta * delta, -d / 2);
  const cut = CUTOFF2 * delta * delta;
  for (let i = 0; i < n; i++) rho[i] = w[i];
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    let ri = 0;
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
    }
    rho[i] += ri;
  }
  for (let i = 0; i < n; i++) rho[i] *= norm;
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
  private device: DevicePairs | null = null;
  private sources: { density: string; velocity: string } | null = null;
  private deviceValues = false;

  constructor(
    readonly temperature: number,
    readonly delta: number,
    readonly name = 'entropy',
  ) {
    if (!(delta > 0)) throw new Error(`blob width delta must be > 0; got ${delta}`);
  }

  /**
   * Binds the two pair passes (densities, then forces) to the accelerator: on the device
   * they are the gpu.js kernels of kernel-sources.ts in float32, and the value's densities
   * too unless the scheme needs exact values.
   */
  accelerate(acc: Accelerator, { n, d, exactValues }: { n: number; d: number; exactValues?: string }): void {
    const c = 1 / (2 * this.delta * this.delta);
    const sources = d <= MAX_KERNEL_DIM ? { density: blobDensitySource(d, c), velocity: blobVelocitySource(d, c) } : null;
    const kernels = sources ? [{ source: sources.density, outDim: 1 }, { source: sources.velocity, outDim: d }] : null;
    const loop = acc.bindPairs({ loop: this.name, family: 'blob-entropy', size: { n, d }, kernels, exactValues });
    this.device = loop ? new DevicePairs(loop, n, d) : null;
    this.sources = sources;
    this.deviceValues = loop?.deviceValues ?? false;
  }

  private densities(m: ParticleMeasure): Float64Array {
    if (this.rho.length !== m.n) {
      this.rho = new Float64Array(m.n);
      this.inv = new Float64Array(m.n);
    }
    if (this.device && this.deviceValues) {
      // ρ_i = (2πδ²)^{−d/2} s_i from the device's sums.
      const s = this.device.pack(m).run(this.sources!.density, 1);
      const norm = Math.pow(2 * Math.PI * this.delta * this.delta, -m.d / 2);
      for (let i = 0; i < m.n; i++) this.rho[i] = norm * s[i];
      return this.rho;
    }
    return blobDensity(m, this.delta, this.rho);
  }

  value(m: ParticleMeasure): number {
    const rho = this.densities(m);
    let s = 0;
    for (let i = 0; i < m.n; i++) s += m.w[i] * Math.log(rho[i]);
    return this.temperature * s;
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    if (this.device) return this.deviceVelocity(this.device, m, v);
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

  /**
   * σ/δ² Σ_j w_j e^{−c r²_ij} (1/s_i + 1/s_j)(x_i − x_j) on the device — the normalization
   * (2πδ²)^{−d/2} of ρ = norm·s cancels, which keeps float32 in range for small δ in 3D.
   */
  private deviceVelocity(dev: DevicePairs, m: ParticleMeasure, v: Float64Array): void {
    const s = dev.pack(m).run(this.sources!.density, 1);
    for (let i = 0; i < m.n; i++) dev.extra[i] = 1 / s[i];
    const u = dev.run(this.sources!.velocity, m.d, true);
    const scale = this.temperature / (this.delta * this.delta);
    for (let i = 0; i < v.length; i++) v[i] += scale * u[i];
  }
}
