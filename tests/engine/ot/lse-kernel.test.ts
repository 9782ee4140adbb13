import { describe, expect, it } from 'vitest';
import { EXP } from '../../../engine/core/exp.ts';

describe('lseRows (the online log-sum-exp kernel)', () => {
  it('matches a Math.exp log-sum-exp (1e-14 relative + the p = 2 cancellation bound), 2D, 3D, p = 1', async () => {
    // Both compute max + log Σ e^{e − max}; the table exp (engine/core/exp.ts) is within 3 ulp and the skipped
    // terms (below max − 45) weigh < 400·e^{-45} ≈ 1e-17 relative. For p = 2 the kernel expands
    // |x − y|² = |x|² + |y|² − 2x·y: terms of size R²/ε (R² = d/4 here) cancel, costing a few
    // ulp of R²/ε in absolute error — the documented 1e-16·R²/ε bound.
    const { lseRows } = await import('../../../engine/ot/lse-kernel.ts');
    const { Rng } = await import('../../../engine/core/rng.ts');
    const rng = new Rng(5);
    for (const [d, p, eps] of [[2, 2, 1e-2], [2, 2, 1e-3], [3, 2, 1e-2], [2, 1, 1e-2]]) {
      const nr = 50, nc = 400, inv = 1 / eps;
      const X = new Float64Array(nr * d).map(() => rng.uniform() - 0.5);
      const Y = new Float64Array(nc * d).map(() => rng.uniform() - 0.5);
      const h = new Float64Array(nc).map(() => rng.normal());
      const sq = (z: Float64Array, k: number) => { let s = 0; for (let c = 0; c < d; c++) s += z[k * d + c] ** 2; return s; };
      const sqX = new Float64Array(nr).map((_, i) => sq(X, i));
      const Ys = p === 2 ? Y.map((v) => v * inv) : Y;
      const hs = p === 2 ? h.map((v, j) => v - 0.5 * inv * sq(Y, j)) : h;
      const out = new Float64Array(nr);
      lseRows(d, p, inv, X, sqX, Ys, hs, nc, 0, nr, new Float64Array(nc), out, EXP);
      for (let i = 0; i < nr; i++) {
        const e = Array.from(h, (hj, j) => {
          let r2 = 0;
          for (let c = 0; c < d; c++) r2 += (X[i * d + c] - Y[j * d + c]) ** 2;
          return hj - (inv / p) * Math.pow(r2, p / 2);
        });
        const mx = Math.max(...e);
        const ref = mx + Math.log(e.reduce((s, v) => s + Math.exp(v - mx), 0));
        const cancellation = p === 2 ? 8 * 2.2e-16 * (d / 4) * inv : 0;
        expect(Math.abs(out[i] - ref), `d=${d} p=${p} eps=${eps} row ${i}`).toBeLessThan(1e-14 * Math.max(1, Math.abs(ref)) + cancellation);
      }
    }
  });
});

describe('culled 2D kernel (Morton blocks)', () => {
  it('PointCloudGeometry in 2D (blocked) matches a naive log-sum-exp, zero-mass columns included', async () => {
    // Culling drops only blocks whose every term is > 45 below the row maximum (they are
    // dropped term by term otherwise), so the tolerance is the one of lseRows above.
    const { PointCloudGeometry } = await import('../../../engine/ot/point-cloud-geometry.ts');
    const { Rng } = await import('../../../engine/core/rng.ts');
    const rng = new Rng(8);
    const n = 300, m = 500;
    const x = new Float64Array(2 * n).map(() => rng.uniform());
    const y = new Float64Array(2 * m).map(() => 0.5 + rng.uniform());
    const h = new Float64Array(m).map((_, j) => (j % 7 === 0 ? -Infinity : rng.normal()));
    const geom = new PointCloudGeometry(x, y, 2);
    for (const eps of [1e-2, 1e-3, 2e-4]) {
      const out = new Float64Array(n);
      geom.logApply(eps, h, out);
      for (let i = 0; i < n; i += 7) {
        const e = Array.from(h, (hj, j) => hj - ((x[2 * i] - y[2 * j]) ** 2 + (x[2 * i + 1] - y[2 * j + 1]) ** 2) / (2 * eps));
        const mx = Math.max(...e);
        const ref = mx + Math.log(e.reduce((s, v) => s + Math.exp(v - mx), 0));
        // Coordinates are centred on [−0.75, 0.75]²: R² ≤ 1.125, cancellation ≤ 8 ulp · R²/ε.
        expect(Math.abs(out[i] - ref), `eps=${eps} row ${i}`).toBeLessThan(1e-14 * Math.abs(ref) + 8 * 2.2e-16 * 1.125 / eps);
      }
    }
  });
});
