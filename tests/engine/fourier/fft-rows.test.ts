import { afterAll, describe, expect, it } from 'vitest';
import { irfftNOnPool, rfftNOnPool, sharedSpectrum } from '../../../engine/fourier/fft-rows.ts';
import { fftPasses, halfSpectrumShape, irfftN, rfftN } from '../../../engine/fourier/real-fft.ts';
import { Rng } from '../../../engine/index.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';

const pools: RowPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));

/** Whether two arrays hold the same bits on the entries `keep` selects. */
function sameBits(a: Float64Array, b: Float64Array, keep: (i: number) => boolean = () => true): boolean {
  for (let i = 0; i < a.length; i++) if (keep(i) && !Object.is(a[i], b[i])) return false;
  return a.length === b.length;
}

describe('rfftN / irfftN with their sweeps over a row pool', () => {
  // A padded 2D mesh (data in the first half of each axis), a 3D one, and odd complex lengths (Bluestein).
  const CASES: [number[], number[]][] = [
    [[128, 256], [64, 128]],
    [[24, 16, 32], [12, 8, 16]],
    [[45, 70], [45, 70]],
  ];
  for (const [shape, span] of CASES)
    it(`shape [${shape}], data in [${span}]: 2 and 3 threads give the bits of one thread, forward and inverse`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const hsize = halfSpectrumShape(shape).reduce((a, b) => a * b, 1);
      const rng = new Rng(shape.length + shape[0]);
      // Zero outside the span, as a deposit on a padded mesh.
      const x = new Float64Array(size);
      const inSpan = (i: number) => {
        for (let k = shape.length - 1, r = i; k >= 0; k--) {
          if (r % shape[k] >= span[k]) return false;
          r = Math.floor(r / shape[k]);
        }
        return true;
      };
      for (let i = 0; i < size; i++) if (inSpan(i)) x[i] = rng.uniform() - 0.5;
      const spec = rfftN(x, shape, new Float64Array(2 * hsize), span);
      const back = irfftN(spec.slice(), shape, new Float64Array(size), span);
      // Not vacuous: the inverse gives the data back, and every sweep has items to split.
      for (let i = 0; i < size; i++) if (inSpan(i)) expect(back[i]).toBeCloseTo(x[i], 12);
      expect(fftPasses(shape, span, false).every((p) => p.items >= 2)).toBe(true);
      for (const threads of [2, 3]) {
        const pool = await startRowPool(threads);
        pools.push(pool);
        let s = sharedSpectrum(shape, null);
        s.spec.fill(NaN); // every entry of the spectrum is written
        s.real.set(x);
        expect(sameBits(rfftNOnPool(pool, s, shape, span), spec), `forward, threads=${threads}`).toBe(true);
        irfftNOnPool(pool, s, shape, span);
        expect(sameBits(s.real, back, inSpan), `inverse, threads=${threads}`).toBe(true);
        // A larger shape grows the same memory.
        s = sharedSpectrum(shape.map((n) => 2 * n), s);
        expect(s.real.length).toBe(size * 2 ** shape.length);
      }
    });
});
