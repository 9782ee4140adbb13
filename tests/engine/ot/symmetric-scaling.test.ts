import { describe, expect, it } from 'vitest';
import { sinkhornDivergence } from '../../../engine/ot/divergence.ts';
import { balancedMarginal } from '../../../engine/ot/marginals.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { epsilonSchedule, sinkhornLoop } from '../../../engine/ot/sinkhorn-loop.ts';
import { sinkhorn } from '../../../engine/ot/sinkhorn.ts';
import { checkOT } from './check-ot.ts';
import { gaussian2d, uniformCloud } from './clouds.ts';

describe('self-transport by the symmetric (averaged) update (issue #11, Feydy et al. 2019)', () => {
  const x = uniformCloud(50, 120, 2);
  const y = gaussian2d(51, 100, [0.6, 0.5], [0.25, 0.05, 0.15]);
  const costScale = new PointCloudGeometry(x, y, 2).costScale;

  it('OT_ε(α, α): the same value and potentials as alternating Sinkhorn, and f = g', () => {
    // Both solve the same problem to tol 1e-10 (L1): values and potentials agree to
    // ~tol × cost scale; the symmetric fixed point has f = g up to the same tolerance.
    const eps = 1e-2 * costScale;
    const plain = sinkhorn(x, x, 2, { eps, tol: 1e-10, maxIter: 100000, mode: 'kernel' });
    const sym = sinkhorn(x, x, 2, { eps, tol: 1e-10, maxIter: 100000, mode: 'kernel', symmetric: true });
    checkOT(sym, x, x, 2, { value: plain.value, f: plain.f, g: plain.g }, { value: 1e-9, potential: 1e-7, marginal: 1e-10 });
    let fg = 0;
    for (let i = 0; i < 120; i++) fg = Math.max(fg, Math.abs(sym.f[i] - sym.g[i]));
    expect(fg, 'max |f − g|').toBeLessThan(1e-8);
    expect(sym.iterations).toBeLessThan(plain.iterations);
  });

  for (const mode of ['kernel', 'online'] as const) {
    it(`the divergence at ε = 1e-3 of the cost scale converges in at most 2× the cross term's iterations (${mode})`, () => {
      // Before: OT(α,α) and OT(β,β) took 1.5–3× the iterations of OT(α,β) each (alternating
      // Sinkhorn oscillates on a symmetric problem). The averaged map contracts by ≤ ½ per
      // iteration on the kernel's non-negative spectrum. ε-annealing stages count as iterations.
      const r = sinkhornDivergence(x, y, 2, { eps: 1e-3 * costScale, tol: 1e-6, maxIter: 100000, mode });
      expect(r.converged).toBe(true);
      const total = r.xy.iterations + r.xx.iterations + r.yy.iterations;
      expect(total, `xy ${r.xy.iterations}, xx ${r.xx.iterations}, yy ${r.yy.iterations}`).toBeLessThanOrEqual(2 * r.xy.iterations);
      expect(r.value).toBeGreaterThan(0);
    });
  }

  it('the divergence value is unchanged by the symmetric update (alternating self terms to tol 1e-11)', () => {
    const eps = 1e-2 * costScale;
    const r = sinkhornDivergence(x, y, 2, { eps, tol: 1e-11, maxIter: 100000 });
    const xx = sinkhorn(x, x, 2, { eps, tol: 1e-11, maxIter: 100000 });
    const yy = sinkhorn(y, y, 2, { eps, tol: 1e-11, maxIter: 100000 });
    expect(Math.abs(r.value - (r.xy.value - 0.5 * xx.value - 0.5 * yy.value))).toBeLessThan(1e-10);
  });

  it('refuses two different measures', () => {
    const g = new PointCloudGeometry(x, y, 2);
    expect(() => sinkhornLoop(g, balancedMarginal(new Float64Array(120).fill(1 / 120)), balancedMarginal(new Float64Array(100).fill(0.01)), { eps: 0.1, symmetric: true }))
      .toThrow(/symmetric Sinkhorn update needs one measure on both sides; got 120 and 100 points/);
  });
});

