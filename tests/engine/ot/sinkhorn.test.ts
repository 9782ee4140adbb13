import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/core/simulation.ts';
import { gaussianW2Squared } from '../../../engine/ot/bures.ts';
import { wassersteinPower1d } from '../../../engine/ot/exact1d.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { sinkhorn } from '../../../engine/ot/sinkhorn.ts';
import { checkOT, l1 } from './check-ot.ts';
import { gaussian2d, shifted, uniformCloud } from './clouds.ts';

describe('sinkhorn (point clouds, log domain)', () => {
  it('shifted clouds: OT_ε(α, α + s) = OT_ε(α, α) + |s|²/2 exactly, in both modes', () => {
    // The cross term −⟨x − y, s⟩ integrates to ⟨mean α − mean α, s⟩ = 0 under any plan with
    // both marginals α, so the identity holds for every ε; only the solver tolerance (1e-9
    // marginal error, times a cost scale ~ 2) separates the two values.
    const x = uniformCloud(1, 150, 2);
    const s = [0.7, -0.4];
    for (const mode of ['online', 'kernel'] as const) {
      const base = sinkhorn(x, x, 2, { eps: 0.01, tol: 1e-9, mode });
      const moved = sinkhorn(x, shifted(x, 2, s), 2, { eps: 0.01, tol: 1e-9, mode });
      expect(moved.mode).toBe(mode);
      checkOT(moved, x, shifted(x, 2, s), 2, { value: base.value + 0.5 * (s[0] ** 2 + s[1] ** 2) }, { value: 1e-8, marginal: 1e-9 });
    }
  });

  it('1D: OT_ε → ½W2² (sorted) with 0 ≤ OT_ε − ½W2² ≤ ε log n', () => {
    // Bounds: KL ≥ 0 gives OT_ε ≥ OT_0; the (unique, monotone) optimal permutation plan π₀ has
    // KL(π₀ | a⊗b) = log n, so OT_ε ≤ OT_0 + ε log n. Hence the gap is O(ε log(1/ε)) at worst and
    // here exactly O(ε).
    const n = 40;
    const x = uniformCloud(2, n, 1);
    const y = uniformCloud(3, n, 1).map((v) => v * v);
    const exact = 0.5 * wassersteinPower1d(x, y, 2);
    const gaps: number[] = [];
    for (const eps of [1e-2, 3e-3, 1e-3]) {
      const r = sinkhorn(x, y, 1, { eps, tol: 1e-10, maxIter: 20000 });
      expect(r.converged, `converged at eps=${eps}`).toBe(true);
      const gap = r.value - exact;
      expect(gap, `gap at eps=${eps}`).toBeGreaterThan(-1e-9);
      expect(gap, `gap at eps=${eps}`).toBeLessThan(eps * Math.log(n) + 1e-9);
      gaps.push(gap);
    }
    // The gap is ~ε·KL(π_ε | a⊗b): shrinking ε tenfold shrinks it at least fivefold here.
    expect(gaps[2]).toBeLessThan(gaps[0] / 5);
  });

  it('stays finite at ε = 1e-4 of the squared diameter; the value obeys weak duality', () => {
    // With g the soft C-transform of f, ⟨f, a⟩ + ⟨g, b⟩ is the dual objective at a feasible
    // point, so it never exceeds OT_ε ≤ OT_0 + ε log n (here OT_0 = |s|²/2 for a shift s),
    // converged or not. Plain Sinkhorn is slow at this ε; the budget only bounds the test time.
    const n = 200;
    const x = uniformCloud(12, n, 2);
    const s = [0.05, 0.02];
    const eps = 1e-4 * 2; // squared diameter of [0, 1]² is 2
    for (const mode of ['online', 'kernel'] as const) {
      const r = sinkhorn(x, shifted(x, 2, s), 2, { eps, maxIter: 300, mode });
      expect(r.diverged).toBe(false);
      expect(r.f.every(Number.isFinite) && r.g.every(Number.isFinite)).toBe(true);
      expect(r.value).toBeLessThanOrEqual(0.5 * (s[0] ** 2 + s[1] ** 2) + eps * Math.log(n) + 1e-12);
      expect(r.marginalError).toBeLessThan(r.errorHistory[0]);
    }
  });

  it('Gaussian samples: 2·OT_ε at small ε approaches the Bures W2² as n grows', () => {
    // W2² = |Δm|² + Bures term; empirical W2 between n-samples in 2D converges at ~n^{-1/2}
    // (up to log factors). At n = 1500 the sampling error is a few percent; ε = 1e-3 of the
    // squared diameter (~40) adds at most 2ε log n ≈ 0.3 absolute: tolerance 10% of W2² ≈ 5.
    // A marginal error of 1e-4 moves the value by at most ~1e-4 × max cost ≈ 4e-3.
    const m1: [number, number] = [0, 0];
    const m2: [number, number] = [2, 1];
    const L1: [number, number, number] = [1, 0, 0.5];
    const L2: [number, number, number] = [0.6, 0.3, 0.9];
    const S1 = [1, 0, 0, 0.25];
    const S2 = [0.36, 0.18, 0.18, 0.09 + 0.81];
    const bures = gaussianW2Squared(m1, S1, m2, S2, 2);
    const errs: number[] = [];
    for (const n of [200, 1500]) {
      const x = gaussian2d(10, n, m1, L1);
      const y = gaussian2d(11, n, m2, L2);
      const r = sinkhorn(x, y, 2, { eps: 0.02, tol: 1e-4 });
      expect(r.converged).toBe(true);
      errs.push(Math.abs(2 * r.value - bures));
    }
    expect(errs[1]).toBeLessThan(0.1 * bures);
    expect(errs[1]).toBeLessThan(errs[0]);
  });

  it('stored kernel and online modes agree; potentials satisfy the Sinkhorn fixed point', () => {
    // Same iteration, different summation order: values agree to round-off (1e-12), and
    // f_i = −ε log Σ_j b_j e^{(g_j − C_ij)/ε} holds up to the stopping tolerance.
    const x = uniformCloud(4, 120, 3);
    const y = uniformCloud(5, 90, 3).map((v) => 2 * v);
    const on = sinkhorn(x, y, 3, { eps: 0.005, tol: 1e-10, mode: 'online' });
    const ker = sinkhorn(x, y, 3, { eps: 0.005, tol: 1e-10, mode: 'kernel' });
    checkOT(ker, x, y, 3, { value: on.value, f: on.f, g: on.g }, { value: 1e-10, potential: 1e-8, marginal: 1e-10 });
    const geom = new PointCloudGeometry(x, y, 3);
    const h = on.g.map((g, j) => Math.log(on.b[j]) + g / on.eps);
    const s = new Float64Array(on.f.length);
    geom.logApply(on.eps, h, s);
    let worst = 0;
    for (let i = 0; i < s.length; i++) worst = Math.max(worst, Math.abs(-on.eps * s[i] - on.f[i]));
    // A row error δ_i = |π1 − a|_i changes f_i by about ε·δ_i/a_i ≤ ε·n·1e-10.
    expect(worst).toBeLessThan(on.eps * 120 * 1e-10 + 1e-12);
  });

  it('non-uniform weights with zero-mass points give the same answer as without those points', () => {
    // A point of weight 0 carries no mass: value and the other points' potentials must not change.
    const x = uniformCloud(6, 60, 2);
    const y = uniformCloud(7, 50, 2);
    const wx = new Float64Array(60).map((_, i) => 1 + (i % 5));
    const wy = new Float64Array(50).map((_, j) => 1 + ((3 * j) % 7));
    const ref = sinkhorn(x, y, 2, { eps: 0.01, wx, wy, tol: 1e-11 });
    const xz = new Float64Array([...x, 5, 5, -3, 0.5]);
    const wxz = new Float64Array([...wx, 0, 0]);
    const r = sinkhorn(xz, y, 2, { eps: 0.01, wx: wxz, wy, tol: 1e-11 });
    checkOT(r, xz, y, 2, { value: ref.value, f: new Float64Array([...ref.f, 0, 0]), g: ref.g }, { value: 1e-10, potential: 1e-8, marginal: 1e-11 });
    expect(Number.isFinite(r.f[60]) && Number.isFinite(r.f[61])).toBe(true);
  });

  it('returns the coupling on request, with the marginals a and b', () => {
    const x = uniformCloud(8, 30, 2);
    const y = uniformCloud(9, 20, 2);
    const r = sinkhorn(x, y, 2, { eps: 0.02, tol: 1e-10, coupling: true });
    const pi = r.coupling!;
    const rows = new Float64Array(30);
    const cols = new Float64Array(20);
    let cost = 0;
    for (let i = 0; i < 30; i++)
      for (let j = 0; j < 20; j++) {
        rows[i] += pi[i * 20 + j];
        cols[j] += pi[i * 20 + j];
        cost += pi[i * 20 + j] * 0.5 * ((x[2 * i] - y[2 * j]) ** 2 + (x[2 * i + 1] - y[2 * j + 1]) ** 2);
      }
    expect(l1(rows, r.a)).toBeLessThan(1e-10);
    expect(l1(cols, r.b)).toBeLessThan(1e-13);
    // ⟨C, π⟩ + ε KL(π | a⊗b) equals the dual value at convergence.
    let kl = 0;
    for (let i = 0; i < 30; i++) for (let j = 0; j < 20; j++) if (pi[i * 20 + j] > 0) kl += pi[i * 20 + j] * Math.log(pi[i * 20 + j] / (r.a[i] * r.b[j]));
    expect(Math.abs(cost + r.eps * kl - r.value)).toBeLessThan(1e-9);
  });

  it('flags non-convergence (budget) and does not call it divergence', () => {
    const x = uniformCloud(10, 100, 2);
    const r = sinkhorn(x, shifted(x, 2, [0.1, 0]), 2, { eps: 1e-3, maxIter: 5, scaling: false });
    expect(r.converged).toBe(false);
    expect(r.diverged).toBe(false);
    expect(r.iterations).toBe(5);
    expect(r.marginalError).toBeGreaterThan(1e-6);
  });

  it('rejects bad input with one clear line', () => {
    const x = uniformCloud(11, 10, 2);
    const bad = x.slice();
    bad[3] = NaN;
    expect(() => sinkhorn(bad, x, 2, { eps: 0.1 })).toThrow(/x: entry 3 \(point 1\) is NaN/);
    expect(() => sinkhorn(x, x, 2, { eps: 0 })).toThrow(/eps must be a positive finite number; got 0/);
    expect(() => sinkhorn(x, x, 2, { eps: -1 })).toThrow(UsageError);
    expect(() => sinkhorn(x, x, 2, { eps: 0.1, wx: new Float64Array(10).fill(-1) })).toThrow(/wx: weight 0 is -1; weights must be finite and ≥ 0/);
    expect(() => sinkhorn(x, x, 2, { eps: 0.1, wy: new Float64Array(10) })).toThrow(/wy: all weights are zero/);
    expect(() => sinkhorn(x, x, 2, { eps: 0.1, wy: new Float64Array(3) })).toThrow(/wy: 3 weights for 10 points/);
    expect(() => sinkhorn(x.subarray(0, 5), x, 2, { eps: 0.1 })).toThrow(/x: 5 values do not form a non-empty \[n, 2\] array/);
  });
});
