import { describe, expect, it } from 'vitest';
import { argsortFloat64, sortFloat64 } from '../../engine/core/sort.ts';
import { Rng } from '../../engine/core/rng.ts';

/** Arrays that exercise the radix passes: spread exponents, both signs, ±0, ties, and the small-n path. */
function cases(): Float64Array[] {
  const rng = new Rng(5);
  const out: Float64Array[] = [];
  for (const n of [0, 1, 7, 511, 512, 2000, 16384]) {
    const wide = new Float64Array(n), ties = new Float64Array(n), narrow = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      wide[i] = (rng.uniform() - 0.5) * Math.exp(40 * (rng.uniform() - 0.5));
      // Few distinct values, −0 and +0 among them: ties decide the permutation.
      ties[i] = i % 5 === 0 ? (i % 10 === 0 ? -0 : 0) : Math.round(6 * (rng.uniform() - 0.5));
      narrow[i] = 1 + 1e-12 * Math.floor(1000 * rng.uniform());
    }
    out.push(wide, ties, narrow);
  }
  return out;
}

describe('radix sorts of float64 keys', () => {
  it('sortFloat64 gives the values of Float64Array.prototype.sort, −0 before +0', () => {
    for (const a of cases()) {
      const want = a.slice().sort();
      const got = sortFloat64(a.slice());
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
    }
  });

  it('argsortFloat64 gives the permutation of a stable comparator sort (±0 tie, ties in index order)', () => {
    for (const a of cases()) {
      const want = Uint32Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i] - a[j]);
      const got = argsortFloat64(a, new Uint32Array(a.length));
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    // An ordinary array of numbers is a valid key set too.
    const plain = [3, -1, 2, 2, -0, 0, 5e300, -5e-300];
    expect(Array.from(argsortFloat64(plain, new Uint32Array(plain.length)))).toEqual([1, 7, 4, 5, 2, 3, 0, 6]);
  });

  it('keys with a NaN fall back to the built-in sorts', () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) - 500);
    a[17] = NaN;
    const want = a.slice().sort();
    const got = sortFloat64(a.slice());
    for (let i = 0; i < a.length; i++) expect(Object.is(got[i], want[i])).toBe(true);
    const wantIdx = Uint32Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i] - a[j]);
    expect(Array.from(argsortFloat64(a, new Uint32Array(a.length)))).toEqual(Array.from(wantIdx));
  });
});
