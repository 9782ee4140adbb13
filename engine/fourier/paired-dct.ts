import { alongAxes } from './dct.ts';
import { complexFFT, type ComplexFFT } from './fft.ts';

/**
 * The cosine transform pair of dct.ts (DCT-II, unnormalized, and its inverse) done two
 * real lines at a time: the lines x, y go in as the real and imaginary parts of one
 * complex sequence, so one complex FFT of length n serves both (the two-for-one real
 * FFT; Makhoul 1980 for the DCT through an FFT). With z = v_x + i v_y (v the even/odd
 * reordering of dct.ts) and Z = FFT(z), the two spectra are
 *
 *     V_x[k] = (Z_k + conj Z_{n−k}) / 2,    V_y[k] = (Z_k − conj Z_{n−k}) / (2i),
 *
 * then X_k = Re(e^{−iπk/(2n)} V_x[k]) and likewise Y_k. The inverse builds
 * V[k] = e^{+iπk/(2n)} (X_k − i X_{n−k}) for both lines and one inverse FFT of
 * V_x + i V_y returns v_x + i v_y. Half the FFTs of dctN/idctN, same results to
 * round-off (tests/engine/fourier/paired-dct.test.ts); used where a Poisson solve runs in a
 * hot loop (the back-and-forth preconditioner, engine/grid/exact/h1-preconditioner.ts).
 */
export class PairedCosineTransform {
  readonly n: number;
  /** FFT input and output (separate: an in-place FFT of a power of two copies its input first). */
  private readonly z: Float64Array;
  private readonly zHat: Float64Array;
  private readonly twiddle: Float64Array;
  private readonly fft: ComplexFFT;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`DCT length must be a positive integer; got ${n}`);
    this.n = n;
    this.z = new Float64Array(2 * n);
    this.zHat = new Float64Array(2 * n);
    this.twiddle = new Float64Array(2 * n);
    this.fft = complexFFT(n);
    for (let k = 0; k < n; k++) {
      const ang = (-Math.PI * k) / (2 * n);
      this.twiddle[2 * k] = Math.cos(ang);
      this.twiddle[2 * k + 1] = Math.sin(ang);
    }
  }

  /** DCT-II of the lines at (ox, stride) and (oy, stride) of `a`, in place; oy < 0: one line only. */
  forward(a: Float64Array, ox: number, oy: number, stride: number): void {
    const { n, z, zHat: Z, twiddle: w } = this;
    const half = (n + 1) >> 1;
    if (oy >= 0) {
      for (let j = 0, p = ox, q = oy, st = 2 * stride; j < half; j++, p += st, q += st) {
        z[2 * j] = a[p];
        z[2 * j + 1] = a[q];
      }
      for (let j = 0, p = ox + stride, q = oy + stride, st = 2 * stride, e = 2 * (n - 1); j < n >> 1; j++, p += st, q += st, e -= 2) {
        z[e] = a[p];
        z[e + 1] = a[q];
      }
    } else {
      for (let j = 0, p = ox, st = 2 * stride; j < half; j++, p += st) {
        z[2 * j] = a[p];
        z[2 * j + 1] = 0;
      }
      for (let j = 0, p = ox + stride, st = 2 * stride, e = 2 * (n - 1); j < n >> 1; j++, p += st, e -= 2) {
        z[e] = a[p];
        z[e + 1] = 0;
      }
    }
    this.fft.forward(z, Z);
    // k = 0: Z_0 is (V_x[0] + i V_y[0]) with both real.
    a[ox] = Z[0];
    if (oy >= 0) a[oy] = Z[1];
    for (let k = 1, px = ox + stride, py = oy + stride; k < n; k++, px += stride, py += stride) {
      const m = 2 * (n - k);
      const ar = Z[2 * k], ai = Z[2 * k + 1], cr = Z[m], ci = Z[m + 1];
      const wr = w[2 * k], wi = w[2 * k + 1];
      a[px] = 0.5 * (wr * (ar + cr) - wi * (ai - ci));
      if (oy >= 0) a[py] = 0.5 * (wr * (ai + ci) + wi * (ar - cr));
    }
  }

  /** Inverse of forward (a scaled DCT-III), in place. */
  inverse(a: Float64Array, ox: number, oy: number, stride: number): void {
    const { n, z, zHat: Z, twiddle: w } = this;
    const two = oy >= 0;
    for (let k = 0, px = ox, py = oy; k < n; k++, px += stride, py += stride) {
      // V = conj(w_k) (X_k − i X_{n−k}) for each line; Z = V_x + i V_y.
      const back = (n - k) * stride;
      const xr = a[px], xi = k === 0 ? 0 : -a[ox + back];
      const yr = two ? a[py] : 0, yi = two && k > 0 ? -a[oy + back] : 0;
      const cr = w[2 * k], ci = -w[2 * k + 1];
      z[2 * k] = xr * cr - xi * ci - (yr * ci + yi * cr);
      z[2 * k + 1] = xr * ci + xi * cr + (yr * cr - yi * ci);
    }
    this.fft.inverse(z, Z);
    const half = (n + 1) >> 1;
    for (let j = 0, p = ox, q = oy, st = 2 * stride; j < half; j++, p += st, q += st) {
      a[p] = Z[2 * j];
      if (two) a[q] = Z[2 * j + 1];
    }
    for (let j = 0, p = ox + stride, q = oy + stride, st = 2 * stride, e = 2 * (n - 1); j < n >> 1; j++, p += st, q += st, e -= 2) {
      a[p] = Z[e];
      if (two) a[q] = Z[e + 1];
    }
  }
}

const plans = new Map<number, PairedCosineTransform>();

function plan(n: number): PairedCosineTransform {
  let p = plans.get(n);
  if (!p) {
    p = new PairedCosineTransform(n);
    plans.set(n, p);
  }
  return p;
}

/** Same as dctN (DCT-II along every axis, in place), two lines per FFT. */
export function dctPairedN(a: Float64Array, shape: readonly number[]): void {
  alongAxesInPairs(a, shape, false);
}

/** Same as idctN (inverse of dctN), two lines per FFT. */
export function idctPairedN(a: Float64Array, shape: readonly number[]): void {
  alongAxesInPairs(a, shape, true);
}

function alongAxesInPairs(a: Float64Array, shape: readonly number[], inverse: boolean): void {
  // alongAxes visits the lines of an axis one by one; hold every other line back and
  // transform it together with the next (a last unpaired line goes alone).
  let held = -1, heldStride = 0;
  let current: PairedCosineTransform | null = null;
  const flush = () => {
    if (held >= 0 && current) (inverse ? current.inverse : current.forward).call(current, a, held, -1, heldStride);
    held = -1;
  };
  alongAxes(a, shape, (n) => {
    flush();
    current = plan(n);
    const t = current;
    return (_x, o, s) => {
      if (held < 0) {
        held = o;
        heldStride = s;
        return;
      }
      if (inverse) t.inverse(a, held, o, s);
      else t.forward(a, held, o, s);
      held = -1;
    };
  });
  flush();
}
