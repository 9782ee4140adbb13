import { complexFFT } from './fft.ts';

/**
 * The cosine transform pair that diagonalizes the Neumann Laplacian on cell centres
 * (DCT-II and its inverse), for any length n:
 *
 *     X_k = Σ_{j<n} x_j cos(πk(2j + 1)/(2n))                        (DCT-II, unnormalized)
 *     x_j = (1/n) [X_0 + 2 Σ_{k≥1} X_k cos(πk(2j + 1)/(2n))]          (its inverse, a scaled DCT-III)
 *
 * The discrete Laplacian with zero-flux boundaries on a grid of cell centres has the
 * cosines cos(πk(2j+1)/(2n)) as eigenvectors, with eigenvalues −(2 − 2cos(πk/n))/h²;
 * solving a Poisson equation is then a division in this basis (e.g. the H¹
 * preconditioner of the back-and-forth method, Jacobs & Léger 2020).
 *
 * Both go through one complex FFT of length n (Makhoul, "A fast cosine transform in one
 * and two dimensions", IEEE TASSP 1980): reorder v = (x_0, x_2, x_4, …, x_5, x_3, x_1),
 * V = FFT(v), X_k = Re(e^{−iπk/(2n)} V_k); the inverse reverses each step.
 */
export class CosineTransform {
  readonly n: number;
  private readonly buf: Float64Array;
  private readonly twiddle: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`DCT length must be a positive integer; got ${n}`);
    this.n = n;
    this.buf = new Float64Array(2 * n);
    this.twiddle = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const ang = (-Math.PI * k) / (2 * n);
      this.twiddle[2 * k] = Math.cos(ang);
      this.twiddle[2 * k + 1] = Math.sin(ang);
    }
  }

  /** X = DCT-II(x); `out` may alias `x`. Arrays of length n with a stride (for axes of nd arrays). */
  forward(x: Float64Array, out: Float64Array, offset = 0, stride = 1): void {
    const { n, buf, twiddle } = this;
    const half = (n + 1) >> 1;
    for (let j = 0; j < half; j++) {
      buf[2 * j] = x[offset + 2 * j * stride];
      buf[2 * j + 1] = 0;
    }
    for (let j = 0; j < n >> 1; j++) {
      buf[2 * (n - 1 - j)] = x[offset + (2 * j + 1) * stride];
      buf[2 * (n - 1 - j) + 1] = 0;
    }
    complexFFT(n).forward(buf, buf);
    for (let k = 0; k < n; k++) out[offset + k * stride] = twiddle[2 * k] * buf[2 * k] - twiddle[2 * k + 1] * buf[2 * k + 1];
  }

  /** x = DCT-II⁻¹(X); `out` may alias `X`. */
  inverse(X: Float64Array, out: Float64Array, offset = 0, stride = 1): void {
    const { n, buf, twiddle } = this;
    // V_k = e^{+iπk/(2n)} (X_k − i X_{n−k}), X_n = 0; then v = IFFT(V) is real.
    for (let k = 0; k < n; k++) {
      const xr = X[offset + k * stride];
      const xi = k === 0 ? 0 : -X[offset + (n - k) * stride];
      const cr = twiddle[2 * k], ci = -twiddle[2 * k + 1];
      buf[2 * k] = xr * cr - xi * ci;
      buf[2 * k + 1] = xr * ci + xi * cr;
    }
    complexFFT(n).inverse(buf, buf);
    const half = (n + 1) >> 1;
    for (let j = 0; j < half; j++) out[offset + 2 * j * stride] = buf[2 * j];
    for (let j = 0; j < n >> 1; j++) out[offset + (2 * j + 1) * stride] = buf[2 * (n - 1 - j)];
  }
}

/** Applies a 1D transform along every axis of a row-major array of `shape` (in place). */
export function alongAxes(a: Float64Array, shape: readonly number[], transform: (n: number) => (a: Float64Array, offset: number, stride: number) => void): void {
  const size = shape.reduce((p, q) => p * q, 1);
  if (a.length !== size) throw new Error(`array of length ${a.length} does not have shape [${shape.join(', ')}]`);
  let stride = size;
  for (let k = 0; k < shape.length; k++) {
    const n = shape[k];
    stride /= n;
    if (n === 1) continue;
    const f = transform(n);
    const block = n * stride;
    for (let base = 0; base < size; base += block) for (let r = 0; r < stride; r++) f(a, base + r, stride);
  }
}

const cosinePlans = new Map<number, CosineTransform>();

/** A cached cosine transform of length n. */
export function cosineTransform(n: number): CosineTransform {
  let p = cosinePlans.get(n);
  if (!p) {
    p = new CosineTransform(n);
    cosinePlans.set(n, p);
  }
  return p;
}

/** DCT-II along every axis of a row-major array (in place). */
export function dctN(a: Float64Array, shape: readonly number[]): void {
  alongAxes(a, shape, (n) => {
    const t = cosineTransform(n);
    return (x, o, s) => t.forward(x, x, o, s);
  });
}

/** Inverse of dctN (in place). */
export function idctN(a: Float64Array, shape: readonly number[]): void {
  alongAxes(a, shape, (n) => {
    const t = cosineTransform(n);
    return (x, o, s) => t.inverse(x, x, o, s);
  });
}
