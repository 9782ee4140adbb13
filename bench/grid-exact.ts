import {
  Congestion, Grid, GridMeasure, GridPotential, gridSimulation, PorousMedium, barenblatt, l1Distance, normalizedMasses, type GridEnergy,
} from '../engine/index.ts';
import type { BenchRow } from './harness.ts';

/**
 * Time per JKO step, exact (back-and-forth) against entropic (Sinkhorn), on the
 * porous-medium flow of the scene (m = 2, Barenblatt from t0 = 2e-3 on [−1, 1]², τ = 5e-4)
 * and on the same flow under a congestion cap κ = 0.6·ρ_max(t0) with a drift V = x/2
 * (porous pressure plus the bound ρ ≤ κ). Each run takes `steps` steps from the same
 * start; ms/step is the median over the steps after the first (the first has no warm
 * start). Accuracy: L1 to the exact Barenblatt at the end (porous); the entropic scheme
 * runs at several ε and the row pairs the exact step with the cheapest entropic ε whose
 * L1 is within 1.05× the exact one, or with the most accurate ε when none reaches it
 * (extra.matched says which). Congestion has no closed form: its rows compare times at
 * the scene-like ε = h²/2 and print both L1 distances to the exact scheme's density.
 */
export function exactJkoRows(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const sizes = quick ? [128, 256] : [128, 256, 512];
  const steps = quick ? 4 : 6;
  for (const n of sizes) {
    for (const flow of ['porous', 'congestion'] as const) {
      const h = 2 / n;
      const exact = runFlow(flow, n, steps, 'exact', 0);
      const epsList = flow === 'porous' ? [2 * h * h, 0.5 * h * h, 0.125 * h * h] : [0.5 * h * h];
      const entropic = epsList.map((eps) => ({ eps, ...runFlow(flow, n, steps, 'entropic', eps, exact.density) }));
      let pick = entropic.find((e) => e.l1 <= 1.05 * exact.l1);
      const matched = flow === 'congestion' ? 'scene-like eps (no closed form; L1 to the exact density)' : pick ? 'cheapest entropic eps with L1 <= 1.05x exact' : 'best entropic L1 (did not reach the exact one)';
      pick ??= entropic.reduce((a, b) => (b.l1 < a.l1 ? b : a));
      rows.push({
        suite: 'grid',
        case: `jko-step ${flow}`,
        size: `${n}x${n}`,
        ours: 'exact-bfm',
        ours_ms: exact.msPerStep,
        peer: `entropic eps=${pick.eps.toPrecision(2)}`,
        peer_ms: pick.msPerStep,
        speedup: pick.msPerStep / exact.msPerStep,
        extra: {
          matched,
          exact_l1: Number(exact.l1.toPrecision(3)),
          entropic_l1: Number(pick.l1.toPrecision(3)),
          exact_halfsteps: exact.iterations,
          exact_converged: exact.converged,
          entropic_iterations: pick.iterations,
          all_entropic: entropic.map((e) => `eps=${e.eps.toPrecision(2)}: ${e.msPerStep.toFixed(0)}ms L1=${e.l1.toPrecision(3)}`).join('; '),
        },
      });
    }
  }
  return rows;
}

interface FlowRun {
  msPerStep: number;
  /** L1 to the exact Barenblatt (porous) or to `against` (congestion). */
  l1: number;
  iterations: number;
  converged: string;
  density: Float64Array;
}

function runFlow(flow: 'porous' | 'congestion', n: number, steps: number, scheme: 'exact' | 'entropic', eps: number, against?: Float64Array): FlowRun {
  const grid = new Grid([n, n], [[-1, 1], [-1, 1]]);
  const b = barenblatt(2, 2);
  const t0 = 2e-3, tau = 5e-4;
  const at = (t: number) => normalizedMasses(grid.evaluate(([x, y]) => b(t, x * x + y * y)), grid);
  const measure = new GridMeasure(grid, at(t0));
  const energies: GridEnergy[] = [new PorousMedium(2)];
  if (flow === 'congestion') energies.push(new GridPotential(grid.evaluate(([x]) => 0.5 * x)), new Congestion(0.6 * b(t0, 0)));
  const sim = gridSimulation({ scheme, measure, energies, tau, eps: eps || 1, tol: 1e-9, exactTol: 1e-5 });
  const times: number[] = [];
  let iterations = 0, unconverged = 0;
  for (let k = 0; k < steps; k++) {
    const t = performance.now();
    sim.advance();
    times.push(performance.now() - t);
    iterations += sim.state.last.iterations;
    if (!sim.state.last.converged) unconverged++;
  }
  const later = times.slice(1).sort((a, c) => a - c);
  const l1 = flow === 'porous' ? l1Distance(measure.p, at(t0 + steps * tau)) : against ? l1Distance(measure.p, against) : 0;
  return { msPerStep: later[later.length >> 1], l1, iterations: Math.round(iterations / steps), converged: unconverged ? `${steps - unconverged}/${steps}` : 'all', density: measure.p.slice() };
}
