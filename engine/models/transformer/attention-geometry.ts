import type { SinkhornGeometry } from '../../ot/geometry.ts';

/** Largest n² for which the n×n kernel is stored (2²⁵ doubles = 256 MiB; n ≤ 5792). */
export const ATTENTION_KERNEL_MAX_ENTRIES = 1 << 25;
/** Stored kernels need the logits' range to stay well inside double range (e^{±300}). */
const STORED_MAX_LOGIT = 300;
/** A stored-kernel sum below this is too close to underflow: that call uses the exact online pass. */
const TINY = 1e-280;

/**
 * The attention kernel of tokens as a Sinkhorn geometry (engine/ot/geometry.ts), so
 * that Sinkformer attention runs on the one Sinkhorn loop of the OT core:
 *
 *   C_ij = −⟨x_i, M x_j⟩ = −⟨Q x_i, K x_j⟩,  ε = 1/β,  so  e^{−C_ij/ε} = e^{β⟨Q x_i, K x_j⟩},
 *
 * for tokens x [n, d] and kx = M x [n, d] (M = QᵀK). Two modes, same answers up to
 * round-off:
 * - stored: K̃_ij = exp(L_ij − ρ_i), L_ij = β⟨x_i, kx_j⟩, ρ_i = max_j L_ij, [n, n]
 *   (each row holds a 1, so no row underflows); each application is then a streaming
 *   pass without exp. Used when n² ≤ ATTENTION_KERNEL_MAX_ENTRIES and |L| ≤ 300.
 * - online: log-sum-exp over each row/column with its own maximum, O(n) memory.
 * A stored sum that comes out below TINY falls back to the online pass for that call.
 * Row i of the attention matrix of scalings (α, β) is A_ij = e^{α_i + β_j + L_ij}/w_i
 * (see `attend`).
 */
export class DotProductGeometry implements SinkhornGeometry {
  readonly n: number;
  readonly m: number;
  costScale = 1;
  private x: Float64Array;
  private kx: Float64Array;
  private stored: Float64Array | null = null;
  private readonly rho: Float64Array;
  private readonly tmp: Float64Array;
  private builtEps = NaN;

  /** `store` false: always the online pass (no n×n memory; for occasional metrics). */
  constructor(readonly d: number, n: number, readonly store = true) {
    this.n = n;
    this.m = n;
    this.x = new Float64Array(n * d);
    this.kx = new Float64Array(n * d);
    this.rho = new Float64Array(n);
    this.tmp = new Float64Array(n);
  }

  /** Points the geometry at new tokens (views are kept, not copied); invalidates the stored kernel. */
  setTokens(x: Float64Array, kx: Float64Array): void {
    this.x = x;
    this.kx = kx;
    this.builtEps = NaN;
    let mx = 0, mk = 0;
    for (let i = 0; i < this.n; i++) {
      let a = 0, b = 0;
      for (let k = 0; k < this.d; k++) {
        a += x[i * this.d + k] ** 2;
        b += kx[i * this.d + k] ** 2;
      }
      mx = Math.max(mx, a);
      mk = Math.max(mk, b);
    }
    // |C_ij| ≤ |x_i||M x_j| (Cauchy–Schwarz): a bound of the cost for the ε-schedule.
    this.costScale = Math.sqrt(mx * mk);
  }

  /** L_ij / β = ⟨x_i, kx_j⟩. */
  private dot(i: number, j: number): number {
    const { d, x, kx } = this;
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
    return s;
  }

