import { expNeg } from '../core/exp.ts';

/**
 * Log-domain (stabilized) convolution along one axis: for log-values u (may be −∞),
 *
 *     dst_i = log Σ_{|m| ≤ w} k_|m| e^{u_{i+m}} = LSE_m (u_{i+m} − m²h²/(2ε))
 *
 * without ever forming e^{u} unshifted. Each line is cut into blocks of B = w
 * cells with shift s_q = max u over the block; v = e^{u − s_q} ≤ 1 (one exp per
 * cell); outputs of block q only see blocks q−1..q+1, so with M = max of those
 * three shifts the sum Σ k v e^{s − M} has its largest term ≈ 1 and no overflow.
 * When that sum falls below TINY (a line whose values span more than ~600 within
 * a block underflowed), the output is recomputed exactly with its own window
 * maximum, so the result is exact (to round-off) for any range of u.
 * Schmitzer 2019 (stabilized scaling), Solomon et al. 2015 (separable kernels).
 */
export interface LogConvolutionScratch {
  /** GROUP gathered lines of a strided axis, and their outputs [GROUP · n]. */
  line: Float64Array;
  out: Float64Array;
  v: Float64Array;
  /** Rescaled mantissas with w zeros of padding on each side [n + 2w]. */
  t: Float64Array;
  /** Block shifts s_q (at most one block per cell). */
  shifts: Float64Array;
}

/** Scratch for `logConvolveAxis` on axes of up to maxAxis cells and kernels of half-width up to maxW. */
export function logConvolutionScratch(maxAxis: number, maxW: number): LogConvolutionScratch {
  const f = () => new Float64Array(maxAxis);
  return { line: new Float64Array(GROUP * maxAxis), out: new Float64Array(GROUP * maxAxis), v: f(), t: new Float64Array(maxAxis + 2 * maxW), shifts: f() };
}

/** Sums below this are recomputed exactly (far above the 2.2e−308 where precision is lost). */
export const TINY = 1e-280;

/** Lines of a strided axis gathered together, so each source row is read as whole cache lines. */
const GROUP = 8;

/** Log-domain convolution of the grid array src [Π shape] along `axis` into dst (see the file comment). */
export function logConvolveAxis(
  src: Float64Array, dst: Float64Array, shape: readonly number[], axis: number,
  taps: Float64Array, logTaps: Float64Array, scratch: LogConvolutionScratch,
): void {
  const n = shape[axis];
  let inner = 1;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k];
  const outer = src.length / (n * inner);
  const { line, out } = scratch;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    if (inner === 1) {
      lseLine(src.subarray(base, base + n), dst.subarray(base, base + n), n, taps, logTaps, scratch);
      continue;
    }
    for (let j0 = 0; j0 < inner; j0 += GROUP) {
      const G = Math.min(GROUP, inner - j0);
      for (let i = 0; i < n; i++) {
        const row = base + i * inner + j0;
        for (let g = 0; g < G; g++) line[g * n + i] = src[row + g];
      }
      for (let g = 0; g < G; g++) lseLine(line.subarray(g * n, g * n + n), out.subarray(g * n, g * n + n), n, taps, logTaps, scratch);
      for (let i = 0; i < n; i++) {
        const row = base + i * inner + j0;
        for (let g = 0; g < G; g++) dst[row + g] = out[g * n + i];
      }
    }
  }
}

/** LSE convolution of one contiguous line u [n] into out [n] (out ≠ u). */
export function lseLine(u: Float64Array, out: Float64Array, n: number, taps: Float64Array, logTaps: Float64Array, s: LogConvolutionScratch): void {
  const w = taps.length - 1;
  if (w === 0) {
    out.set(u.subarray(0, n));
    return;
  }
  const B = w;
  const nb = Math.ceil(n / B);
  const { v, t, shifts } = s;
  for (let q = 0; q < nb; q++) {
    const lo = q * B, hi = Math.min(n, lo + B);
    let sq = -Infinity;
    for (let j = lo; j < hi; j++) if (u[j] > sq) sq = u[j];
    shifts[q] = sq;
  }
  for (let q = 0; q < nb; q++) {
    const lo = q * B, hi = Math.min(n, lo + B), sq = shifts[q];
    if (sq === -Infinity) for (let j = lo; j < hi; j++) v[j] = 0;
    else for (let j = lo; j < hi; j++) v[j] = expNeg(u[j] - sq);
  }
  for (let q = 0; q < nb; q++) {
    const lo = q * B, hi = Math.min(n, lo + B);
    const sl = q > 0 ? shifts[q - 1] : -Infinity, sc = shifts[q], sr = q + 1 < nb ? shifts[q + 1] : -Infinity;
    const M = Math.max(sl, sc, sr);
    if (M === -Infinity) {
      for (let i = lo; i < hi; i++) out[i] = -Infinity;
      continue;
    }
    // t[w + j] = v_j e^{s_b(j) − M} over the window of the block's outputs (zero padding outside the line).
    const jlo = Math.max(0, lo - w), jhi = Math.min(n, hi + w);
    const cl = expNeg(sl - M), cc = expNeg(sc - M), cr = expNeg(sr - M);
    for (let j = lo - w; j < jlo; j++) t[w + j] = 0;
    for (let j = jlo; j < lo; j++) t[w + j] = v[j] * cl;
    for (let j = lo; j < hi; j++) t[w + j] = v[j] * cc;
    for (let j = hi; j < jhi; j++) t[w + j] = v[j] * cr;
    for (let j = jhi; j < hi + w; j++) t[w + j] = 0;
    const k0 = taps[0];
    for (let i = lo; i < hi; i++) {
      const c = w + i;
      let s0 = k0 * t[c], s1 = 0;
      let m = 1;
      for (; m < w; m += 2) {
        s0 += taps[m] * (t[c - m] + t[c + m]);
        s1 += taps[m + 1] * (t[c - m - 1] + t[c + m + 1]);
      }
      if (m === w) s0 += taps[m] * (t[c - m] + t[c + m]);
      const sum = s0 + s1;
      out[i] = sum > TINY ? M + Math.log(sum) : exactLse(u, n, i, w, logTaps);
    }
  }
}

/** LSE over output i's window with its own maximum (slow path, exact for any range). */
export function exactLse(u: Float64Array, n: number, i: number, w: number, logTaps: Float64Array): number {
  const a = Math.max(0, i - w), b = Math.min(n - 1, i + w);
  let M = -Infinity;
  for (let j = a; j <= b; j++) {
    const x = u[j] + logTaps[i > j ? i - j : j - i];
    if (x > M) M = x;
  }
  if (M === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = a; j <= b; j++) sum += Math.exp(u[j] + logTaps[i > j ? i - j : j - i] - M);
  return M + Math.log(sum);
}
