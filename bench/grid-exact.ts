import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Congestion, Grid, GridMeasure, GridPotential, gridSimulation, PorousMedium, barenblatt, l1Distance, normalizedMasses, type GridEnergy,
} from '../engine/index.ts';
import { resolveParams } from '../engine/core/params.ts';
import { referenceAccelerator } from '../engine/backend/accelerator.ts';
import crowdScene from '../scenes/crowd-motion.ts';
import { pythonHas, runPeer, type BenchRow } from './harness.ts';

/** The porous-medium flow of the scene: m = 2, Barenblatt from t0 on [−1, 1]², τ = 5e−4; t = 0.052 after 100 steps. */
const T0 = 2e-3, TAU = 5e-4, STEPS_TO_T = 100;
/** Half-step tolerance of the exact rows (the scene default exact_tol): see docs/benchmarks.md for 1e−4. */
const EXACT_TOL = 1e-5;

/**
 * Exact (back-and-forth) against entropic (Sinkhorn) JKO steps, porous medium and congestion.
 *
 * Porous medium: each scheme runs the scene's flow from Barenblatt at t0 = 2e−3 to t = 0.052
 * (100 steps of τ = 5e−4) on 128² (and 256² with WGF_GRID_EXACT_LONG=1: ~25 min more), and the
 * rows give ms per step (the run's time over its steps), the L1 distance to the exact Barenblatt
 * at t = 0.052, and the entropic scheme at ε = h²/2 and h²/4 (its best: design.md §1.2). At equal
 * grid the entropic error is many times the exact one and does not reach it at any ε; the row
 * `time-to-accuracy` therefore compares whole runs at equal accuracy: the entropic run at the
 * reference grid (the largest of those) at its most accurate ε, against the exact run on the
 * coarsest grid of EXACT_GRIDS whose L1 is at most the entropic one; its speed-up is the ratio
 * of the two run times. Per-step rows at 128², 256², 512² (128², 256² with --quick): ms per
 * step over 4 steps from t0 (2 at 512²), the entropic ε that reaches the exact L1 there if one
 * does, else the one of lowest L1.
 *
 * The authors' code (github.com/wonjunee/wgfBFMcodes, python/src as the pybind11 module bfmgf)
 * runs as a peer of the exact rows when WGF_BFM_PEER names the folder holding the built module
 * (docs/benchmarks.md says how to build it): bench/peers/bfm_porous.py.
 *
 * Congestion: porous pressure + drift V = x/2 + cap κ = 0.6·ρ_max(t0) from the same Barenblatt
 * start at 128², 256², 512² (4 steps, 2 at 512²; max ρ/κ, mass; the entropic densities by L1 to
 * the exact step's), and the crowd-motion scene (the cap and a potential alone, the
 * incompressible limit, relaxed by one cell in the exact scheme: design.md §1.2) over 20 steps
 * with the mean distance to the exit, the two schemes compared by L1 to each other, and the exact
 * scheme again with a relaxation half as wide (its distance to the one-cell run: the relaxation's
 * error, docs/guide.md).
 */