  private useStored(eps: number): boolean {
    if (this.builtEps === eps && this.stored) return true;
    if (!this.store || this.n * this.n > ATTENTION_KERNEL_MAX_ENTRIES || this.costScale / eps > STORED_MAX_LOGIT) return false;
    const n = this.n;
    if (!this.stored) this.stored = new Float64Array(n * n);
    const K = this.stored;
    const beta = 1 / eps;
    for (let i = 0; i < n; i++) {
      const o = i * n;
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        const L = beta * this.dot(i, j);
        K[o + j] = L;
        if (L > mx) mx = L;
      }
      this.rho[i] = mx;
      for (let j = 0; j < n; j++) K[o + j] = Math.exp(K[o + j] - mx);
    }
    this.builtEps = eps;
    return true;
  }

  /** out_i = log Σ_j exp(h_j + L_ij), L_ij = ⟨x_i, kx_j⟩/ε. */
  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    const n = this.n;
    if (this.useStored(eps)) {
      const K = this.stored!;
      let s = -Infinity;
      for (let j = 0; j < n; j++) if (h[j] > s) s = h[j];
      const e = this.tmp;
      for (let j = 0; j < n; j++) e[j] = Math.exp(h[j] - s);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const o = i * n;
        let acc = 0;
        for (let j = 0; j < n; j++) acc += K[o + j] * e[j];
        if (!(acc > TINY)) ok = false;
        else out[i] = this.rho[i] + s + Math.log(acc);
      }
      if (ok) return;
    }
    const inv = 1 / eps;
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        const t = h[j] + inv * this.dot(i, j);
        if (t > mx) mx = t;
      }
      let acc = 0;
      if (mx !== -Infinity) for (let j = 0; j < n; j++) acc += Math.exp(h[j] + inv * this.dot(i, j) - mx);
      out[i] = mx + Math.log(acc);
    }
  }

  /** out_j = log Σ_i exp(h_i + L_ij). */
  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    const n = this.n;
    if (this.useStored(eps)) {
      const K = this.stored!;
      let t = -Infinity;
      for (let i = 0; i < n; i++) if (h[i] + this.rho[i] > t) t = h[i] + this.rho[i];
      out.fill(0);
      for (let i = 0; i < n; i++) {
        const wi = Math.exp(h[i] + this.rho[i] - t);
        if (wi === 0) continue;
        const o = i * n;
        for (let j = 0; j < n; j++) out[j] += wi * K[o + j];
      }
      let ok = true;
      for (let j = 0; j < n; j++) {
        if (!(out[j] > TINY)) ok = false;
        out[j] = t + Math.log(out[j]);
      }
      if (ok) return;
    }
    const inv = 1 / eps;
    for (let j = 0; j < n; j++) {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) {
        const t = h[i] + inv * this.dot(i, j);
        if (t > mx) mx = t;
      }
      let acc = 0;
      if (mx !== -Infinity) for (let i = 0; i < n; i++) acc += Math.exp(h[i] + inv * this.dot(i, j) - mx);
      out[j] = mx + Math.log(acc);
    }
  }

  /**
   * out_i = Σ_j A_ij vx_j with A_ij = e^{α_i + β_j + L_ij} / w_i (the plan π = diag(e^α) K
   * diag(e^β) divided by its row marginal w): the attention output for scalings (α, β).
   * vx [n, d], out [n, d].
   */
  attend(eps: number, alpha: Float64Array, beta: Float64Array, w: Float64Array, vx: Float64Array, out: Float64Array): void {
    const { n, d } = this;
    let s = -Infinity;
    for (let j = 0; j < n; j++) if (beta[j] > s) s = beta[j];
    const e = this.tmp;
    for (let j = 0; j < n; j++) e[j] = Math.exp(beta[j] - s);
    const stored = this.useStored(eps);
    const K = this.stored;
    const inv = 1 / eps;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) out[i * d + k] = 0;
      // Stored: e^{L_ij} = K̃_ij e^{ρ_i}; online: shift by the row's own maximum.
      let shift = this.rho[i];
      if (!stored) {
        shift = -Infinity;
        for (let j = 0; j < n; j++) shift = Math.max(shift, inv * this.dot(i, j));
      }
      for (let j = 0; j < n; j++) {
        const kij = stored ? K![i * n + j] : Math.exp(inv * this.dot(i, j) - shift);
        const c = kij * e[j];
        for (let k = 0; k < d; k++) out[i * d + k] += c * vx[j * d + k];
      }
      const f = Math.exp(alpha[i] + shift + s) / w[i];
      for (let k = 0; k < d; k++) out[i * d + k] *= f;
    }
  }
}
