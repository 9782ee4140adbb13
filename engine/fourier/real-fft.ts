import { complexFFT } from './fft.ts';

/**
 * Real-input DFT of even length n through one complex FFT of length n/2 (the
 * "two-for-one" packing): z_j = x_{2j} + i x_{2j+1}, Z = DFT_{n/2}(z), then
 *
 *     X_k = E_k + e^{−2πik/n} O_k,   E_k = (Z_k + conj Z_{n/2−k})/2,   O_k = (Z_k − conj Z_{n/2−k})/(2i)
 *
 * for k = 0 … n/2 (the other half is the conjugate mirror). The inverse undoes each
 * step (Brigham, *The Fast Fourier Transform*, 1974, §10.10). Half the work and
 * half the memory of a complex transform of the same real data.
 */
export class RealFFT {
  readonly n: number;
  private readonly half: number;
  /** e^{−2πik/n}, k < n/2, interleaved. */
  private readonly twiddle: Float64Array;
  private readonly buf: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new Error(`real FFT length must be an even integer ≥ 2; got ${n}`);
    this.n = n;
    this.half = n / 2;
    this.twiddle = new Float64Array(n);
    for (let k = 0; k < this.half; k++) {
      const a = (-2 * Math.PI * k) / n;
      this.twiddle[2 * k] = Math.cos(a);
      this.twiddle[2 * k + 1] = Math.sin(a);
    }
    this.buf = new Float64Array(n);
  }

  /** X_k, k = 0 … n/2, of the real x[xo … xo+n) into out[oo …] (interleaved, n/2 + 1 entries). */
  forward(x: ArrayLike<number>, xo: number, out: Float64Array, oo: number): void {
    const { half, buf, twiddle } = this;
    // x[xo … xo+n) read as n/2 interleaved complex numbers is z itself: transformed from there, no copy.
    if (x instanceof Float64Array) complexFFT(half).forward(x.subarray(xo, xo + this.n), buf);
    else {
      for (let j = 0; j < this.n; j++) buf[j] = x[xo + j];
      complexFFT(half).forward(buf, buf);
    }
    for (let k = 0; k <= half; k++) {
      const a = k % half, b = (half - k) % half;
      const zr = buf[2 * a], zi = buf[2 * a + 1], cr = buf[2 * b], ci = -buf[2 * b + 1];
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
      // O = (Z − conj Z')/(2i) = ((zi − ci) − i (zr − cr))/2
      const or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
      const tr = k === half ? -1 : twiddle[2 * k], ti = k === half ? 0 : twiddle[2 * k + 1];
      out[oo + 2 * k] = er + tr * or - ti * oi;
      out[oo + 2 * k + 1] = ei + tr * oi + ti * or;
    }
  }

  /** x = DFT⁻¹(X) (with the 1/n) from the n/2 + 1 entries X[so …] into the real out[oo … oo+n). */
  inverse(X: Float64Array, so: number, out: Float64Array, oo: number): void {
    const { half, buf, twiddle } = this;
    for (let k = 0; k < half; k++) {
      const xr = X[so + 2 * k], xi = X[so + 2 * k + 1];
      const cr = X[so + 2 * (half - k)], ci = -X[so + 2 * (half - k) + 1];
      const er = 0.5 * (xr + cr), ei = 0.5 * (xi + ci);
      // O = (X − conj X')/2 · e^{+2πik/n}
      const dr = 0.5 * (xr - cr), di = 0.5 * (xi - ci);
      const tr = twiddle[2 * k], ti = -twiddle[2 * k + 1];
      const or = dr * tr - di * ti, oi = dr * ti + di * tr;
      // Z = E + i O
      buf[2 * k] = er - oi;
      buf[2 * k + 1] = ei + or;
    }
    // z's interleaved entries are x itself: the inverse writes straight into out.
    complexFFT(half).inverse(buf, out.subarray(oo, oo + this.n));
  }
}

const plans = new Map<number, RealFFT>();

/** A cached real-FFT plan of even length n. */
export function realFFT(n: number): RealFFT {
  let p = plans.get(n);
  if (!p) {
    p = new RealFFT(n);
    plans.set(n, p);
  }
  return p;
}

