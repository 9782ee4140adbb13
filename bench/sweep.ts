import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IndexRow } from '../cli/sweep/index-file.ts';
import { runSweep } from '../cli/sweep/sweep.ts';
import type { FromWorker, ToWorker } from '../cli/sweep/worker.ts';
import { workerEntry } from '../node/paths.ts';
import { build } from '../tools/build.mjs';
import type { BenchRow, BenchSuite } from './harness.ts';

const SCENE = 'aggregation-disk';

interface Timed {
  ms: number;
  /** Sum of the runs' own wall seconds (summary.json). */
  runSeconds: number;
  startupMs: number[];
}

/** One sweep of 16 seeds on `jobs` workers, in a temporary directory removed afterwards. */
async function timeSweep(jobs: number, n: number, steps: number): Promise<Timed> {
  const base = mkdtempSync(join(tmpdir(), 'wgf-bench-sweep-'));
  try {
    const out = join(base, 'sweep');
    const t0 = performance.now();
    const report = await runSweep({
      scene: SCENE,
      grid: [{ name: 'seed', values: Array.from({ length: 16 }, (_, i) => String(i)) }],
      set: [`n=${n}`],
      steps,
      // A frame every 10 steps: the sweep machinery, not frame I/O, is what is measured.
      every: 10,
      seeds: 1,
      jobs,
      out,
      quiet: true,
    });
    const ms = performance.now() - t0;
    if (report.outcomes.some((o) => o.status !== 'ok')) throw new Error('bench sweep: a run did not end ok');
    const rows = readFileSync(join(out, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IndexRow);
    return { ms, runSeconds: rows.reduce((a, r) => a + (r.wall_seconds ?? 0), 0), startupMs: report.startupMs };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms from `new Worker(entry)` to its scene loaded (the pool's protocol), one worker at a time. */
async function timeStarts(entry: URL, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const w = new Worker(entry);
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromWorker) => (m.type === 'ready' ? resolve() : reject(new Error(`bench sweep: worker answered ${m.type}`))));
      w.on('error', reject);
      w.postMessage({ type: 'init', scene: SCENE } satisfies ToWorker);
    });
    times.push(performance.now() - t0);
    await w.terminate();
  }
  return median(times);
}

/** ms to build dist/ from scratch (into a temporary directory, removed afterwards). */
async function timeColdBuild(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'wgf-bench-build-'));
  try {
    const t0 = performance.now();
    await build(dir);
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Throughput of `wgf sweep` on worker threads: 16 small independent runs with
 * --jobs 1 and --jobs 2 (speed-up: the target is ≥ 1.8× on 2 quiet cores), and
 * what a run costs beyond its own simulation: starting a worker (dist/workers,
 * engine + scene) and the per-run bookkeeping (run directory, index), measured as
 * the sweep's wall time minus the runs' own wall seconds, per run. dist/ is brought
 * up to date first, so both sweeps find it built; a cold build is timed on its own.
 */
export const sweepSuite: BenchSuite = {
  name: 'sweep',
  description: 'wgf sweep of 16 runs: --jobs 1 vs --jobs 2, worker start-up and per-run overhead',
  async run({ quick }) {
    // Runs of ~0.1 s (quick) and ~1 s (full) on one core: long enough that the
    // speed-up measures the parallel runs, short enough for a benchmark.
    const n = quick ? 300 : 600;
    const steps = quick ? 150 : 400;
    const size = `16 runs ${SCENE} n=${n} steps=${steps}`;
    const entry = await workerEntry('sweep-worker');
    const one = await timeSweep(1, n, steps);
    const two = await timeSweep(2, n, steps);
    const starts = [...one.startupMs, ...two.startupMs];
    const reps = quick ? 3 : 7;
    const rows: BenchRow[] = [
      { suite: 'sweep', case: 'sweep --jobs 1', size, ours_ms: one.ms, extra: { runs_per_s: 16000 / one.ms, overhead_ms_per_run: (one.ms - one.runSeconds * 1000) / 16 } },
      { suite: 'sweep', case: 'sweep --jobs 2', size, ours_ms: two.ms, peer: 'jobs 1', peer_ms: one.ms, speedup: one.ms / two.ms, extra: { runs_per_s: 16000 / two.ms } },
      { suite: 'sweep', case: 'worker start in the sweeps', size: `${starts.length} workers`, ours_ms: median(starts) },
    ];
    // The same start measured alone, one worker at a time, and what a cold build of dist/ costs.
    rows.push({ suite: 'sweep', case: 'worker start (dist/workers/sweep-worker.mjs)', size: `${reps} workers`, ours_ms: await timeStarts(entry, reps) });
    rows.push({ suite: 'sweep', case: 'build dist/ (cold, esbuild)', size: 'all entries', ours_ms: await timeColdBuild() });
    return rows;
  },
};
