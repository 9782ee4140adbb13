import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Grid } from '../../../engine/grid/grid.ts';
import { GridEntropy, GridPotential } from '../../../engine/grid/grid-energy.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation, type GridSimulation } from '../../../engine/grid/grid-simulation.ts';
import type { Callback } from '../../../engine/run/callback.ts';
import { runCollecting } from '../../run-helpers.ts';
import { runCli, tempDir } from '../../cli-harness.ts';

/** 1D Fokker–Planck, V = x²/2, T = 1 on [−5, 5] with 40 cells (as in fokker-planck.test.ts, coarser). */
function fokkerPlanck(opts: { tau: number; eps: number; tol?: number; maxIter?: number }): GridSimulation {
  const grid = new Grid([40], [[-5, 5]]);
  const V = grid.evaluate((x) => 0.5 * x[0] * x[0]);
  const p0 = normalizedMasses(grid.evaluate((x) => Math.exp(-((x[0] - 2) ** 2) / 0.5)), grid);
  return gridSimulation({ measure: new GridMeasure(grid, p0), energies: [new GridPotential(V), new GridEntropy(1)], ...opts });
}

describe('an unconverged JKO step is reported, never silent (issue #11)', () => {
  it('the step report carries the inner solver: converged, residual = marginal error, the tolerance and a hint', () => {
    const sim = fokkerPlanck({ tau: 0.05, eps: 0.02, tol: 1e-9, maxIter: 3 });
    const h = sim.advance().solver!;
    // Three Sinkhorn iterations from a cold start cannot reach 1e-9 on this problem.
    expect(h.converged).toBe(false);
    expect(h.residual).toBe(sim.state.last.marginalError);
    expect(h.residual).toBeGreaterThan(1e-9);
    expect(h.tolerance).toBe(1e-9);
    expect(h.hint).toMatch(/3 Sinkhorn iterations.*smaller dt.*larger eps/);
    const ok = fokkerPlanck({ tau: 0.05, eps: 0.02, tol: 1e-9 });
    const okReport = ok.advance().solver!;
    expect(okReport).toMatchObject({ converged: true, tolerance: 1e-9 });
    expect(okReport.residual).toBeLessThan(1e-9);
  });

  it('the run warns once at the first unconverged step, sums up at the end, and its summary records it', async () => {
    const warnings: string[] = [];
    const sim = fokkerPlanck({ tau: 0.05, eps: 0.02, tol: 1e-9, maxIter: 3 });
    const residuals: number[] = [];
    const track: Callback = { name: 'residuals', schedule: { label: 'every step', due: (c) => !c.start }, call: () => void residuals.push(sim.state.last.marginalError) };
    const { summary } = await runCollecting(sim, 4, 2, [track], (m) => warnings.push(m));
    expect(summary.status).toBe('ok'); // the documented decision: the run goes on and ends ok
    expect(summary.converged).toBe(false);
    expect(summary.unconverged_steps).toBe(4);
    expect(summary.worst_residual).toBe(Math.max(...residuals));
    expect(summary.worst_residual_step).toBe(residuals.indexOf(Math.max(...residuals)) + 1);
    expect(summary.residual_tolerance).toBe(1e-9);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^step 1 \(t=0\.05000\) did not converge: JKO Sinkhorn marginal error .* ≥ tol 1\.000e-9; .*smaller dt/);
    expect(warnings[1]).toMatch(/4 of 4 steps did not converge/);
    expect(summary.warnings).toEqual(warnings);
  });

  it('a converged run says converged: true and warns about nothing', async () => {
    const warnings: string[] = [];
    const { summary } = await runCollecting(fokkerPlanck({ tau: 0.05, eps: 0.02, tol: 1e-9 }), 3, 3, [], (m) => warnings.push(m));
    expect(summary).toMatchObject({ status: 'ok', converged: true });
    expect(summary.warnings).toBeUndefined();
    expect(summary.unconverged_steps).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('wgf run: the issue\'s case (dt = 10, temperature = 100) says so on stderr and in summary.json, and exits 0', async () => {
    // grid=8 and eps=0.01 keep the regime (σT = τT/ε = 1e5: 5000 iterations leave a
    // marginal error of order 10) at a size that runs in about a second.
    const dir = tempDir('wgf-jko-health-');
    const out = join(dir, 'run');
    const r = await runCli(['run', 'grid-fokker-planck', '--set', 'grid=8', '--set', 'eps=0.01', '--set', 'dt=10', '--set', 'temperature=100', '--steps', '2', '--quiet', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: step 1 \(t=10\.00\) did not converge: JKO Sinkhorn marginal error .* ≥ tol 1\.000e-9.*σ·T = 1\.00e\+5.*smaller dt/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s).toMatchObject({ status: 'ok', converged: false, unconverged_steps: 2, residual_tolerance: 1e-9 });
    expect(s.worst_residual).toBeGreaterThan(1);
    expect(s.warnings).toHaveLength(2);
  });
});
