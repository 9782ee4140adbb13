import { describe, expect, it } from 'vitest';
import { ComplexFFT, CosineTransform, dctN, fftN, idctN } from '../../../engine/fourier/index.ts';
import { Rng } from '../../../engine/core/rng.ts';

/** The O(n²) definition X_k = Σ_j x_j e^{−2πi jk/n}. */
function naiveDft(x: Float64Array, inverse = false): Float64Array {
  const n = x.length / 2;
  const out = new Float64Array(2 * n);
  const s = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let re = 0, im = 0;
    for (let j = 0; j < n; j++) {
      const ang = (s * 2 * Math.PI * ((j * k) % n)) / n;
      re += x[2 * j] * Math.cos(ang) - x[2 * j + 1] * Math.sin(ang);
      im += x[2 * j] * Math.sin(ang) + x[2 * j + 1] * Math.cos(ang);
    }
    out[2 * k] = inverse ? re / n : re;
    out[2 * k + 1] = inverse ? im / n : im;
  }
  return out;
}

function naiveDct(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[k] += x[j] * Math.cos((Math.PI * k * (2 * j + 1)) / (2 * n));
  return out;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const random = (len: number, seed: number) => {
  const r = new Rng(seed);
  return Float64Array.from({ length: len }, () => r.normal());
};

describe('ComplexFFT of any length', () => {
  // Round-off of an FFT grows like log n; Bluestein adds two more FFTs of length ≤ 4n.
  // Entries are O(√n) for unit normal inputs, so 1e-12·n bounds the error generously.
  for (const n of [1, 2, 3, 5, 8, 12, 31, 64, 96, 100, 127, 256]) {
    it(`matches the O(n²) DFT and inverts itself at n = ${n}`, () => {
      const x = random(2 * n, n);
      const plan = new ComplexFFT(n);
      const X = plan.forward(x, new Float64Array(2 * n));
      expect(maxAbs(X, naiveDft(x))).toBeLessThan(1e-12 * Math.max(8, n));
      const back = plan.inverse(X, new Float64Array(2 * n));
      expect(maxAbs(back, x)).toBeLessThan(1e-13 * Math.max(8, n));
      // In place gives the same.
      const y = x.slice();
      plan.forward(y, y);
      expect(maxAbs(y, X)).toBe(0);
    });
  }

  it('fftN is the separable multi-dimensional DFT (3×5×4) and inverts itself', () => {
    const shape = [3, 5, 4];
    const size = 60;
    const x = random(2 * size, 9);
    const X = fftN(x.slice(), shape);
    // Direct 3D DFT of one coefficient per corner of the index box.
    for (const [a, b, c] of [[0, 0, 0], [1, 2, 3], [2, 4, 1]]) {
      let re = 0, im = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 4; k++) {
        const ang = -2 * Math.PI * ((a * i) / 3 + (b * j) / 5 + (c * k) / 4);
        const o = 2 * ((i * 5 + j) * 4 + k);
        re += x[o] * Math.cos(ang) - x[o + 1] * Math.sin(ang);
        im += x[o] * Math.sin(ang) + x[o + 1] * Math.cos(ang);
      }
      const o = 2 * ((a * 5 + b) * 4 + c);
      expect(Math.abs(X[o] - re) + Math.abs(X[o + 1] - im)).toBeLessThan(1e-11);
    }
    expect(maxAbs(fftN(X, shape, true), x)).toBeLessThan(1e-13);
  });

  it('refuses bad lengths', () => {
    expect(() => new ComplexFFT(0)).toThrow(/positive integer/);
    expect(() => new ComplexFFT(2.5)).toThrow(/positive integer/);
  });
});

describe('CosineTransform (DCT-II and its inverse)', () => {
  for (const n of [1, 2, 3, 7, 16, 48, 96, 101]) {
    it(`matches the O(n²) DCT-II and inverts it at n = ${n}`, () => {
      const x = random(n, 100 + n);
      const t = new CosineTransform(n);
      const X = new Float64Array(n);
      t.forward(x, X);
      expect(maxAbs(X, naiveDct(x))).toBeLessThan(1e-12 * Math.max(8, n));
      const back = new Float64Array(n);
      t.inverse(X, back);
      expect(maxAbs(back, x)).toBeLessThan(1e-13 * Math.max(8, n));
    });
  }

  it('diagonalizes the Neumann Laplacian on cell centres', () => {
    // (Lx)_j = x_{j−1} − 2x_j + x_{j+1} with reflected ends has eigenvalues −(2 − 2cos(πk/n)).
    const n = 24;
    const x = random(n, 5);
    const Lx = new Float64Array(n);
    for (let j = 0; j < n; j++) Lx[j] = x[Math.max(0, j - 1)] - 2 * x[j] + x[Math.min(n - 1, j + 1)];
    const t = new CosineTransform(n);
    const X = new Float64Array(n), LX = new Float64Array(n);
    t.forward(x, X);
    t.forward(Lx, LX);
    for (let k = 0; k < n; k++) expect(LX[k]).toBeCloseTo(-(2 - 2 * Math.cos((Math.PI * k) / n)) * X[k], 11);
  });

  it('dctN / idctN act along every axis of a 2D array (strided lines)', () => {
    const shape = [6, 10];
    const x = random(60, 77);
    const X = x.slice();
    dctN(X, shape);
    // Separable: the 2D coefficient (a, b) is Σ_ij x_ij cos(πa(2i+1)/12) cos(πb(2j+1)/20).
    for (const [a, b] of [[0, 0], [3, 7], [5, 9]]) {
      let s = 0;
      for (let i = 0; i < 6; i++) for (let j = 0; j < 10; j++) s += x[i * 10 + j] * Math.cos((Math.PI * a * (2 * i + 1)) / 12) * Math.cos((Math.PI * b * (2 * j + 1)) / 20);
      expect(X[a * 10 + b]).toBeCloseTo(s, 11);
    }
    idctN(X, shape);
    expect(maxAbs(X, x)).toBeLessThan(1e-13);
  });
});