describe('ε-scaling (issue #12: a broken potential rescale passed the suite)', () => {
  const x = uniformCloud(60, 50, 2);
  const y = uniformCloud(61, 40, 2);
  const geom = new PointCloudGeometry(x, y, 2);
  const a = balancedMarginal(new Float64Array(50).fill(1 / 50));
  const b = balancedMarginal(new Float64Array(40).fill(1 / 40));

  it('anneals by default: ε_k = costScale·0.8^k, one iteration per stage', () => {
    const eps = 1e-3 * geom.costScale;
    const r = sinkhornLoop(geom, a, b, { eps, maxIter: 3 });
    expect(r.eps).toBeCloseTo(geom.costScale * 0.8 ** 2, 12);
    expect(epsilonSchedule(eps, geom.costScale, 0.8).length).toBe(32);
  });

  it('an ε change keeps the dual potentials: annealing [ε0, ε] equals one iteration at ε0, then a warm start at ε with its potential', () => {
    // After the first stage the loop holds g1 = ε0(β − log b) = −ε0·logKtu. Switching to ε must
    // keep g1 (β ← log b + g1/ε): then the rest of the run is exactly a run at ε warm-started
    // from g1. A rescale that keeps β instead would start from (ε/ε0)·g1 and differ by O(1)
    // after 30 iterations (Sinkhorn at ε = 2e-3 is far from converged by then).
    const eps0 = 0.05, eps = 0.002;
    const annealed = sinkhornLoop(geom, a, b, { eps, epsInit: eps0, scaling: eps / eps0, maxIter: 31, tol: 1e-300 });
    expect(epsilonSchedule(eps, eps0, eps / eps0)).toEqual([eps0, eps]);
    const first = sinkhornLoop(geom, a, b, { eps: eps0, scaling: false, maxIter: 1 });
    const g1 = first.logKtu.map((v) => -eps0 * v);
    const warm = sinkhornLoop(geom, a, b, { eps, scaling: false, potentialB: g1, maxIter: 30, tol: 1e-300 });
    expect(annealed.iterations).toBe(31);
    expect(warm.iterations).toBe(30);
    // Same iterations on the same inputs, up to the geometry's warm-output shifts (round-off).
    for (let i = 0; i < 50; i++) expect(Math.abs(annealed.logKv[i] - warm.logKv[i]), `logKv[${i}]`).toBeLessThan(1e-9);
    for (let j = 0; j < 40; j++) expect(Math.abs(annealed.logKtu[j] - warm.logKtu[j]), `logKtu[${j}]`).toBeLessThan(1e-9);
  });

  it('the first marginal error of a new stage is that of a plan at the new ε', () => {
    // With a two-stage schedule, the error of iteration 2 must equal the one of the warm
    // run's first iteration (both compare the α of g1 at ε with its update).
    const eps0 = 0.05, eps = 0.002;
    const annealed = sinkhornLoop(geom, a, b, { eps, epsInit: eps0, scaling: eps / eps0, maxIter: 3, tol: 1e-300 });
    const first = sinkhornLoop(geom, a, b, { eps: eps0, scaling: false, maxIter: 1 });
    // The warm run's first α is the cold log a; build the comparable plan directly instead:
    // rows of π = exp(α + β − C/ε) with α from stage 0 rescaled to ε and β = log b + g1/ε.
    const g1 = first.logKtu.map((v) => -eps0 * v);
    const f1 = first.logKv.map((v) => -eps0 * v);
    const h = new Float64Array(40).map((_, j) => Math.log(1 / 40) + g1[j] / eps);
    const s = new Float64Array(50);
    geom.logApply(eps, h, s);
    let err = 0;
    for (let i = 0; i < 50; i++) err += Math.abs(Math.exp(Math.log(1 / 50) + f1[i] / eps + s[i]) - 1 / 50);
    expect(Math.abs(annealed.errorHistory[1] - err) / err).toBeLessThan(1e-9);
  });
});
