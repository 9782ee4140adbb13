import { describe, expect, it } from 'vitest';
import { sinkhornDivergence } from '../../../engine/ot/divergence.ts';
import { shifted, uniformCloud } from './clouds.ts';

describe('sinkhornDivergence', () => {
  const x = uniformCloud(30, 50, 2);
  const y = uniformCloud(31, 40, 2).map((v) => 0.6 * v + 0.3);
  const opts = { eps: 0.02, tol: 1e-11 };

  it('S_ε(α, α) = 0, S_ε ≥ 0 and S_ε(α, β) = S_ε(β, α)', () => {
    // Symmetry holds up to the solver tolerance: ~1e-11 marginal error × cost scale ~1.
    expect(Math.abs(sinkhornDivergence(x, x, 2, opts).value)).toBeLessThan(1e-12);
    const xy = sinkhornDivergence(x, y, 2, opts);
    const yx = sinkhornDivergence(y, x, 2, opts);
    expect(xy.converged && yx.converged).toBe(true);
    expect(xy.value).toBeGreaterThan(0);
    expect(Math.abs(xy.value - yx.value)).toBeLessThan(1e-9);
  });

  it('is |s|²/2 for a shifted copy, at any ε', () => {
    // OT_ε(α, α + s) = OT_ε(α, α) + |s|²/2 and OT_ε(α+s, α+s) = OT_ε(α, α).
    const s = [0.3, -0.2];
    for (const eps of [0.5, 0.02]) {
      const r = sinkhornDivergence(x, shifted(x, 2, s), 2, { eps, tol: 1e-11 });
      expect(Math.abs(r.value - 0.065)).toBeLessThan(1e-9);
    }
  });

  it('position gradients match central finite differences', () => {
    // Central differences with h = 1e-5 have truncation O(h²) ~ 1e-10 relative; the solver
    // tolerance 1e-12 enters the value at ~1e-12, i.e. 1e-7 in a difference quotient.
    const r = sinkhornDivergence(x, y, 2, { ...opts, tol: 1e-12, gradient: true });
    const h = 1e-5;
    for (const [i, k] of [[0, 0], [7, 1], [33, 0]]) {
      const xp = x.slice();
      const xm = x.slice();
      xp[i * 2 + k] += h;
      xm[i * 2 + k] -= h;
      const fd = (sinkhornDivergence(xp, y, 2, { ...opts, tol: 1e-12 }).value - sinkhornDivergence(xm, y, 2, { ...opts, tol: 1e-12 }).value) / (2 * h);
      expect(Math.abs(fd - r.gradX![i * 2 + k]), `∂S/∂x[${i},${k}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    const yp = y.slice();
    const ym = y.slice();
    yp[5] += h;
    ym[5] -= h;
    const fdy = (sinkhornDivergence(x, yp, 2, { ...opts, tol: 1e-12 }).value - sinkhornDivergence(x, ym, 2, { ...opts, tol: 1e-12 }).value) / (2 * h);
    expect(Math.abs(fdy - r.gradY![5]), '∂S/∂y[2,1]').toBeLessThan(1e-6);
  });

  it('weight gradients (non-uniform weights) match central finite differences along the simplex', () => {
    // A direction δ with Σδ = 0 stays on the simplex; the gradient is defined up to a
    // constant, which δ does not see. Central differences, h = 1e-5: O(h²) truncation (the
    // smallest weight is 0.1/124 ≫ h) and value noise ~1e-12/h = 1e-7.
    const wx = weights(0.1);
    const r = sinkhornDivergence(x, y, 2, { ...opts, tol: 1e-12, wx, gradient: true });
    const h = 1e-5;
    const val = (t: number) => sinkhornDivergence(x, y, 2, { ...opts, tol: 1e-12, wx: wx.map((w, i) => w + t * delta[i]) }).value;
    const fd = (val(h) - val(-h)) / (2 * h);
    expect(Math.abs(fd - directional(r.gradWeightsX!))).toBeLessThan(1e-6);
  });

  it('the weight gradient at a zero-mass point is the limit of positive masses', () => {
    // The entropic term behaves like a·log a near a = 0, so finite differences from 0 are
    // inaccurate (error ~ ε h log(1/h)); instead compare with a mass of 1e-10, whose
    // gradient differs by O(1e-10 · log) — below the solver noise.
    const at0 = sinkhornDivergence(x, y, 2, { ...opts, tol: 1e-12, wx: weights(0), gradient: true });
    const near = sinkhornDivergence(x, y, 2, { ...opts, tol: 1e-12, wx: weights(1e-10), gradient: true });
    expect(Number.isFinite(at0.gradWeightsX![3])).toBe(true);
    expect(Math.abs(directional(at0.gradWeightsX!) - directional(near.gradWeightsX!))).toBeLessThan(1e-7);
  });

  const delta = new Float64Array(50);
  delta[3] = 1;
  delta[10] = -0.5;
  delta[20] = -0.5;
  function directional(grad: Float64Array): number {
    let s = 0;
    for (let i = 0; i < 50; i++) s += grad[i] * delta[i];
    return s;
  }
  function weights(w3: number): Float64Array {
    const w = new Float64Array(50).map((_, i) => (i === 3 ? w3 : 1 + (i % 4)));
    const total = w.reduce((s, v) => s + v, 0);
    return w.map((v) => v / total);
  }
});
