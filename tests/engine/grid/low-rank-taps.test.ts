import { describe, expect, it } from 'vitest';
import { lowRankTaps } from '../../../engine/grid/low-rank-taps.ts';

const DELTA = 1e-12;

/** max_ij |G_ij − (L Lᵀ)_ij| for the n-cell axis of [0, 1] at ε. */
function entryError(n: number, eps: number, f: NonNullable<ReturnType<typeof lowRankTaps>>): number {
  const h = 1 / n, r = f.rank;
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < r; q++) s += f.factor[i * r + q] * f.factor[j * r + q];
      e = Math.max(e, Math.abs(s - Math.exp(-((i - j) * (i - j) * h * h) / (2 * eps))));
    }
  }
  return e;
}

describe('low-rank factor of the 1D Gibbs matrix (pivoted Cholesky)', () => {
  for (const eps of [0.003, 0.01, 0.03]) {
    for (const n of [64, 128, 256]) {
      it(`stops at the residual diagonal δ, and every entry of L Lᵀ is within δ of G (n = ${n}, ε = ${eps})`, () => {
        const f = lowRankTaps(n, 1 / n, eps, DELTA)!;
        expect(f.rank).toBeGreaterThan(0);
        expect(f.rank).toBeLessThan(n);
        expect(f.residual).toBeLessThanOrEqual(DELTA);
        // |R_ij| ≤ √(R_ii R_jj) ≤ δ for the PSD residual; round-off adds ~r·2⁻⁵² per entry
        expect(entryError(n, eps, f)).toBeLessThanOrEqual(DELTA + f.rank * 2 ** -52);
        // the stop is the first rank that reaches δ: one column fewer is refused
        expect(lowRankTaps(n, 1 / n, eps, DELTA, f.rank - 1)).toBeNull();
        expect(lowRankTaps(n, 1 / n, eps, DELTA, f.rank)!.rank).toBe(f.rank);
      });
    }
  }

  it('has a rank that depends on ε (the width in cells of [0, 1]), not on n', () => {
    const ranks = (eps: number) => [64, 128, 256, 512].map((n) => lowRankTaps(n, 1 / n, eps, DELTA)!.rank);
    for (const r of ranks(0.01)) expect([r >= 29, r <= 33], `rank ${r}`).toEqual([true, true]);
    for (const r of ranks(0.03)) expect([r >= 19, r <= 23], `rank ${r}`).toEqual([true, true]);
    for (const r of ranks(0.003).slice(1)) expect([r >= 50, r <= 55], `rank ${r}`).toEqual([true, true]);
  });

  it('is null for the untruncated kernel (δ = 0: rank n) and refuses a bad ε', () => {
    expect(lowRankTaps(64, 1 / 64, 0.01, 0)).toBeNull();
    expect(() => lowRankTaps(64, 1 / 64, 0, DELTA)).toThrow(/ε must be > 0/);
  });

  it('is exact (the whole matrix) for a kernel whose rank is n', () => {
    const n = 12;
    const f = lowRankTaps(n, 1 / n, 1e-4, DELTA)!; // nearly the identity: full rank
    expect(f.rank).toBe(n);
    expect(entryError(n, 1e-4, f)).toBeLessThanOrEqual(n * 2 ** -52);
  });
});
