import { describe, expect, it } from 'vitest';
import { Potential, ParticleMeasure, Rng, UsageError, doubleWellPotential, gaussianCloud, userPotential, type PotentialFunction } from '../../../engine/index.ts';
import { centralDifferenceGradient } from '../../../engine/particles/potential.ts';
import { totalVelocity } from '../../../engine/particles/energy.ts';

/**
 * A scene author's first guesses (issue #14): `new Potential({ value })` must work,
 * taking ∇V by central differences (docs/scenes.md). Compared with the analytic gradient
 * of the double well: the central difference with h ≈ 6e−6·max(1, |x|) errs by
 * O(h²|V'''|) + O(u|V|/h) ≈ 1e−9 here (|V'''| ≤ 24·h·|x| ≈ 100 on the cloud), so 1e−7
 * relative to the largest gradient is a safe bound that a wrong step or sign breaks.
 */
describe('Potential without a gradient', () => {
  const exact = doubleWellPotential(1.5, 0.2);
  const valueOnly: PotentialFunction = { value: (x, o, d) => exact.value(x, o, d) };

  for (const d of [1, 2, 3]) {
    it(`takes ∇V by central differences (d = ${d})`, () => {
      const m = new ParticleMeasure(gaussianCloud(new Rng(d), 40, d, 0.2, 1), d);
      const v = totalVelocity([new Potential(valueOnly)], m, new Float64Array(40 * d));
      const ref = totalVelocity([new Potential(exact)], m, new Float64Array(40 * d));
      let worst = 0, scale = 0;
      for (let i = 0; i < v.length; i++) {
        worst = Math.max(worst, Math.abs(v[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      expect(scale).toBeGreaterThan(1);
      expect(worst / scale).toBeLessThan(1e-7);
      // Same value as the exact potential: the energy is V.value itself.
      expect(new Potential(valueOnly).value(m)).toBe(new Potential(exact).value(m));
    });
  }

  it('leaves the positions untouched and scales the step with the coordinate', () => {
    const grad = centralDifferenceGradient((x, o) => x[o] ** 3);
    const x = Float64Array.of(7, 1e4, -3);
    const g = new Float64Array(1);
    grad(x, 1, 1, g, 0);
    expect(Array.from(x)).toEqual([7, 1e4, -3]);
    // d/dx x³ = 3x² = 3e8 at x = 1e4; a fixed step of 6e−6 would lose 7 digits to round-off here.
    expect(Math.abs(g[0] - 3e8) / 3e8).toBeLessThan(1e-8);
  });

  it('userPotential without grad gives the same velocity as the value-only object', () => {
    const f = (x: Float64Array) => Math.sin(x[0]) * Math.cos(x[1]);
    const m = new ParticleMeasure(gaussianCloud(new Rng(9), 30, 2, 0, 1), 2);
    const a = totalVelocity([new Potential(userPotential(f))], m, new Float64Array(60));
    const b = totalVelocity([new Potential(userPotential(f, (x, g) => { g[0] = Math.cos(x[0]) * Math.cos(x[1]); g[1] = -Math.sin(x[0]) * Math.sin(x[1]); }))], m, new Float64Array(60));
    for (let i = 0; i < 60; i++) expect(a[i]).toBeCloseTo(b[i], 8);
  });

  it('refuses something that is not a potential, in one line naming the shape it needs', () => {
    expect(() => new Potential({} as PotentialFunction)).toThrow(UsageError);
    expect(() => new Potential((() => 1) as unknown as PotentialFunction)).toThrow(/value\(x, offset, d\)/);
  });
});
