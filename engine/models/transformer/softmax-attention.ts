/**
 * Softmax ("SA") and unnormalized ("USA") self-attention outputs for tokens x [n, d]
 * with weights w [n] (Geshkovski, Letrouit, Polyanskiy & Rigollet 2023, eqs. (SA), (USA);
 * docs/design.md §3.2):
 *
 *   u_i = Σ_j A_ij V x_j,   A_ij = w_j e^{β⟨Q x_i, K x_j⟩} / Z_i,
 *   Z_i = Σ_k w_k e^{β⟨Q x_i, K x_k⟩} (softmax)   or   Z_i = 1 (USA; = 1/n·n with w = 1/n),
 *
 * given kx = M x (M = QᵀK, so ⟨Q x_i, K x_j⟩ = ⟨x_i, kx_j⟩) and vx = V x, both [n, d].
 * Allocation-free O(n² d); no n×n matrix is formed.
 *
 * When M is symmetric the kernel E_ij = e^{β⟨x_i, M x_j⟩} is symmetric, and each
 * unordered pair is visited once, its exponential feeding both rows (half the exps).
 * Softmax then uses one global shift c = β max|x_i| max|kx_j| ≥ max L_ij (Cauchy–Schwarz),
 * so E_ij e^{−c} ≤ 1 never overflows, and it is ≥ e^{−2c}: with 2c ≤ 600 no row can
 * underflow. Otherwise (M not symmetric, or 2c > 600) each row is shifted by its own
 * maximum (two passes per row, exps once).
 * In the d = 3 pair loop of softmax every exponent lies in [−2c, 0] ⊂ [EXP_FLOOR, 0]
 * (2c ≤ 600), so the engine's table exp (engine/core/exp.ts, ≤ 3 ulp, inlined by V8)
 * replaces Math.exp: it is never cut off in that range. USA (c = 0) has exponents of
 * either sign and keeps Math.exp.
 */
import { expNeg } from '../../core/exp.ts';

/** The attention normalizations computed without a Sinkhorn loop. */
export type PlainAttention = 'softmax' | 'usa';

/** Largest 2c for which one global shift is safe (e^{−600} ≈ 2.6e−261, a normal double). */
const MAX_GLOBAL_SHIFT_RANGE = 600;

/**
 * Writes u_i = Σ_j A_ij V x_j into out [n, d] and the row normalizers into Z [n] (see the
 * file comment for the formulas and the shifts); when S is given, each row's shift, so that
 * Σ_j w_j e^{β⟨x_i, kx_j⟩} = Z_i e^{S_i} (the row's total weight, from which E_β follows).
 */
export function plainAttention(
  kind: PlainAttention, beta: number, x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array,
  d: number, symmetric: boolean, out: Float64Array, Z: Float64Array, S?: Float64Array,
): void {
  const n = w.length;
  let c = 0;
  if (kind === 'softmax') {
    let mx = 0, mk = 0;
    for (let i = 0; i < n; i++) {
      let a = 0, b = 0;
      for (let k = 0; k < d; k++) {
        a += x[i * d + k] ** 2;
        b += kx[i * d + k] ** 2;
      }
      if (a > mx) mx = a;
      if (b > mk) mk = b;
    }
    c = beta * Math.sqrt(mx * mk);
  }
  if (symmetric && 2 * c <= MAX_GLOBAL_SHIFT_RANGE) {
    if (d === 3) pairs3(beta, c, kind === 'softmax', x, kx, vx, w, n, out, Z);
    else pairsD(beta, c, x, kx, vx, w, n, d, out, Z);
    S?.fill(c, 0, n);
  } else {
    rows(kind, beta, x, kx, vx, w, n, d, out, Z, S);
    return;
  }
  for (let i = 0; i < n; i++) {
    const f = kind === 'softmax' ? 1 / Z[i] : 1;
    for (let k = 0; k < d; k++) out[i * d + k] *= f;
  }
}

/** Symmetric kernel, d = 3: out_i = Σ_j w_j E_ij vx_j, Z_i = Σ_j w_j E_ij, E_ij = e^{β⟨x_i,kx_j⟩ − c}. */
function pairs3(beta: number, c: number, fast: boolean, x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array, n: number, out: Float64Array, Z: Float64Array): void {
  out.fill(0, 0, 3 * n);
  Z.fill(0, 0, n);
  for (let i = 0; i < n; i++) {
    const x0 = x[3 * i], x1 = x[3 * i + 1], x2 = x[3 * i + 2];
    const v0 = vx[3 * i], v1 = vx[3 * i + 1], v2 = vx[3 * i + 2];
    const wi = w[i];
    const eii = Math.exp(beta * (x0 * kx[3 * i] + x1 * kx[3 * i + 1] + x2 * kx[3 * i + 2]) - c);
    let zi = wi * eii, o0 = zi * v0, o1 = zi * v1, o2 = zi * v2;
    for (let j = i + 1; j < n; j++) {
      const t = beta * (x0 * kx[3 * j] + x1 * kx[3 * j + 1] + x2 * kx[3 * j + 2]) - c;
      const e = fast ? expNeg(t) : Math.exp(t);
      const a = w[j] * e;
      zi += a;
      o0 += a * vx[3 * j];
      o1 += a * vx[3 * j + 1];
      o2 += a * vx[3 * j + 2];
      const b = wi * e;
      Z[j] += b;
      out[3 * j] += b * v0;
      out[3 * j + 1] += b * v1;
      out[3 * j + 2] += b * v2;
    }
    Z[i] += zi;
    out[3 * i] += o0;
    out[3 * i + 1] += o1;
    out[3 * i + 2] += o2;
  }
}

/** Symmetric kernel, any d (same sums as pairs3). */
function pairsD(beta: number, c: number, x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array, n: number, d: number, out: Float64Array, Z: Float64Array): void {
  out.fill(0, 0, d * n);
  Z.fill(0, 0, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
      const e = Math.exp(beta * s - c);
      const a = w[j] * e;
      Z[i] += a;
      for (let k = 0; k < d; k++) out[i * d + k] += a * vx[j * d + k];
      if (j === i) continue;
      const b = w[i] * e;
      Z[j] += b;
      for (let k = 0; k < d; k++) out[j * d + k] += b * vx[i * d + k];
    }
  }
}

/** Row by row, each row shifted by its own maximum (softmax) or unshifted (USA). */
function rows(kind: PlainAttention, beta: number, x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array, n: number, d: number, out: Float64Array, Z: Float64Array, S?: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let mx = 0;
    if (kind === 'softmax') {
      mx = -Infinity;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
        if (beta * s > mx) mx = beta * s;
      }
    }
    let z = 0;
    for (let k = 0; k < d; k++) out[i * d + k] = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
      const a = w[j] * Math.exp(beta * s - mx);
      z += a;
      for (let k = 0; k < d; k++) out[i * d + k] += a * vx[j * d + k];
    }
    Z[i] = z;
    if (S) S[i] = mx;
    const f = kind === 'softmax' ? 1 / z : 1;
    for (let k = 0; k < d; k++) out[i * d + k] *= f;
  }
}
