import { describe, expect, it } from 'vitest';
import { sortedSupport, sortedWassersteinPower, wassersteinPower1d } from '../../../engine/ot/exact1d.ts';
import { sinkhorn } from '../../../engine/ot/sinkhorn.ts';
import { fixedPositions, slicedWassersteinPower, slicedWassersteinPowers } from '../../../engine/ot/sliced.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { shifted, uniformCloud } from './clouds.ts';

describe('exact 1D W_p', () => {
  it('hand-computed cases: sorted pairs, splitting a Dirac, a shift', () => {
    // {0, 1, 3} vs {2, 0.5, 4} sorted: (0−0.5)² + (1−2)² + (3−4)² = 2.25, mean 0.75.
    expect(wassersteinPower1d([3, 0, 1], [2, 0.5, 4], 2)).toBeCloseTo(0.75, 15);
    expect(wassersteinPower1d([3, 0, 1], [2, 0.5, 4], 1)).toBeCloseTo(2.5 / 3, 15);
    // δ_0 against ½δ_{−1} + ½δ_1: every unit of mass moves by 1.
    expect(wassersteinPower1d([0], [-1, 1], 2)).toBeCloseTo(1, 15);
    // Weighted: 0.25 δ_0 + 0.75 δ_1 vs δ_1 moves mass 0.25 by 1; W3^3 = 0.25.
    expect(wassersteinPower1d([0, 1], [1], 3, [1, 3])).toBeCloseTo(0.25, 15);
    // Zero-mass points are ignored.
    expect(wassersteinPower1d([0, 1, 100], [1], 2, [1, 3, 0])).toBeCloseTo(0.25, 15);
    const x = uniformCloud(40, 500, 1);
    expect(wassersteinPower1d(x, x.map((v) => v + 0.3), 2)).toBeCloseTo(0.09, 13);
  });

  it('agrees with Sinkhorn at small ε for unequal sizes and weights', () => {
    // 0 ≤ OT_ε − ½W2² ≤ ε · KL(π₀ | a⊗b) ≤ ε log(nm) (π₀ has at most n + m − 1 atoms).
    const x = uniformCloud(41, 30, 1);
    const y = uniformCloud(42, 17, 1).map((v) => 2 * v - 0.5);
    const wx = Array.from({ length: 30 }, (_, i) => 1 + (i % 3));
    const exact = 0.5 * wassersteinPower1d(x, y, 2, wx);
    const eps = 1e-3;
    const r = sinkhorn(x, y, 1, { eps, wx, tol: 1e-9 });
    expect(r.converged).toBe(true);
    expect(r.value - exact).toBeGreaterThan(-1e-9);
    expect(r.value - exact).toBeLessThan(eps * Math.log(30 * 17));
  });

  it('rejects bad input', () => {
    expect(() => wassersteinPower1d([0, NaN], [1], 2)).toThrow(/x: entry 1 \(point 1\) is NaN/);
    expect(() => wassersteinPower1d([0, 1], [1], 2, [-1, 2])).toThrow(/wx: weight 0 is -1/);
  });
});

describe('sliced W2', () => {
  it('a shift s gives SW2² = |s|²/d: Monte Carlo over L directions within 4 standard errors', () => {
    // Each slice gives (θ·s)² exactly; for d = 2, (θ·s)² = |s|² cos²φ has mean |s|²/2 and
    // standard deviation |s|²/(2√2), so the mean over L = 2000 has standard error 0.0079 |s|².
    const x = uniformCloud(43, 300, 2);
    const s = [0.6, 0.8];
    const v = slicedWassersteinPower(x, shifted(x, 2, s), 2, { directions: 2000, seed: 3 });
    expect(Math.abs(v - 0.5)).toBeLessThan(4 * 0.0079);
  });

  it('is at most W2² (projections are 1-Lipschitz) and reproducible by seed', () => {
    // W2² ≤ 2·OT_ε (entropic cost dominates the exact one), so SW2² ≤ 2·OT_ε must hold.
    const x = uniformCloud(44, 200, 3);
    const y = uniformCloud(45, 150, 3).map((v) => v * v);
    const sw = slicedWassersteinPower(x, y, 3, { directions: 50, seed: 1 });
    expect(sw).toBeGreaterThan(0);
    expect(sw).toBeLessThanOrEqual(2 * sinkhorn(x, y, 3, { eps: 1e-3, tol: 1e-6 }).value);
    expect(slicedWassersteinPower(x, y, 3, { directions: 50, seed: 1 })).toBe(sw);
    expect(slicedWassersteinPower(x, y, 3, { directions: 50, seed: 2 })).not.toBe(sw);
  });
});

