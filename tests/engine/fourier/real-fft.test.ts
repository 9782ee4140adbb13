import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { fftN } from '../../../engine/fourier/fft.ts';
import { halfSpectrumShape, irfftN, rfftN } from '../../../engine/fourier/real-fft.ts';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('real-input FFT (half spectrum)', () => {
  it('equals the complex DFT on its half, in 1D, 2D and 3D, and inverts', () => {
    const rng = new Rng(1);
    for (const shape of [[2], [16], [6, 10], [8, 4, 12], [32, 32]]) {
      const x = Float64Array.from({ length: size(shape) }, () => rng.normal());
      const c = new Float64Array(2 * x.length);
      x.forEach((v, i) => (c[2 * i] = v));
      fftN(c, shape);
      const hs = halfSpectrumShape(shape);
      const spec = rfftN(x, shape, new Float64Array(2 * size(hs)));
      const last = shape[shape.length - 1], hl = hs[hs.length - 1];
      let err = 0;
      for (let q = 0; q < size(hs); q++) {
        const full = Math.floor(q / hl) * last + (q % hl);
        err = Math.max(err, Math.abs(spec[2 * q] - c[2 * full]), Math.abs(spec[2 * q + 1] - c[2 * full + 1]));
      }
      expect(err, `shape ${shape}`).toBeLessThan(1e-12 * Math.sqrt(x.length) * 4);
      const back = irfftN(spec, shape, new Float64Array(x.length));
      let e2 = 0;
      for (let i = 0; i < x.length; i++) e2 = Math.max(e2, Math.abs(back[i] - x[i]));
      expect(e2).toBeLessThan(1e-13);
    }
  });

  it('pruning: skipping zero lines (forward) and unneeded outputs (inverse) changes nothing that is kept', () => {
    const rng = new Rng(2);
    for (const shape of [[16, 8], [8, 16, 8]]) {
      const nz = shape.map((n) => n / 2);
      const x = new Float64Array(size(shape));
      // Zero-padded block [0, n/2) on every axis, as a particle mesh.
      const idx = (i: number[]) => i.reduce((o, v, k) => o * shape[k] + v, 0);
      const visit = (k: number, i: number[]) => {
        if (k === shape.length) x[idx(i)] = rng.normal();
        else for (let v = 0; v < nz[k]; v++) visit(k + 1, [...i, v]);
      };
      visit(0, []);
      const hs = halfSpectrumShape(shape);
      const full = rfftN(x, shape, new Float64Array(2 * size(hs)));
      const pruned = rfftN(x, shape, new Float64Array(2 * size(hs)), nz);
      expect(Array.from(pruned)).toEqual(Array.from(full));
      const a = irfftN(full.slice(), shape, new Float64Array(x.length));
      const b = irfftN(full.slice(), shape, new Float64Array(x.length), nz);
      for (let i = 0; i < x.length; i++) {
        const inside = shape.every((_, k) => Math.floor(i / size(shape.slice(k + 1))) % shape[k] < nz[k]);
        if (inside) expect(b[i]).toBe(a[i]);
      }
    }
  });
});
