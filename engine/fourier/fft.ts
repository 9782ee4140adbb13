import FFT from 'fft.js';

/**
 * Complex discrete Fourier transform of any length n ≥ 1, on interleaved arrays
 * [re0, im0, re1, im1, …] of length 2n:
 *
 *     forward:  X_k = Σ_j x_j e^{−2πi jk/n}          inverse:  x_j = (1/n) Σ_k X_k e^{+2πi jk/n}
 *
 * Powers of two use fft.js (radix-4) directly. Other lengths use Bluestein's
 * chirp-z identity jk = (j² + k² − (k − j)²)/2, which turns the length-n DFT into a
 * circular convolution of length M ≥ 2n − 1 (a power of two) done with fft.js
 * (Bluestein 1970; Rabiner, Schafer & Rader 1969). Grids of the JKO schemes have any
 * size (96, 192, …), so the transform cannot assume a power of two.
 *
 * A plan holds its scratch buffers: reuse one per length in hot loops.
 */
export class ComplexFFT {
  readonly n: number;
  private readonly pow2: FFT | null;
  /** Bluestein: chirp w_j = e^{−πi j²/n} [2n], the FFT of the conjugate chirp b [2M], scratch [2M] ×2. */
  private readonly chirp: Float64Array | null = null;
  private readonly chirpHat: Float64Array | null = null;
  private readonly inner: FFT | null = null;
  private readonly a: Float64Array | null = null;
  private readonly aHat: Float64Array | null = null;
  private readonly scratch: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`FFT length must be a positive integer; got ${n}`);
    this.n = n;
    this.scratch = new Float64Array(2 * n);
    this.pow2 = n > 1 && (n & (n - 1)) === 0 ? new FFT(n) : null;
    if (this.pow2 || n === 1) return;
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    const chirp = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      // j² mod 2n keeps the angle small (exact integer arithmetic up to n ≈ 6.7e7).
      const q = (j * j) % (2 * n);
      const ang = (Math.PI * q) / n;
      chirp[2 * j] = Math.cos(ang);
      chirp[2 * j + 1] = -Math.sin(ang);
    }
    // b_k = conj(w_k) for |k| < n, laid out circularly over M.
    const b = new Float64Array(2 * m);
    for (let k = 0; k < n; k++) {
      b[2 * k] = chirp[2 * k];
      b[2 * k + 1] = -chirp[2 * k + 1];
      if (k > 0) {
        b[2 * (m - k)] = chirp[2 * k];
        b[2 * (m - k) + 1] = -chirp[2 * k + 1];
      }
    }
    this.inner = new FFT(m);
    this.chirp = chirp;
    this.chirpHat = new Float64Array(2 * m);
    this.inner.transform(this.chirpHat, b);
    this.a = new Float64Array(2 * m);
    this.aHat = new Float64Array(2 * m);
  }

  /** X = DFT(x); `out` may alias `input`. Both interleaved, length 2n. */
  forward(input: ArrayLike<number>, out: Float64Array): Float64Array {
    return this.apply(input, out, false);
  }

  /** x = DFT⁻¹(X), including the 1/n; `out` may alias `input`. */
  inverse(input: ArrayLike<number>, out: Float64Array): Float64Array {
    return this.apply(input, out, true);
  }

  private apply(input: ArrayLike<number>, out: Float64Array, inverse: boolean): Float64Array {
    const n = this.n;
    if (input.length !== 2 * n || out.length !== 2 * n) throw new Error(`FFT of length ${n} needs interleaved arrays of length ${2 * n}`);
    if (n === 1) {
      out[0] = input[0];
      out[1] = input[1];
      return out;
    }
    if (this.pow2) {
      const src = input === out ? this.copyToScratch(input) : input;
      if (inverse) this.pow2.inverseTransform(out, src);
      else this.pow2.transform(out, src);
      return out;
    }
    // The inverse DFT is the conjugate of the forward DFT of the conjugate, over n.
    const sign = inverse ? -1 : 1;
    const m = this.inner!.size;
    const w = this.chirp!, a = this.a!, aHat = this.aHat!, bHat = this.chirpHat!;
    a.fill(0);
    for (let j = 0; j < n; j++) {
      const xr = input[2 * j], xi = sign * input[2 * j + 1];
      const wr = w[2 * j], wi = w[2 * j + 1];
      a[2 * j] = xr * wr - xi * wi;
      a[2 * j + 1] = xr * wi + xi * wr;
    }
    this.inner!.transform(aHat, a);
    for (let k = 0; k < m; k++) {
      const ar = aHat[2 * k], ai = aHat[2 * k + 1], br = bHat[2 * k], bi = bHat[2 * k + 1];
      aHat[2 * k] = ar * br - ai * bi;
      aHat[2 * k + 1] = ar * bi + ai * br;
    }
    this.inner!.inverseTransform(a, aHat);
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const cr = a[2 * k], ci = a[2 * k + 1];
      const wr = w[2 * k], wi = w[2 * k + 1];
      out[2 * k] = scale * (cr * wr - ci * wi);
      out[2 * k + 1] = sign * scale * (cr * wi + ci * wr);
    }
    return out;
  }

  private copyToScratch(input: ArrayLike<number>): Float64Array {
    for (let i = 0; i < input.length; i++) this.scratch[i] = input[i];
    return this.scratch;
  }
}

const plans = new Map<number, ComplexFFT>();

/** A cached plan of length n (plans hold scratch: not for concurrent use within one thread's call). */
export function complexFFT(n: number): ComplexFFT {
  let p = plans.get(n);
  if (!p) {
    p = new ComplexFFT(n);
    plans.set(n, p);
  }
  return p;
}

/** Smallest power of two ≥ n (mesh sizes for FFT convolutions). */
export function nextPowerOfTwo(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

/**
 * In-place DFT along every axis of a row-major complex array of `shape`, interleaved
 * [re, im] per entry (length 2·Πshape): the d-dimensional DFT, e.g. for convolutions
 * on a particle mesh. `inverse` includes the 1/Πshape.
 */
export function fftN(a: Float64Array, shape: readonly number[], inverse = false): Float64Array {
  const size = shape.reduce((p, q) => p * q, 1);
  if (a.length !== 2 * size) throw new Error(`complex array of length ${a.length} does not have shape [${shape.join(', ')}] (needs ${2 * size})`);
  let stride = size;
  for (let k = 0; k < shape.length; k++) {
    const n = shape[k];
    stride /= n;
    if (n === 1) continue;
    const plan = complexFFT(n);
    const line = new Float64Array(2 * n);
    const block = n * stride;
    for (let base = 0; base < size; base += block)
      for (let r = 0; r < stride; r++) {
        const o = base + r;
        for (let j = 0; j < n; j++) {
          line[2 * j] = a[2 * (o + j * stride)];
          line[2 * j + 1] = a[2 * (o + j * stride) + 1];
        }
        if (inverse) plan.inverse(line, line);
        else plan.forward(line, line);
        for (let j = 0; j < n; j++) {
          a[2 * (o + j * stride)] = line[2 * j];
          a[2 * (o + j * stride) + 1] = line[2 * j + 1];
        }
      }
  }
  return a;
}
