import { describe, expect, it } from 'vitest';
import { argsortFloat64, sortFloat64, SortHint } from '../../../engine/core/sort.ts';
import { radialKsToUniformBall, radialW1ToUniformBall } from '../../../engine/metrics/radial-cdf.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { Rng } from '../../../engine/core/rng.ts';

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

/**
 * Step `step` of the sequence the hint tests walk: small moves (few inversions), a shuffle at
 * step 5 (over the move budget), zeros of both signs at 7, ties at 8, a NaN at 9, gone at 10.
 */
function moveAt(step: number, a: Float64Array, rng: Rng): void {
  const n = a.length;
  if (step === 5) for (let i = n - 1; i > 0; i--) { const j = Math.floor(rng.uniform() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  else for (let i = 0; i < n; i++) a[i] += 0.01 * rng.normal();
  if (step === 7) for (let i = 0; i < n; i += 3) a[i] = i % 2 ? 0 : -0;
  if (step === 8) for (let i = 0; i < n; i += 2) a[i] = Math.round(a[i]);
  if (step === 9 && n > 1) a[n >> 1] = NaN;
  if (step === 10 && n > 1) a[n >> 1] = 1;
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

  it('sortFloat64 sorts a view in place (its own words are the keys) and leaves the rest of the buffer alone', () => {
    const rng = new Rng(11);
    const whole = Float64Array.from({ length: 3000 }, () => rng.normal() * 1e3);
    const before = whole.slice();
    const view = whole.subarray(700, 2300);
    const want = view.slice().sort();
    sortFloat64(view);
    for (let i = 0; i < want.length; i++) expect(Object.is(view[i], want[i])).toBe(true);
    for (let i = 0; i < 700; i++) expect(whole[i]).toBe(before[i]);
    for (let i = 2300; i < 3000; i++) expect(whole[i]).toBe(before[i]);
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

describe('SortHint: sorting from the previous call\'s order', () => {
  const same = (got: Float64Array, src: Float64Array) => {
    const want = src.slice().sort();
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
  };

  it('gives the values of Float64Array.prototype.sort along a sequence of small and large moves, ±0, ties and NaN', () => {
    const rng = new Rng(11);
    for (const n of [1, 5, 600, 4000]) {
      const hint = new SortHint();
      const a = Float64Array.from({ length: n }, () => rng.normal());
      for (let step = 0; step < 12; step++) {
        moveAt(step, a, rng);
        same(hint.sortInto(a, new Float64Array(n)), a);
      }
    }
  });

  it('argsortInto gives the permutation of the stable comparator sort along a sequence of moves, ties and NaN', () => {
    const rng = new Rng(12);
    for (const n of [1, 5, 600, 4000]) {
      const hint = new SortHint();
      const a = Float64Array.from({ length: n }, () => rng.normal());
      for (let step = 0; step < 12; step++) {
        moveAt(step, a, rng);
        const want = Uint32Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j]);
        expect(Array.from(hint.argsortInto(a, new Uint32Array(n))), `n=${n} step ${step}`).toEqual(Array.from(want));
      }
    }
  });

  it('radial metrics with equal weights (sorted values) equal the index sort of the radii, call after call', () => {
    const rng = new Rng(3);
    const n = 2500, d = 2;
    const x = Float64Array.from({ length: n * d }, () => 0.6 * rng.normal());
    const m = new ParticleMeasure(x, d);
    const reference = () => {
      const r = Float64Array.from({ length: n }, (_, i) => Math.sqrt(x[2 * i] ** 2 + x[2 * i + 1] ** 2));
      const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((i, j) => r[i] - r[j]);
      let cdf = 0, ks = 0;
      for (const i of idx) {
        const F = Math.min(1, r[i]) ** d;
        ks = Math.max(ks, Math.abs(cdf - F));
        cdf += m.w[i];
        ks = Math.max(ks, Math.abs(cdf - F));
      }
      return ks;
    };
    for (let step = 0; step < 4; step++) {
      expect(radialKsToUniformBall(m)).toBe(reference());
      expect(radialW1ToUniformBall(m)).toBeGreaterThan(0);
      for (let i = 0; i < x.length; i++) x[i] *= 1 + 0.02 * rng.normal();
    }
  });
});
