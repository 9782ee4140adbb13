import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import { addBlobPairVelocity } from './blob-pair-velocity.ts';
import { blobDensity } from './blob-entropy.ts';

/**
 * The porous-medium energy F(ρ) = c ∫ ρ^m/(m−1) on particles by the blob method
 * (Carrillo, Craig & Patacchini, *A blob method for diffusion*, Calc. Var. 2019): the
 * internal energy ∫ U(ρ) with U(s) = c s^m/(m−1) is written ∫ (U(ρ)/ρ) dρ and ρ inside
 * the integrand is replaced by the blob density ρ_δ = φ_δ * μ (φ_δ the Gaussian of width δ):
 *
 *     F_δ(μ) = c/(m−1) ∫ (φ_δ * μ)^{m−1} dμ = c/(m−1) Σ_i w_i ρ_i^{m−1},   ρ_i = Σ_j w_j φ_δ(x_i − x_j).
 *
 * Its first variation is δF_δ/δμ(x) = c/(m−1) ρ_δ(x)^{m−1} + c ∫ ρ_δ(y)^{m−2} φ_δ(x − y) dμ(y),
 * so the particle velocity is
 *
 *     v_i = −c Σ_j w_j ∇φ_δ(x_i − x_j) (ρ_i^{m−2} + ρ_j^{m−2}),   ∇φ_δ(z) = −z φ_δ(z)/δ²,
 *
 * the blob entropy's velocity with σ/ρ replaced by c ρ^{m−2} (m = 2: the repulsive Gaussian
 * interaction W = 2c φ_δ). Two O(N²) pair passes (densities, then forces), float64, pairs beyond
 * the Gaussian's double-precision cutoff skipped (blob-entropy.ts). As δ → 0 with N δ^d → ∞
 * the flow converges to the porous medium equation ∂ρ = c Δρ^m (the paper's Theorem 1.5).
 */
export class BlobPorous implements ParticleEnergy {
  private rho = new Float64Array(0);
  private pw = new Float64Array(0);

  constructor(
    readonly m: number,
    readonly delta: number,
    readonly coefficient = 1,
    readonly name = 'porous',
  ) {
    if (!(m > 1)) throw new Error(`porous medium exponent m must be > 1; got ${m}`);
    if (!(delta > 0)) throw new Error(`blob width delta must be > 0; got ${delta}`);
    if (!(coefficient > 0)) throw new Error(`porous coefficient must be > 0; got ${coefficient}`);
  }

  describe(): string {
    return `blob (δ=${this.delta.toPrecision(3)}, direct pairs)`;
  }

  private densities(mm: ParticleMeasure): Float64Array {
    if (this.rho.length !== mm.n) {
      this.rho = new Float64Array(mm.n);
      this.pw = new Float64Array(mm.n);
    }
    return blobDensity(mm, this.delta, this.rho);
  }

  value(mm: ParticleMeasure): number {
    const rho = this.densities(mm);
    let s = 0;
    for (let i = 0; i < mm.n; i++) s += mm.w[i] * Math.pow(rho[i], this.m - 1);
    return (this.coefficient * s) / (this.m - 1);
  }

  addVelocity(mm: ParticleMeasure, v: Float64Array): void {
    const rho = this.densities(mm);
    const pw = this.pw;
    for (let i = 0; i < mm.n; i++) pw[i] = Math.pow(rho[i], this.m - 2);
    // −c_p w_j ∇φ(z)(ρ_i^{m−2} + ρ_j^{m−2}) = c_p w_j z φ(z)(…)/δ².
    const delta2 = this.delta * this.delta;
    addBlobPairVelocity(mm, this.delta, (this.coefficient * Math.pow(2 * Math.PI * delta2, -mm.d / 2)) / delta2, pw, v);
  }

}