describe('sliced W2 with fixed positions (a grid\'s cells)', () => {
  it('gives the same bits as the plain computation, on either side, as the weights change from call to call', () => {
    const rng = new Rng(11);
    const d = 2, m = 503, n = 97;
    const cells = fixedPositions(Float64Array.from({ length: m * d }, () => rng.uniform()));
    const copy = cells.slice(); // the same positions, not declared fixed
    const x = Float64Array.from({ length: n * d }, () => rng.normal());
    for (let call = 0; call < 4; call++) {
      const w = Float64Array.from({ length: m }, (_, i) => (i % 7 === call ? 0 : rng.uniform())); // zeros included
      const v = Float64Array.from({ length: n }, () => rng.uniform());
      for (let k = 0; k < x.length; k++) x[k] += 0.05 * rng.normal(); // the cloud moves, the cells do not
      const opts = { directions: 24, seed: 5 };
      expect(slicedWassersteinPower(x, cells, d, { ...opts, wx: v, wy: w })).toBe(slicedWassersteinPower(x, copy, d, { ...opts, wx: v, wy: w }));
      expect(slicedWassersteinPower(cells, x, d, { ...opts, wx: w, wy: v })).toBe(slicedWassersteinPower(copy, x, d, { ...opts, wx: w, wy: v }));
      const w2 = Float64Array.from({ length: m }, () => rng.uniform());
      expect(slicedWassersteinPower(cells, cells, d, { ...opts, wx: w, wy: w2 })).toBe(slicedWassersteinPower(copy, copy.slice(), d, { ...opts, wx: w, wy: w2 }));
    }
  });
});

/** The merge of two sorted weighted supports as it was written before the p = 2 loop (general p, min and abs per atom). */
function mergeReference([xs, a]: [Float64Array, Float64Array], [ys, b]: [Float64Array, Float64Array], p: number): number {
  let i = 0, j = 0, ra = a[0], rb = b[0], total = 0;
  while (i < xs.length && j < ys.length) {
    const mass = Math.min(ra, rb);
    const gap = Math.abs(xs[i] - ys[j]);
    total += mass * Math.pow(gap, p);
    ra -= mass;
    rb -= mass;
    if (ra <= rb) {
      i++;
      if (i < xs.length) ra = a[i];
    } else {
      j++;
      if (j < ys.length) rb = b[j];
    }
  }
  return total;
}

describe('sortedWassersteinPower, p = 2 (one branch per atom)', () => {
  it('gives the bits of the general merge: ties of mass, zero weights, uniform and spread weights', () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + (trial % 9) * 37, m = 1 + ((trial * 7) % 11) * 23;
      const x = Float64Array.from({ length: n }, () => rng.normal());
      const y = Float64Array.from({ length: m }, () => (trial % 3 === 0 ? Math.round(4 * rng.normal()) / 4 : rng.normal() + 0.3));
      // Uniform weights (masses that tie exactly when n = m), or spread ones with zeros.
      const wx = trial % 2 ? Float64Array.from({ length: n }, (_, i) => (i % 5 === 1 ? 0 : rng.uniform())) : new Float64Array(n).fill(1);
      const wy = trial % 4 < 2 ? new Float64Array(m).fill(1) : Float64Array.from({ length: m }, () => rng.uniform());
      const norm = (w: Float64Array) => w.map((v) => v / w.reduce((s, u) => s + u, 0));
      const A = sortedSupport(x, norm(wx)), B = sortedSupport(y, norm(wy));
      expect(sortedWassersteinPower(A, B, 2)).toBe(mergeReference(A, B, 2));
      expect(sortedWassersteinPower(B, A, 2)).toBe(mergeReference(B, A, 2));
    }
  });
});

