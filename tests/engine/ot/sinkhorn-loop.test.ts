import { describe, expect, it } from 'vitest';
import { DenseCostGeometry } from '../../../engine/ot/dense-geometry.ts';
import type { SinkhornGeometry } from '../../../engine/ot/geometry.ts';
import { balancedMarginal, klProxMarginal, unbalancedMarginal } from '../../../engine/ot/marginals.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { epsilonSchedule, sinkhornLoop } from '../../../engine/ot/sinkhorn-loop.ts';
import { uniformCloud } from './clouds.ts';

function costMatrix(x: Float64Array, y: Float64Array, d: number): Float64Array {
  const n = x.length / d;
  const m = y.length / d;
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += (x[i * d + k] - y[j * d + k]) ** 2;
      c[i * m + j] = 0.5 * r2;
    }
  return c;
}

const lse = (v: number[]) => {
  const mx = Math.max(...v);
  return mx + Math.log(v.reduce((s, t) => s + Math.exp(t - mx), 0));
};

describe('sinkhornLoop (one loop, pluggable geometry and marginals)', () => {
  const x = uniformCloud(20, 40, 2);
  const y = uniformCloud(21, 30, 2);
  const a = new Float64Array(40).fill(1 / 40);
  const b = new Float64Array(30).fill(1 / 30);

  it('a dense cost matrix and on-the-fly point clouds give the same scalings', () => {
    // Same kernel, different summation code: the log-scalings agree to round-off.
    const opts = { eps: 0.01, tol: 1e-12, epsInit: 1 }; // same schedule for both (their costScale bounds differ)
    const dense = sinkhornLoop(new DenseCostGeometry(costMatrix(x, y, 2), 40, 30), balancedMarginal(a), balancedMarginal(b), opts);
    const cloud = sinkhornLoop(new PointCloudGeometry(x, y, 2), balancedMarginal(a), balancedMarginal(b), opts);
    expect(dense.converged && cloud.converged).toBe(true);
    expect(dense.iterations).toBe(cloud.iterations);
    for (let i = 0; i < 40; i++) expect(Math.abs(dense.logKv[i] - cloud.logKv[i])).toBeLessThan(1e-9);
    for (let j = 0; j < 30; j++) expect(Math.abs(dense.logKtu[j] - cloud.logKtu[j])).toBeLessThan(1e-9);
  });

  it('KL-proximal side with a potential: the entropic JKO step matches its closed form and conserves mass', () => {
    // F(q) = ⟨V, q⟩ makes the step explicit (Peyré 2015): π = diag(u) K diag(e^{−σV}),
    // u = p / (K e^{−σV}), so q = e^{−σV} ⊙ Kᵀu. The loop converges in a couple of
    // iterations; the result is compared in the log domain to 1e-10.
    const eps = 0.02;
    const tau = 0.05;
    const V = new Float64Array(30).map((_, j) => 3 * y[2 * j] + y[2 * j + 1] ** 2);
    const p = new Float64Array(40).map((_, i) => 1 + (i % 3));
    const mass = p.reduce((s, v) => s + v, 0);
    const C = costMatrix(x, y, 2);
    const sideB = klProxMarginal(30, (s, e, out) => {
      for (let j = 0; j < 30; j++) out[j] = s[j] - (tau / e) * V[j];
    });
    const r = sinkhornLoop(new DenseCostGeometry(C, 40, 30), balancedMarginal(p), sideB, { eps, tol: 1e-13, scaling: false });
    expect(r.converged).toBe(true);
    const sigma = tau / eps;
    const logU = Array.from(p, (pi, i) => Math.log(pi) - lse(Array.from(V, (v, j) => -sigma * v - C[i * 30 + j] / eps)));
    let total = 0;
    for (let j = 0; j < 30; j++) {
      const logQ = -sigma * V[j] + lse(logU.map((u, i) => u - C[i * 30 + j] / eps));
      const got = r.logV[j] + r.logKtu[j];
      expect(Math.abs(got - logQ), `log q[${j}]`).toBeLessThan(1e-10);
      total += Math.exp(got);
    }
    expect(Math.abs(total - mass) / mass).toBeLessThan(1e-14);
  });

  it("over-relaxation 'auto' converges in fewer iterations to the same answer, and keeps the JKO mass exact", () => {
    // Thibault et al. 2021: ω = 2/(1 + √(1 − r)) accelerates the slow plain rate r at small ε.
    // The α that ends the loop is never relaxed, so the rows (the JKO mass) stay exact.
    const geom = new PointCloudGeometry(x, y, 2);
    const opts = { eps: 2e-3, tol: 1e-10, maxIter: 20000 };
    const plain = sinkhornLoop(geom, balancedMarginal(a), balancedMarginal(b), opts);
    const fast = sinkhornLoop(geom, balancedMarginal(a), balancedMarginal(b), { ...opts, relaxation: 'auto' });
    expect(plain.converged && fast.converged).toBe(true);
    expect(fast.iterations).toBeLessThan(0.7 * plain.iterations);
    // f = −ε logKv agree up to an additive constant (the dual's invariance f + c, g − c)
    // and the stopping tolerance (ε·n·1e-10 ≈ 1e-11; 1e-9 leaves room for conditioning).
    const shift = plain.logKv[0] - fast.logKv[0];
    for (let i = 0; i < 40; i++) expect(Math.abs(plain.logKv[i] - fast.logKv[i] - shift) * 2e-3).toBeLessThan(1e-9);
    const p = new Float64Array(40).map((_, i) => 1 + (i % 3));
    const V = new Float64Array(30).map((_, j) => y[2 * j]);
    const prox = klProxMarginal(30, (s, e, out) => {
      for (let j = 0; j < 30; j++) out[j] = 0.5 * s[j] - (0.1 / e) * V[j]; // a nonlinear prox (entropy-like exponent 1/2)
    });
    const r = sinkhornLoop(geom, balancedMarginal(p), prox, { eps: 0.01, tol: 1e-6, scaling: false, relaxation: 'auto' });
    let mass = 0;
    for (let j = 0; j < 30; j++) mass += Math.exp(r.logV[j] + r.logKtu[j]);
    expect(Math.abs(mass - p.reduce((t, v) => t + v, 0)) / 80).toBeLessThan(1e-14);
  });

  it('unbalanced side: ρ → ∞ recovers the balanced scalings', () => {
    // The exponent ρ/(ρ+ε) differs from 1 by 1e-9 at ρ = 1e7, ε = 1e-2: scalings agree to ~1e-7.
    const geom = new PointCloudGeometry(x, y, 2);
    const bal = sinkhornLoop(geom, balancedMarginal(a), balancedMarginal(b), { eps: 0.01, tol: 1e-12 });
    const unb = sinkhornLoop(geom, unbalancedMarginal(a, 1e7), unbalancedMarginal(b, 1e7), { eps: 0.01, tol: 1e-12 });
    for (let i = 0; i < 40; i++) expect(Math.abs(bal.logKv[i] - unb.logKv[i])).toBeLessThan(1e-5);
  });

  it('reports divergence (non-finite) distinctly from non-convergence', () => {
    const inner = new PointCloudGeometry(x, y, 2);
    let calls = 0;
    const broken: SinkhornGeometry = {
      n: 40, m: 30, costScale: inner.costScale,
      logApply(eps, h, out) {
        inner.logApply(eps, h, out);
        if (++calls > 3) out[7] = NaN;
      },
      logApplyT: (eps, h, out) => inner.logApplyT(eps, h, out),
    };
    const r = sinkhornLoop(broken, balancedMarginal(a), balancedMarginal(b), { eps: 0.01 });
    expect(r.diverged).toBe(true);
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(4);
  });

  it('ε-scaling carries the potentials from stage to stage: at small ε it needs less than half the iterations of a cold start', () => {
    // At each new ε the log-scalings are rescaled so that the potential ε(β − log b) is kept.
    // Then the annealing stages hand the next one a nearly converged potential, and the final
    // stage starts warm. Without the rescale the potential shrinks by ε_{k+1}/ε_k at every
    // stage and the schedule buys nothing (measured on these clouds at ε = 3e−4 = 2e−4 of the
    // cost scale, tol 1e−6: 1280 iterations with q = 0.8, 3084 cold; with the rescale
    // removed, 3109 and 3084). The same fixed point either way: both meet tol.
    const ys = y.map((v) => v + 0.3);
    const geometry = new PointCloudGeometry(x, ys, 2);
    const opts = { eps: 3e-4, tol: 1e-6, maxIter: 20_000 };
    const annealed = sinkhornLoop(geometry, balancedMarginal(a), balancedMarginal(b), { ...opts, scaling: 0.8 });
    const cold = sinkhornLoop(geometry, balancedMarginal(a), balancedMarginal(b), { ...opts, scaling: false });
    expect(annealed.converged && cold.converged).toBe(true);
    expect(annealed.iterations / cold.iterations).toBeLessThan(0.5);
    // And the potentials agree up to the constant they are defined up to (f + c, g − c); measured 1.4e−7.
    const d = Array.from(annealed.logU, (u, i) => opts.eps * (u - cold.logU[i]));
    const c = d.reduce((s, v) => s + v, 0) / d.length;
    for (const v of d) expect(Math.abs(v - c)).toBeLessThan(1e-6);
  });

  it('ε-schedule: geometric from ε₀ with factor q, ending exactly at ε; errors are one line', () => {
    const s = epsilonSchedule(0.01, 1, 0.5);
    expect(s).toEqual([1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.01]);
    expect(epsilonSchedule(0.01, 1, false)).toEqual([0.01]);
    expect(() => epsilonSchedule(0.01, 1, 1.5)).toThrow(/scaling factor must be in \(0, 1\); got 1.5/);
    expect(() => epsilonSchedule(-1, 1, 0.8)).toThrow(/eps must be a positive finite number; got -1/);
  });
});
