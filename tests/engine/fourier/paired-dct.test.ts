import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { dctN, idctN } from '../../../engine/fourier/dct.ts';
import { dctPairedN, idctPairedN } from '../../../engine/fourier/paired-dct.ts';

describe('paired cosine transform (two real lines per complex FFT)', () => {
  const rng = new Rng(9);
  // Odd and even line counts (an unpaired last line), powers of two and Bluestein lengths, 1–3 axes.
  for (const shape of [[1], [7], [8, 5], [96, 33], [4, 6, 5], [3, 1, 9]]) {
    it(`equals dctN / idctN to round-off on [${shape.join(', ')}], and inverts itself`, () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = Float64Array.from({ length: size }, () => rng.normal());
      const ref = x.slice(), ours = x.slice();
      dctN(ref, shape);
      dctPairedN(ours, shape);
      const scale = Math.max(...ref.map(Math.abs));
      // Both are O(log n) FFT passes of unit-modulus twiddles: errors of a few ulp of the largest coefficient.
      for (let i = 0; i < size; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-13 * scale);
      idctN(ref, shape);
      idctPairedN(ours, shape);
      for (let i = 0; i < size; i++) expect(Math.abs(ours[i] - x[i])).toBeLessThan(1e-13 * (1 + Math.abs(x[i])));
    });
  }
});
