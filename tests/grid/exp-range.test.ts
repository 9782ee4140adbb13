import { describe, expect, it } from 'vitest';
import { expRange, expShifted } from '../../engine/grid/exp-range.ts';

describe('expRange', () => {
  it('matches Math.exp to a few ulp on [−708, 0]', () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const t = -708 * (i / 200_000) ** 1.5;
      const ref = Math.exp(t);
      worst = Math.max(worst, Math.abs(expRange(t) - ref) / ref);
    }
    // Table entries and P6 are each within an ulp; three roundings in the product: ≤ 4 ulp = 8.9e−16.
    expect(worst).toBeLessThan(8.9e-16);
  });

  it('maps −∞ and values below −708 to 0, and 0 to 1', () => {
    expect(expRange(-Infinity)).toBe(0);
    expect(expRange(-800)).toBe(0);
    expect(expRange(0)).toBe(1);
    const out = new Float64Array(3);
    expShifted(Float64Array.of(-Infinity, 2, 1), 2, out);
    expect([...out]).toEqual([0, 1, expRange(-1)]);
  });
});