export function exactJkoRows(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const peerDir = process.env.WGF_BFM_PEER;
  const peer = peerDir && existsSync(peerDir) && pythonHas('numpy', 'scipy') ? peerDir : null;
  if (!peer) process.stderr.write('bench: the authors\' back-and-forth code is not built (set WGF_BFM_PEER to the folder of bfmgf*.so: docs/benchmarks.md); peer rows skipped\n');
  // The runs to t = 0.052 at 256² take ~25 min for the four of them on the shared machine: only
  // with WGF_GRID_EXACT_LONG=1 (their figures of 2026-12-03 are in docs/benchmarks.md).
  const accuracySizes = quick || !process.env.WGF_GRID_EXACT_LONG ? [128] : [128, 256];
  const full = new Map<number, { exact: FlowRun; entropic: (FlowRun & { eps: number })[] }>();
  for (const n of accuracySizes) {
    const h = 2 / n;
    const exact = runPorous(n, STEPS_TO_T, 'exact', 0);
    const loose = runPorous(n, STEPS_TO_T, 'exact', 0, 1e-4);
    const entropic = [0.5 * h * h, 0.25 * h * h].map((eps) => ({ eps, ...runPorous(n, STEPS_TO_T, 'entropic', eps) }));
    full.set(n, { exact, entropic });
    const best = entropic.reduce((a, b) => (b.l1 < a.l1 ? b : a));
    const bfm = peer ? runAuthors(peer, n, STEPS_TO_T) : null;
    rows.push({
      suite: 'grid',
      case: 'jko-step porous to t=0.052',
      size: `${n}x${n}`,
      ours: 'exact-bfm',
      ours_ms: exact.msPerStep,
      peer: `entropic eps=${best.eps.toPrecision(2)} (best)`,
      peer_ms: best.msPerStep,
      speedup: best.msPerStep / exact.msPerStep,
      extra: {
        exact_l1: pct(exact.l1),
        entropic_l1: pct(best.l1),
        l1_ratio: Number((best.l1 / exact.l1).toPrecision(3)),
        exact_halfsteps: exact.iterations,
        exact_converged: exact.converged,
        exact_tol_1e4: `${loose.msPerStep.toFixed(0)}ms L1=${pct(loose.l1)} ${loose.iterations} half-steps`,
        entropic_iterations: best.iterations,
        all_entropic: entropic.map((e) => `eps=${e.eps.toPrecision(2)}: ${e.msPerStep.toFixed(0)}ms L1=${pct(e.l1)}`).join('; '),
        ...(bfm ? { authors_bfm_ms: Number(bfm.msPerStep.toPrecision(4)), authors_bfm_l1: pct(bfm.l1), authors_bfm_iterations: bfm.iterations } : {}),
      },
    });
  }
  // Equal accuracy: the entropic scheme's best run at the reference grid against the coarsest exact run that is as accurate.
  const ref = accuracySizes[accuracySizes.length - 1];
  const target = full.get(ref)!.entropic.reduce((a, b) => (b.l1 < a.l1 ? b : a));
  let match: { n: number; run: FlowRun } | null = null;
  for (const n of EXACT_GRIDS) {
    const run = full.get(n)?.exact ?? runPorous(n, STEPS_TO_T, 'exact', 0);
    if (run.l1 <= target.l1) {
      match = { n, run };
      break;
    }
  }
  const entropicTotal = target.msPerStep * STEPS_TO_T;
  rows.push({
    suite: 'grid',
    case: 'jko porous time-to-accuracy t=0.052',
    size: match ? `exact ${match.n}x${match.n} vs entropic ${ref}x${ref}` : `entropic ${ref}x${ref}`,
    ours: 'exact-bfm',
    ours_ms: match ? match.run.msPerStep * STEPS_TO_T : NaN,
    peer: `entropic eps=${target.eps.toPrecision(2)}`,
    peer_ms: entropicTotal,
    speedup: match ? entropicTotal / (match.run.msPerStep * STEPS_TO_T) : NaN,
    extra: {
      matched: match ? 'coarsest exact grid with L1 <= the entropic best at the reference grid' : 'no exact grid tried was as accurate',
      entropic_l1: pct(target.l1),
      exact_l1: match ? pct(match.run.l1) : '-',
    },
  });
  for (const n of quick ? [128, 256] : [128, 256, 512]) {
    // ms per step over a few steps from t0 (no run to t = 0.052): 4 steps, 2 at 512² (an entropic
    // step there takes tens of seconds). The entropic scheme at h²/2 and h²/4; the row pairs the
    // exact step with the entropic ε whose L1 to Barenblatt is at most the exact one (the larger,
    // cheaper ε if both), else with the entropic run of lowest L1 (it does not reach the exact L1).
    const h = 2 / n, steps = n >= 512 ? 2 : 4;
    const exact = runPorous(n, steps, 'exact', 0);
    const entropic = [0.5 * h * h, 0.25 * h * h].map((eps) => ({ eps, ...runPorous(n, steps, 'entropic', eps) }));
    const pick = matchEntropic(entropic, exact.l1);
    const bfm = peer ? runAuthors(peer, n, steps) : null;
    rows.push({
      suite: 'grid',
      case: `jko-step porous ${steps} steps from t0`,
      size: `${n}x${n}`,
      ours: 'exact-bfm',
      ours_ms: exact.msPerStep,
      peer: `entropic eps=${pick.run.eps.toPrecision(2)} (${pick.reaches ? 'reaches the exact L1' : 'lowest L1, does not reach the exact one'})`,
      peer_ms: pick.run.msPerStep,
      speedup: pick.run.msPerStep / exact.msPerStep,
      extra: {
        exact_l1: pct(exact.l1), entropic_l1: pct(pick.run.l1), exact_halfsteps: exact.iterations, exact_converged: exact.converged, entropic_iterations: pick.run.iterations,
        all_entropic: entropic.map((e) => `eps=${e.eps.toPrecision(2)}: ${e.msPerStep.toFixed(0)}ms L1=${pct(e.l1)}`).join('; '),
        ...(bfm ? { authors_bfm_ms: Number(bfm.msPerStep.toPrecision(4)), authors_bfm_l1: pct(bfm.l1), authors_bfm_iterations: bfm.iterations } : {}),
      },
    });
  }
  for (const n of quick ? [128, 256] : [128, 256, 512]) {
    // No closed form: the entropic densities are compared with the exact step's (converged to
    // exact_tol 1e−5, the JKO minimizer without blur) by L1; the row pairs the entropic ε with the
    // lower L1 (the blur's own error: no ε reaches the exact step's marginal error).
    const steps = n >= 512 ? 2 : 4, h = 2 / n;
    const exact = runCongestion(n, steps, 'exact', 0);
    const entropic = [0.5 * h * h, 0.25 * h * h].map((eps) => ({ eps, ...runCongestion(n, steps, 'entropic', eps) }));
    const l1s = entropic.map((e) => l1Distance(exact.density, e.density));
    const k = l1s[0] <= l1s[1] ? 0 : 1, pick = entropic[k];
    rows.push({
      suite: 'grid',
      case: `jko-step porous+congestion ${steps} steps`,
      size: `${n}x${n}`,
      ours: 'exact-bfm',
      ours_ms: exact.msPerStep,
      peer: `entropic eps=${pick.eps.toPrecision(2)} (lower L1 to the exact step)`,
      peer_ms: pick.msPerStep,
      speedup: pick.msPerStep / exact.msPerStep,
      extra: {
        exact_max_over_kappa: Number(exact.maxOverCap.toFixed(6)),
        exact_mass_error: Number(Math.abs(exact.mass - 1).toExponential(1)),
        entropic_max_over_kappa: Number(pick.maxOverCap.toFixed(6)),
        l1_entropic_to_exact: pct(l1s[k]),
        exact_halfsteps: exact.iterations,
        exact_converged: exact.converged,
        entropic_iterations: pick.iterations,
        all_entropic: entropic.map((e, j) => `eps=${e.eps.toPrecision(2)}: ${e.msPerStep.toFixed(0)}ms L1 to exact=${pct(l1s[j])}`).join('; '),
      },
    });
  }
  for (const n of quick ? [64] : [64, 128]) {
    const steps = 20, eps = 2.5e-4 * (64 / n) ** 2; // the scene's ε at 64², scaled with h²
    const exact = runCrowd(n, steps, 'exact', eps);
    const finer = runCrowd(n, steps, 'exact', eps, 0.5);
    const entropic = runCrowd(n, steps, 'entropic', eps);
    rows.push({
      suite: 'grid',
      case: `jko-step crowd-motion ${steps} steps`,
      size: `${n}x${n}`,
      ours: 'exact-bfm (relaxed)',
      ours_ms: exact.msPerStep,
      peer: `entropic eps=${eps.toPrecision(2)}`,
      peer_ms: entropic.msPerStep,
      speedup: entropic.msPerStep / exact.msPerStep,
      extra: {
        exact_max_over_kappa: Number(exact.maxOverCap.toFixed(6)),
        entropic_max_over_kappa: Number(entropic.maxOverCap.toFixed(6)),
        exact_mean_distance: Number(exact.meanDistance.toFixed(4)),
        entropic_mean_distance: Number(entropic.meanDistance.toFixed(4)),
        l1_between: pct(l1Distance(exact.density, entropic.density)),
        exact_halfsteps: exact.iterations,
        exact_converged: exact.converged,
        entropic_iterations: entropic.iterations,
        half_relax: `${finer.msPerStep.toFixed(0)}ms ${finer.iterations} half-steps conv ${finer.converged} mean distance ${finer.meanDistance.toFixed(4)} L1 to one-cell ${pct(l1Distance(exact.density, finer.density))}`,
      },
    });
  }
  return rows;
}