/** Shape of the half spectrum of a real array of `shape`: the last axis becomes n/2 + 1. */
export function halfSpectrumShape(shape: readonly number[]): number[] {
  const s = shape.slice();
  s[s.length - 1] = s[s.length - 1] / 2 + 1;
  return s;
}

/**
 * Calls f(base, count) for the lines along `axis` of a row-major array of `shape`,
 * in runs of `count` ≤ `run` lines that are adjacent in memory (consecutive inner
 * indices; base is the linear index of the first one's first entry), restricted to
 * lines whose indices on the axes before `axis` are below `limit` (pruning: lines
 * known to be zero, or whose output is not needed, are skipped). Only the calls
 * numbered [first, last) in this order are made (a row pool's share); returns the
 * number of calls of the whole sweep.
 */
function forLines(shape: readonly number[], axis: number, limit: readonly number[], run: number, f: (base: number, count: number) => void, first = 0, last = Infinity): number {
  let inner = 1;
  for (let j = axis + 1; j < shape.length; j++) inner *= shape[j];
  const block = shape[axis] * inner;
  const outer = shape.slice(0, axis);
  const idx = new Array(axis).fill(0);
  let call = 0;
  for (;;) {
    let o = 0;
    for (let j = 0; j < axis; j++) o = o * outer[j] + idx[j];
    const base = o * block;
    for (let r = 0; r < inner; r += run) {
      if (call >= first && call < last) f(base + r, Math.min(run, inner - r));
      call++;
    }
    let j = axis - 1;
    while (j >= 0 && ++idx[j] >= Math.min(limit[j], outer[j])) idx[j--] = 0;
    if (j < 0) return call;
  }
}

/** Lines gathered at once along a strided axis: reading runs of adjacent entries keeps the copies cache-friendly. */
const RUN = 16;

/** This thread's gather and transform buffers of complexAxis, by line length. */
const lineBuffers = new Map<number, { gathered: Float64Array[]; lines: Float64Array[] }>();

/**
 * In-place complex DFT along one axis of an interleaved complex array of `shape`, on the lines
 * `forLines` selects (its calls [first, last) only).
 */
function complexAxis(a: Float64Array, shape: readonly number[], axis: number, limit: readonly number[], inverse: boolean, first = 0, last = Infinity): void {
  const n = shape[axis];
  if (n === 1) return;
  let stride = 1;
  for (let j = axis + 1; j < shape.length; j++) stride *= shape[j];
  const plan = complexFFT(n);
  // Gathered into `gathered`, transformed into `lines` (distinct arrays: the transform copies an aliased input first).
  let bufs = lineBuffers.get(n);
  if (!bufs) {
    if (lineBuffers.size > 8) lineBuffers.clear();
    lineBuffers.set(n, (bufs = { gathered: Array.from({ length: RUN }, () => new Float64Array(2 * n)), lines: Array.from({ length: RUN }, () => new Float64Array(2 * n)) }));
  }
  const { gathered, lines } = bufs;
  forLines(shape, axis, limit, RUN, (base, count) => {
    for (let j = 0; j < n; j++) {
      const p = 2 * (base + j * stride);
      for (let c = 0; c < count; c++) {
        const line = gathered[c];
        line[2 * j] = a[p + 2 * c];
        line[2 * j + 1] = a[p + 2 * c + 1];
      }
    }
    for (let c = 0; c < count; c++) {
      if (inverse) plan.inverse(gathered[c], lines[c]);
      else plan.forward(gathered[c], lines[c]);
    }
    for (let j = 0; j < n; j++) {
      const p = 2 * (base + j * stride);
      for (let c = 0; c < count; c++) {
        const line = lines[c];
        a[p + 2 * c] = line[2 * j];
        a[p + 2 * c + 1] = line[2 * j + 1];
      }
    }
  }, first, last);
}

/**
 * One sweep of rfftN or irfftN over independent lines: the real transforms along the last
 * axis (`axis` = d − 1), or the complex ones along an earlier axis. Its `items` (runs of
 * lines, forLines' calls) are independent: a row pool may hand them to any thread, and each
 * is computed the same way wherever it runs.
 */
export interface FFTPass {
  axis: number;
  inverse: boolean;
  items: number;
}

