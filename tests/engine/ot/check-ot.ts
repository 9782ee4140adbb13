import { expect } from 'vitest';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import type { SinkhornResult } from '../../../engine/ot/sinkhorn.ts';

/**
 * One shared checker for OT results (GeomLoss style): compares value, marginals of
 * the plan and potentials (up to the additive constant f + c, g − c) against an
 * expected answer, with a named message per field.
 */
export interface ExpectedOT {
  value?: number;
  /** Potentials to compare up to a constant. */
  f?: Float64Array;
  g?: Float64Array;
}

export interface CheckTolerances {
  value?: number;
  potential?: number;
  /** L1 marginal error allowed on rows (columns are exact up to round-off). */
  marginal?: number;
}

export function checkOT(r: SinkhornResult, x: Float64Array, y: Float64Array, d: number, expected: ExpectedOT, tol: CheckTolerances): void {
  expect(r.diverged, 'diverged flag').toBe(false);
  expect(r.converged, 'converged flag').toBe(true);
  if (expected.value !== undefined) expect(Math.abs(r.value - expected.value), `value ${r.value} vs ${expected.value}`).toBeLessThan(tol.value ?? 1e-8);
  const { rows, cols } = planMarginals(r, x, y, d);
  const marginal = tol.marginal ?? 1e-6;
  expect(l1(rows, r.a), 'row marginal ‖π1 − a‖₁').toBeLessThan(marginal);
  expect(l1(cols, r.b), 'column marginal ‖πᵀ1 − b‖₁').toBeLessThan(1e-12 * Math.max(1, r.b.length / 100));
  if (expected.f && expected.g) {
    // Potentials are defined up to (f + c, g − c): compare after removing the a-weighted mean of f.
    const c = weightedMean(r.f, r.a) - weightedMean(expected.f, r.a);
    expect(maxAbsDiff(r.f, expected.f, c, r.a), 'potential f (up to a constant)').toBeLessThan(tol.potential ?? 1e-6);
    expect(maxAbsDiff(r.g, expected.g, -c, r.b), 'potential g (up to the opposite constant)').toBeLessThan(tol.potential ?? 1e-6);
  }
}

/** Row and column sums of the plan π_ij = a_i b_j e^{(f_i + g_j − C_ij)/ε}, without forming it. */
export function planMarginals(r: SinkhornResult, x: Float64Array, y: Float64Array, d: number): { rows: Float64Array; cols: Float64Array } {
  const geom = new PointCloudGeometry(x, y, d);
  const hb = new Float64Array(r.g.length).map((_, j) => Math.log(r.b[j]) + r.g[j] / r.eps);
  const ha = new Float64Array(r.f.length).map((_, i) => Math.log(r.a[i]) + r.f[i] / r.eps);
  const rows = new Float64Array(r.f.length);
  const cols = new Float64Array(r.g.length);
  geom.logApply(r.eps, hb, rows);
  geom.logApplyT(r.eps, ha, cols);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.exp(ha[i] + rows[i]);
  for (let j = 0; j < cols.length; j++) cols[j] = Math.exp(hb[j] + cols[j]);
  return { rows, cols };
}

export function l1(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += Math.abs(u[i] - v[i]);
  return s;
}

function weightedMean(f: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < f.length; i++) if (w[i] > 0) s += w[i] * f[i];
  return s;
}

/** max over points of positive weight of |u − v − c|. */
function maxAbsDiff(u: ArrayLike<number>, v: ArrayLike<number>, c: number, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) if (w[i] > 0) s = Math.max(s, Math.abs(u[i] - v[i] - c));
  return s;
}