/** The entropic run whose L1 is at most `target` (the largest ε among them), else the one of lowest L1. */
function matchEntropic<R extends { eps: number; l1: number }>(runs: R[], target: number): { run: R; reaches: boolean } {
  const reaching = runs.filter((r) => r.l1 <= target);
  if (reaching.length) return { run: reaching.reduce((a, b) => (b.eps > a.eps ? b : a)), reaches: true };
  return { run: runs.reduce((a, b) => (b.l1 < a.l1 ? b : a)), reaches: false };
}

/** The exact scheme's grids for the time-to-accuracy row, coarse to fine. */
const EXACT_GRIDS = [32, 48, 64, 96, 128, 256];

interface FlowRun {
  /** Mean ms per step over the whole run. */
  msPerStep: number;
  /** L1 to the exact Barenblatt at the end (cell masses). */
  l1: number;
  iterations: number;
  converged: string;
  density: Float64Array;
}

function pct(x: number): string {
  return `${(100 * x).toPrecision(3)}%`;
}

function porousSetup(n: number) {
  const grid = new Grid([n, n], [[-1, 1], [-1, 1]]);
  const b = barenblatt(2, 2);
  const at = (t: number) => normalizedMasses(grid.evaluate(([x, y]) => b(t, x * x + y * y)), grid);
  return { grid, b, at };
}

