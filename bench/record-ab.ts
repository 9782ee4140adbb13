/**
 * The recording share of catalogue scenes at their defaults, measured in ONE process with the two
 * runs interleaved (issue #19): run A records on the scene's default schedule with everything
 * `wgf run` does per record (the record and metrics, the guards, the run directory's frames,
 * metrics lines and summary: cli/execute-run.ts runnerFor), run B records only at the start and
 * the end (`--every steps --metrics-every steps`). Both are built from the same accelerator and
 * advance in turns of A's record period (`every` steps), the order inside a turn alternating, each
 * turn timed: a slow phase of the machine (one vCPU slowing for seconds, docs/benchmarks.md) falls
 * on both runs, where two processes timed one after the other (bench/recshare.sh) read the same
 * scene anywhere from −17% to +18% on this 2-core machine. The share is (A − B)/A of the two runs'
 * loops (start, steps, records, end), without the process's start (module loading, the same for
 * both), so it overstates the share of a whole `wgf run` process slightly.
 * What lands on the other run's turn: A's frames are written by its write queue in the
 * background (node/write-queue.ts), and a garbage collection may come in either run's turn.
 *
 *   npx tsx bench/record-ab.ts [scene ids…]      (default: every catalogue scene)
 *   env REPS (default 1); B_EVERY, B_METRICS_EVERY: run B's schedule (default: the steps, ends only)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceleratorFor, prepareRun, runnerFor } from '../cli/execute-run.ts';
import { loadScene } from '../cli/scene-loader.ts';
import { openRunDir } from '../node/run-dir-open.ts';
import { catalogue } from '../scenes/index.ts';

interface Side {
  ms: number;
  runner: ReturnType<typeof runnerFor>;
}

/** One interleaved A/B of scene `id`: the two runs' wall milliseconds and A's record period. */
async function abRun(id: string, root: string): Promise<{ a: number; b: number; every: number; metricsEvery: number; steps: number }> {
  const scene = await loadScene(id);
  const accelerator = await acceleratorFor('auto');
  const a = prepareRun({ scene, raw: {} }, accelerator);
  const steps = a.record.steps;
  // B_EVERY / B_METRICS_EVERY: run B's schedule instead (e.g. the default records with the metrics at the ends only).
  const bEvery = Number(process.env.B_EVERY ?? steps);
  const b = prepareRun({ scene, raw: {}, every: bEvery, metricsEvery: Number(process.env.B_METRICS_EVERY ?? steps) }, accelerator);
  const sides: Side[] = [];
  const locks = [];
  for (const [name, run] of [['a', a], ['b', b]] as const) {
    const dir = join(root, `${id}-${name}`);
    locks.push(openRunDir(dir));
    sides.push({ ms: 0, runner: runnerFor(run.sim, run.record, dir, { onWarning: () => undefined }) });
  }
  const timed = async (s: Side, body: () => Promise<unknown>) => {
    const t0 = performance.now();
    await body();
    s.ms += performance.now() - t0;
  };
  const every = a.record.every;
  for (let k = 0, turn = 0; k < steps; turn++) {
    const next = Math.min(steps, k + every);
    for (const s of turn % 2 ? [sides[1], sides[0]] : sides) {
      await timed(s, async () => {
        const { stop } = await s.runner.advance(next);
        if (stop) throw new Error(`${id}: run stopped at step ${stop.step}: ${stop.message}`);
      });
    }
    k = next;
  }
  for (const s of sides) await timed(s, () => s.runner.finish(null));
  for (const l of locks) l?.release();
  return { a: sides[0].ms, b: sides[1].ms, every, metricsEvery: a.record.metrics_every ?? every, steps };
}

const ids = process.argv.slice(2).length ? process.argv.slice(2) : catalogue.map((s) => s.id);
const reps = Number(process.env.REPS ?? 1);
const root = mkdtempSync(join(tmpdir(), 'record-ab-'));
try {
  for (const id of ids) {
    const shares: number[] = [];
    let last = { a: 0, b: 0, every: 0, metricsEvery: 0, steps: 0 };
    for (let r = 0; r < reps; r++) {
      rmSync(join(root, `${id}-a`), { recursive: true, force: true });
      rmSync(join(root, `${id}-b`), { recursive: true, force: true });
      last = await abRun(id, root);
      shares.push((last.a - last.b) / last.a);
    }
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`${id.padEnd(30)} steps ${last.steps} every ${last.every}/${last.metricsEvery}  default ${(last.a / 1000).toFixed(2)} s  ends-only ${(last.b / 1000).toFixed(2)} s  share ${shares.map(pct).join(' ')}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
