import type { SinkhornGeometry } from './geometry.ts';
import { expNeg, LSE_FLOOR } from '../core/exp.ts';
import type { PointCloudGeometry } from './point-cloud-geometry.ts';

/** Largest n·m for which a stored kernel is reasonable (2²⁵ doubles = 256 MiB). */
export const KERNEL_MAX_ENTRIES = 1 << 25;

/** Whether the n×m kernel fits in KERNEL_MAX_ENTRIES. */
export function kernelFits(n: number, m: number): boolean {
  return n * m <= KERNEL_MAX_ENTRIES;
}

/** Largest n·m for which `mode: 'auto'` stores the kernel (2²¹ doubles = 16 MiB). */
export const KERNEL_AUTO_MAX_ENTRIES = 1 << 21;

/**
 * The fixed rule of `mode: 'auto'` (never a timing): store the kernel only for small
 * problems. Measured on seeded clouds in [0, 1]² (bench/ot.ts, 2 threads), time to an L1
 * error of 1e-6: n = 1000, the stored kernel 93 ms vs online 154 ms at ε = 1e-2 and equal at
 * ε = 1e-3; n = 2000, online 323 vs 372 ms (ε = 1e-2) and 1.50 vs 2.36 s (ε = 1e-3); n = 4000,
 * 1.33 vs 1.55 s and 4.65 vs 9.91 s. The WebAssembly online kernel with block culling beats
 * the memory-bound stored matrix (and its rebuilds when the potentials drift) from n·m ≈ 2²¹.
 */
export function kernelPreferred(n: number, m: number): boolean {
  return n * m <= KERNEL_AUTO_MAX_ENTRIES;
}

/** A log-scaling may drift this far from the absorbed one before the kernel is rebuilt. */
const DRIFT = 30;
/** Row/column sums below this are too close to underflow: that call falls back to the online pass. */
const TINY = 1e-280;
/**
 * Entries below e^{−CUT} of their row maximum are stored as 0: with |h − β̂| ≤ DRIFT they
 * stay below e^{−CUT + 2·DRIFT} = e^{−45} of a row's largest term (< m·e^{−45} relative).
 */
const CUT = -LSE_FLOOR + 2 * DRIFT;

/**
 * Stored, *absorbed* Gibbs kernel (Schmitzer 2019, "stabilized sparse scaling"):
 *
 *   K̃_ij = exp(β̂_j − C_ij/ε − ρ_i),   ρ_i = max_j (β̂_j − C_ij/ε),   [n, m] Float64
 *
 * where β̂ is the column log-scaling at the last rebuild. Then, in the plain domain,
 *   log Σ_j e^{h_j − C_ij/ε} = ρ_i + s + log Σ_j K̃_ij e^{h_j − β̂_j − s},   s = max_j (h_j − β̂_j)
 *   log Σ_i e^{h_i − C_ij/ε} = −β̂_j + t + log Σ_i K̃_ij e^{h_i + ρ_i − t}, t = max_i (h_i + ρ_i)
 * Each row of K̃ has a 1, so no row underflows whatever ε (unlike exp(−C/ε), which
 * underflows for C/ε > 745). The kernel is rebuilt when ε changes or when |h − β̂|
 * exceeds DRIFT; a sum that still comes out tiny (< TINY) makes that call fall back
 * to the exact online pass, so the answer never depends on the mode beyond round-off.
 * Each application is one streaming pass over n·m doubles: memory-bound, no exp.
 */
export class KernelGeometry implements SinkhornGeometry {
  readonly n: number;
  readonly m: number;
  readonly costScale: number;
  private readonly K: Float64Array;
  private readonly rho: Float64Array;
  private readonly betaHat: Float64Array;
  private readonly vj: Float64Array;
  private readonly wi: Float64Array;
  private builtEps = NaN;
  /** Number of kernel rebuilds and of online fall-backs (for benchmarks and tests). */
  rebuilds = 0;
  fallbacks = 0;

  constructor(private readonly base: PointCloudGeometry) {
    this.n = base.n;
    this.m = base.m;
    this.costScale = base.costScale;
    this.K = new Float64Array(this.n * this.m);
    this.rho = new Float64Array(this.n);
    this.betaHat = new Float64Array(this.m);
    this.vj = new Float64Array(this.m);
    this.wi = new Float64Array(this.n);
  }

  private rebuild(eps: number, h: Float64Array): void {
    const { n, m, K, rho, betaHat } = this;
    const { x, y, d, p } = this.base;
    for (let j = 0; j < m; j++) betaHat[j] = Number.isFinite(h[j]) ? h[j] : 0;
    const inv = 1 / (p * eps);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const z = x[i * d + k] - y[j * d + k];
          r2 += z * z;
        }
        const e = betaHat[j] - inv * (p === 2 ? r2 : Math.pow(r2, 0.5 * p));
        K[o + j] = e;
        if (e > mx) mx = e;
      }
      rho[i] = mx;
      for (let j = 0; j < m; j++) {
        const t = K[o + j] - mx;
        K[o + j] = t < -CUT ? 0 : expNeg(t);
      }
    }
    this.builtEps = eps;
    this.rebuilds++;
  }

  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, K, rho, betaHat, vj } = this;
    let drift = eps !== this.builtEps;
    for (let j = 0; j < m && !drift; j++) if (Number.isFinite(h[j]) && Math.abs(h[j] - betaHat[j]) > DRIFT) drift = true;
    if (drift) this.rebuild(eps, h);
    let s = -Infinity;
    for (let j = 0; j < m; j++) if (h[j] - betaHat[j] > s) s = h[j] - betaHat[j];
    for (let j = 0; j < m; j++) vj[j] = Math.exp(h[j] - betaHat[j] - s);
    const m4 = m - (m % 4);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      // Four accumulators: one dependent add chain would bound the loop by the add latency.
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < m4; j += 4) {
        a0 += K[o + j] * vj[j];
        a1 += K[o + j + 1] * vj[j + 1];
        a2 += K[o + j + 2] * vj[j + 2];
        a3 += K[o + j + 3] * vj[j + 3];
      }
      for (let j = m4; j < m; j++) a0 += K[o + j] * vj[j];
      const acc = a0 + a1 + (a2 + a3);
      if (!(acc > TINY)) {
        this.fallbacks++;
        this.base.logApply(eps, h, out);
        return;
      }
      out[i] = rho[i] + s + Math.log(acc);
    }
  }

  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, K, rho, betaHat, wi } = this;
    if (eps !== this.builtEps) {
      this.fallbacks++;
      this.base.logApplyT(eps, h, out);
      return;
    }
    let t = -Infinity;
    for (let i = 0; i < n; i++) if (h[i] + rho[i] > t) t = h[i] + rho[i];
    for (let i = 0; i < n; i++) wi[i] = Math.exp(h[i] + rho[i] - t);
    out.fill(0);
    // Two rows per sweep over `out`: half the loads and stores of the accumulator.
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const w0 = wi[i], w1 = wi[i + 1];
      if (w0 === 0 && w1 === 0) continue;
      const o0 = i * m, o1 = o0 + m;
      for (let j = 0; j < m; j++) out[j] += w0 * K[o0 + j] + w1 * K[o1 + j];
    }
    if (i < n && wi[i] !== 0) for (let j = 0, o = i * m, w = wi[i]; j < m; j++) out[j] += w * K[o + j];
    for (let j = 0; j < m; j++) {
      if (!(out[j] > TINY)) {
        this.fallbacks++;
        this.base.logApplyT(eps, h, out);
        return;
      }
      out[j] = -betaHat[j] + t + Math.log(out[j]);
    }
  }
}