function runPorous(n: number, steps: number, scheme: 'exact' | 'entropic', eps: number, exactTol = EXACT_TOL): FlowRun {
  const { grid, at } = porousSetup(n);
  const measure = new GridMeasure(grid, at(T0));
  const sim = gridSimulation({ scheme, measure, energies: [new PorousMedium(2)], tau: TAU, eps: eps || 1, tol: 1e-9, exactTol });
  return timeRun(sim, steps, measure, () => l1Distance(measure.p, at(T0 + steps * TAU)));
}

function timeRun(sim: ReturnType<typeof gridSimulation>, steps: number, measure: GridMeasure, l1: () => number): FlowRun {
  let iterations = 0, unconverged = 0, total = 0;
  for (let k = 0; k < steps; k++) {
    const t = performance.now();
    sim.advance();
    total += performance.now() - t;
    iterations += sim.state.last.iterations;
    if (!sim.state.last.converged) unconverged++;
  }
  return { msPerStep: total / steps, l1: l1(), iterations: Math.round(iterations / steps), converged: unconverged ? `${steps - unconverged}/${steps}` : 'all', density: measure.p.slice() };
}

function runCongestion(n: number, steps: number, scheme: 'exact' | 'entropic', eps: number): FlowRun & { maxOverCap: number; mass: number } {
  const { grid, b, at } = porousSetup(n);
  const measure = new GridMeasure(grid, at(T0));
  const kappaDensity = 0.6 * b(T0, 0);
  const energies: GridEnergy[] = [new GridPotential(grid.evaluate(([x]) => 0.5 * x)), new Congestion(kappaDensity), new PorousMedium(2)];
  const sim = gridSimulation({ scheme, measure, energies, tau: TAU, eps: eps || 1, tol: 1e-9, exactTol: EXACT_TOL });
  const run = timeRun(sim, steps, measure, () => 0);
  const cellCap = kappaDensity * grid.cellVolume;
  let mass = 0, top = 0;
  for (const q of measure.p) {
    mass += q;
    top = Math.max(top, q);
  }
  return { ...run, maxOverCap: top / cellCap, mass };
}

/** The crowd-motion scene (congestion and a potential alone) at its defaults but the grid and ε. */
function runCrowd(n: number, steps: number, scheme: 'exact' | 'entropic', eps: number, relax = 1): FlowRun & { maxOverCap: number; meanDistance: number } {
  const sim = crowdScene.build(resolveParams(crowdScene.params, { grid: n, scheme, eps, exact_relax: relax }), { accelerator: referenceAccelerator() });
  const tau = resolveParams(crowdScene.params, {}).dt as number;
  let iterations = 0, unconverged = 0, total = 0;
  for (let k = 0; k < steps; k++) {
    const t = performance.now();
    sim.advance();
    total += performance.now() - t;
    const last = sim.state.last as { iterations: number; converged: boolean };
    iterations += last.iterations;
    if (!last.converged) unconverged++;
  }
  const m = sim.metrics(steps * tau);
  return {
    msPerStep: total / steps, l1: 0, iterations: Math.round(iterations / steps), converged: unconverged ? `${steps - unconverged}/${steps}` : 'all',
    density: (sim.state.x as Float64Array).slice(), maxOverCap: m.max_density_over_kappa as number, meanDistance: m.mean_distance_to_exit as number,
  };
}

/** The authors' code on the same flow (bench/peers/bfm_porous.py); null when it fails. */
function runAuthors(dir: string, n: number, steps: number): { msPerStep: number; l1: number; iterations: number } | null {
  const { at } = porousSetup(n);
  const tmp = mkdtempSync(join(tmpdir(), 'wgf-bfm-'));
  try {
    const write = (name: string, a: Float64Array) => {
      const p = join(tmp, name);
      writeFileSync(p, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return p;
    };
    const init = write('init.bin', at(T0));
    const refs = [write('ref.bin', at(T0 + steps * TAU))];
    process.env.WGF_BFM_PEER = dir;
    const r = runPeer<{ ms: number[]; iterations: number[]; l1: number[] }>('bfm_porous.py', { n, tau: TAU, steps, init, refs, refAt: [steps - 1] });
    if (!r) return null;
    return { msPerStep: r.ms.reduce((a, c) => a + c, 0) / r.ms.length, l1: r.l1[r.l1.length - 1], iterations: Math.round(r.iterations.reduce((a, c) => a + c, 0) / r.iterations.length) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
