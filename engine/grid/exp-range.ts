/**
 * e^t for t in [−708, 0] (scaled exponentials of the log-domain kernel, where the
 * fast path needs a range of ~600, wider than engine/ot/fast-exp.ts covers).
 *
 * Tang's table method: k = round(−64t/ln2), t = −k ln2/64 + r, |r| ≤ ln2/128;
 * e^t = 2^{−⌊k/64⌋} · 2^{−(k mod 64)/64} · P6(r) with P6 the degree-6 Taylor
 * polynomial (remainder r⁷/5040 < 2e−20). ln2/64 is split in a head and a tail
 * (Cody–Waite, fdlibm's constants) so k·head is exact. Checked against Math.exp in
 * tests/grid/exp-range.test.ts (≤ 4 ulp). Below −708 it returns 0 (callers treat
 * such terms as negligible: see gibbs-geometry.ts). Tang, ACM TOMS 15(2), 1989.
 */
const K_SCALE = 64 / Math.LN2;
// fdlibm's split of ln 2: LN2_HI has 32 trailing zero bits (k·LN2_HI exact for k < 2^20),
// LN2_LO carries the next 53 bits, so k·ln2/64 is accurate far beyond one double.
const STEP_HI = 6.93147180369123816490e-1 / 64;
const STEP_LO = 1.90821492927058770002e-10 / 64;
const MAGIC = 6755399441055744; // 1.5·2^52: adding and subtracting rounds to an integer
/** 2^{−j/64}, j = 0..63. */
const FRAC = Float64Array.from({ length: 64 }, (_, j) => Math.pow(2, -j / 64));
/** 2^{−q}, q = 0..1023 (exact powers of two). */
const OCT = Float64Array.from({ length: 1024 }, (_, q) => Math.pow(2, -q));

/** e^t for −708 ≤ t ≤ 0; 0 below −708. */
export function expRange(t: number): number {
  if (!(t >= -708)) return 0;
  const k = MAGIC - t * K_SCALE - MAGIC;
  const r = t + k * STEP_HI + k * STEP_LO;
  const ki = k | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return OCT[ki >> 6] * FRAC[ki & 63] * p;
}

/** out[i] = e^{u[i] − shift} for an array whose values are ≤ shift (−∞ → 0). */
export function expShifted(u: Float64Array, shift: number, out: Float64Array): void {
  for (let i = 0; i < u.length; i++) {
    const t = u[i] - shift;
    if (!(t >= -708)) {
      out[i] = 0;
      continue;
    }
    const k = MAGIC - t * K_SCALE - MAGIC;
    const r = t + k * STEP_HI + k * STEP_LO;
    const ki = k | 0;
    out[i] = OCT[ki >> 6] * FRAC[ki & 63] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))))));
  }
}
