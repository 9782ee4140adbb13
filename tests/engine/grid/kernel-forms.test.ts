import { describe, expect, it } from 'vitest';
import { GridEntropy, GridPotential } from '../../../engine/grid/grid-energy.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation } from '../../../engine/grid/grid-simulation.ts';
import type { EntropicJKO } from '../../../engine/grid/entropic-jko.ts';
import type { KernelForm } from '../../../engine/grid/gibbs-geometry.ts';
import { createAccelerator } from '../../../engine/backend/accelerator.ts';

/** 2D Fokker–Planck (double well) a few steps in each kernel form. */
function run(form: KernelForm, eps: number, steps = 4, width = 0.2) {
  const grid = new Grid([20, 22], [[-2, 2], [-2, 2]]);
  const V = grid.evaluate(([x, y]) => (x * x - 1) ** 2 + 0.5 * y * y);
  const p0 = normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-((x - 0.2) ** 2 + (y - 0.5) ** 2) / width)), grid);
  const sim = gridSimulation({ measure: new GridMeasure(grid, p0), energies: [new GridPotential(V), new GridEntropy(0.5)], tau: 0.05, eps, form, tol: 1e-12, relaxation: 1 });
  const notices: string[] = [];
  (sim.jko as EntropicJKO).geometry.onNotice = (m) => notices.push(m);
  let logApps = 0;
  for (let k = 0; k < steps; k++) {
    sim.advance();
    logApps += sim.state.last.logApplications;
  }
  return { p: sim.measure().slice(), logApps, iterations: sim.state.last.iterations, notices };
}

describe('kernel forms of the JKO step', () => {
  it('plain, log and auto forms give the same step where all are valid', () => {
    const eps = 0.02; // σ·spread(V) = 2.5·11 ≈ 28: far inside the plain range
    const plain = run('plain', eps), log = run('log', eps), auto = run('auto', eps);
    expect(plain.logApps).toBe(0);
    expect(auto.notices).toHaveLength(0);
    expect(log.logApps).toBeGreaterThan(0);
    // Both forms are exact to round-off; Sinkhorn runs to tol 1e−12, so the steps agree
    // to ~1e−12 in L1 (differences of order tol, not of the kernel).
    let d = 0;
    for (let i = 0; i < plain.p.length; i++) d += Math.abs(plain.p[i] - log.p[i]);
    expect(d).toBeLessThan(1e-10);
    expect(Array.from(auto.p)).toEqual(Array.from(plain.p)); // auto picked the plain form throughout
  });

  it("a simulation built with the platform's accelerator says the switch through the accelerator (the CLI's stderr), not the global console", () => {
    const grid = new Grid([20, 22], [[-2, 2], [-2, 2]]);
    const V = grid.evaluate(([x, y]) => (x * x - 1) ** 2 + 0.5 * y * y);
    const p0 = normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-((x - 0.2) ** 2 + (y - 0.5) ** 2) / 0.01)), grid);
    const said: string[] = [];
    const accelerator = createAccelerator({ request: 'ts', notice: (m: string) => said.push(m) });
    const sim = gridSimulation({ measure: new GridMeasure(grid, p0), energies: [new GridPotential(V), new GridEntropy(0.5)], tau: 0.05, eps: 2e-3, form: 'auto', tol: 1e-12, relaxation: 1, accelerator });
    const warn = console.warn;
    const onConsole: string[] = [];
    console.warn = (m: string) => void onConsole.push(m);
    try {
      sim.advance();
      sim.advance();
    } finally {
      console.warn = warn;
    }
    expect(said.filter((m) => /switching to the log-domain kernel form/.test(m))).toHaveLength(1);
    expect(onConsole).toEqual([]);
  });

  it('auto switches to the log form when log-scalings outgrow the plain range, and stays correct', () => {
    // A narrow start: log p_0 spans ~700 over the cells where p_0 is a normal double, more
    // than the plain form's range (690 − 2·log(1/δ) ≈ 635), so a = p/(Kb) needs the log form.
    const eps = 2e-3;
    const auto = run('auto', eps, 2, 0.01), log = run('log', eps, 2, 0.01);
    expect(auto.logApps).toBeGreaterThan(0);
    expect(auto.notices).toHaveLength(1); // one clear line, once per run
    expect(auto.notices[0]).toMatch(/switching to the log-domain kernel form/);
    expect(log.notices).toHaveLength(0); // chosen explicitly: nothing to explain
    let d = 0;
    for (let i = 0; i < auto.p.length; i++) d += Math.abs(auto.p[i] - log.p[i]);
    expect(d).toBeLessThan(1e-10);
  });
});