describe('slicedWassersteinPowers: several pairs on shared directions', () => {
  it('gives each pair the bits of slicedWassersteinPower alone: a cloud, fixed cells with two weightings, a weighted cloud', () => {
    const rng = new Rng(12);
    const d = 2, m = 400, n = 150;
    const cells = fixedPositions(Float64Array.from({ length: m * d }, () => rng.uniform()));
    const x = Float64Array.from({ length: n * d }, () => rng.normal());
    const z = Float64Array.from({ length: 90 * d }, () => rng.normal() + 0.5);
    const opts = { directions: 20, seed: 7 };
    for (let call = 0; call < 3; call++) {
      for (let k = 0; k < x.length; k++) x[k] += 0.05 * rng.normal(); // moved in place between records: sort hints reused
      const w1 = Float64Array.from({ length: m }, (_, i) => (i % 9 === call ? 0 : rng.uniform()));
      const w2 = Float64Array.from({ length: m }, () => rng.uniform());
      const wz = Float64Array.from({ length: 90 }, () => rng.uniform());
      const pairs: [number, number][] = [[0, 1], [1, 2], [0, 2], [3, 1], [0, 3]];
      const measures = [{ x }, { x: cells, w: w1 }, { x: cells, w: w2 }, { x: z, w: wz }];
      const all = slicedWassersteinPowers(measures, pairs, d, opts);
      pairs.forEach(([i, j], q) => {
        expect(all[q]).toBe(slicedWassersteinPower(measures[i].x, measures[j].x, d, { ...opts, wx: measures[i].w, wy: measures[j].w }));
      });
    }
    expect(() => slicedWassersteinPowers([{ x }], [[0, 1]], d)).toThrow(/pair \[0, 1\] names no measure \(1 given\)/);
  });
});

describe('stratified directions (d = 2)', () => {
  it('a shift s: SW2² = |s|²/2; 16 stratified directions err far less than 16 random ones; d ≠ 2 refused', () => {
    const rng = new Rng(4);
    const x = Float64Array.from({ length: 2 * 300 }, () => rng.normal());
    const s = [0.6, -0.3];
    const y = x.map((v, i) => v + s[i % 2]);
    const exact = (s[0] ** 2 + s[1] ** 2) / 2;
    let strat = 0, plain = 0;
    for (let seed = 0; seed < 8; seed++) {
      strat += Math.abs(slicedWassersteinPower(x, y, 2, { directions: 16, seed, stratified: true }) - exact);
      plain += Math.abs(slicedWassersteinPower(x, y, 2, { directions: 16, seed }) - exact);
    }
    // (s·θ)² over θ: one jittered point in each of 16 arcs integrates it to ~1% (measured 1.06%), independent ones to ~L^{−1/2}.
    expect(strat / 8).toBeLessThan(0.02 * exact);
    expect(strat).toBeLessThan(plain / 3);
    expect(slicedWassersteinPower(x, y, 2, { directions: 16, seed: 3, stratified: true })).toBe(slicedWassersteinPower(x, y, 2, { directions: 16, seed: 3, stratified: true }));
    expect(() => slicedWassersteinPower(new Float64Array(9), new Float64Array(9), 3, { stratified: true })).toThrow(/stratified directions need d = 2; got d = 3/);
  });
});