/**
 * The sweeps of rfftN (inverse false; `limit` = nonzero) or irfftN (inverse true; `limit` =
 * needed) over a real array of `shape`, in the order they run: each sweep's lines read what
 * the previous sweeps wrote.
 */
export function fftPasses(shape: readonly number[], limit: readonly number[], inverse: boolean): FFTPass[] {
  const d = shape.length;
  const hs = halfSpectrumShape(shape);
  const real: FFTPass = { axis: d - 1, inverse, items: forLines(shape.slice(0, d - 1).concat([1]), d - 1, limit, 1, () => {}, 0, 0) };
  const complex: FFTPass[] = [];
  for (let k = d - 2; k >= 0; k--) complex.push({ axis: k, inverse, items: hs[k] === 1 ? 0 : forLines(hs, k, limit, RUN, () => {}, 0, 0) });
  return inverse ? [...complex.reverse(), real] : [real, ...complex];
}

/**
 * Items [first, last) of one sweep (fftPasses) between the real array `x` of `shape` and its
 * half spectrum `spec`: the real sweep reads x and writes spec (forward) or reads spec and
 * writes x (inverse); a complex sweep transforms spec in place.
 */
export function runFFTPass(pass: FFTPass, x: Float64Array, spec: Float64Array, shape: readonly number[], limit: readonly number[], first: number, last: number): void {
  const d = shape.length;
  if (pass.axis < d - 1) return complexAxis(spec, halfSpectrumShape(shape), pass.axis, limit, pass.inverse, first, last);
  const n = shape[d - 1];
  const plan = realFFT(n);
  const m = n / 2 + 1;
  const lines = shape.slice(0, d - 1).concat([1]);
  if (pass.inverse) forLines(lines, d - 1, limit, 1, (line) => plan.inverse(spec, 2 * line * m, x, line * n), first, last);
  else forLines(lines, d - 1, limit, 1, (line) => plan.forward(x, line * n, spec, 2 * line * m), first, last);
}

/** Checks the lengths of a real array of `shape` and of its half spectrum. */
function checkShapes(x: Float64Array, spec: Float64Array, shape: readonly number[], what: 'real' | 'spectrum'): void {
  const size = shape.reduce((p, q) => p * q, 1);
  const hsize = halfSpectrumShape(shape).reduce((p, q) => p * q, 1);
  if (x.length !== size) throw new Error(`real array of length ${x.length} does not have shape [${shape.join(', ')}]`);
  if (spec.length !== 2 * hsize) throw new Error(what === 'real' ? `half spectrum needs length ${2 * hsize}; got ${spec.length}` : `half spectrum of length ${spec.length} does not match shape [${shape.join(', ')}]`);
}

/**
 * d-dimensional DFT of a real row-major array `x` of `shape` (last axis even) into
 * its half spectrum `out` (interleaved complex, shape `halfSpectrumShape(shape)`):
 * out[k] = Σ_j x_j e^{−2πi⟨j, k/shape⟩} for k_{d−1} ≤ n_{d−1}/2.
 *
 * `nonzero[k]` (default shape[k]): x is known to vanish where index_k ≥ nonzero[k],
 * as for a zero-padded mesh, so lines that hold only zeros are not transformed —
 * with padding ×2 on every axis this skips 3/8 of the work in 2D and 7/12 of the
 * line transforms in 3D.
 */
export function rfftN(x: Float64Array, shape: readonly number[], out: Float64Array, nonzero: readonly number[] = shape): Float64Array {
  checkShapes(x, out, shape, 'real');
  out.fill(0);
  for (const pass of fftPasses(shape, nonzero, false)) runFFTPass(pass, x, out, shape, nonzero, 0, pass.items);
  return out;
}

/**
 * Inverse of rfftN (with the 1/Πshape): the real array of `shape` from its half
 * spectrum `spec` (overwritten: the transform runs in place there). `needed[k]`
 * (default shape[k]): only entries with index_k < needed[k] are wanted; the others
 * are left unspecified in `out`, and the lines that only feed them are skipped.
 */
export function irfftN(spec: Float64Array, shape: readonly number[], out: Float64Array, needed: readonly number[] = shape): Float64Array {
  checkShapes(out, spec, shape, 'spectrum');
  for (const pass of fftPasses(shape, needed, true)) runFFTPass(pass, out, spec, shape, needed, 0, pass.items);
  return out;
}
