import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IndexRow } from '../engine/node/sweep/index-file.ts';
import { TSX_ENTRY } from '../engine/node/sweep/pool.ts';
import { runSweep } from '../engine/node/sweep/sweep.ts';
import { DEFAULT_CACHE_DIR, sweepWorkerBundle } from '../engine/node/sweep/worker-bundle.ts';
import type { FromWorker, ToWorker } from '../engine/node/sweep/worker.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

const SCENE = 'aggregation-disk';

interface Timed {
  ms: number;
  /** Sum of the runs' own wall seconds (summary.json). */
  runSeconds: number;
  startupMs: number[];
  entry: string;
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
    return { ms, runSeconds: rows.reduce((a, r) => a + (r.wall_seconds ?? 0), 0), startupMs: report.startupMs, entry: report.entry };
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

/** ms to build the precompiled worker from scratch (in a fresh cache directory, removed afterwards). */
async function timeColdBuild(): Promise<number> {
  mkdirSync(DEFAULT_CACHE_DIR, { recursive: true });
  const dir = mkdtempSync(join(DEFAULT_CACHE_DIR, 'bench-'));
  try {
    const t0 = performance.now();
    if (!(await sweepWorkerBundle(dir))) throw new Error('bench sweep: the precompiled worker cannot be built');
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Throughput of `wgf sweep` on worker threads: 16 small independent runs with
 * --jobs 1 and --jobs 2 (speed-up: the target is ≥ 1.8× on 2 quiet cores), and
 * what a run costs beyond its own simulation: starting a worker (precompiled
 * bundle, engine + scene; tsx as its peer) and the per-run bookkeeping (run
 * directory, index), measured as the sweep's wall time minus the runs' own wall
 * seconds, per run. The precompiled worker is brought up to date first, so both
 * sweeps find it built; its cold build is timed on its own.
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
    const bundle = await sweepWorkerBundle();
    const one = await timeSweep(1, n, steps);
    const two = await timeSweep(2, n, steps);
    const starts = [...one.startupMs, ...two.startupMs];
    const reps = quick ? 3 : 7;
    const rows: BenchRow[] = [
      { suite: 'sweep', case: 'sweep --jobs 1', size, ours_ms: one.ms, extra: { runs_per_s: 16000 / one.ms, overhead_ms_per_run: (one.ms - one.runSeconds * 1000) / 16 } },
      { suite: 'sweep', case: 'sweep --jobs 2', size, ours_ms: two.ms, peer: 'jobs 1', peer_ms: one.ms, speedup: one.ms / two.ms, extra: { runs_per_s: 16000 / two.ms } },
      { suite: 'sweep', case: `worker start in the sweeps (${two.entry})`, size: `${starts.length} workers`, ours_ms: median(starts) },
    ];
    // The same start measured alone, one worker at a time: the precompiled bundle against tsx.
    const tsx = await timeStarts(TSX_ENTRY, reps);
    if (bundle) {
      const ours = await timeStarts(bundle, reps);
      rows.push({ suite: 'sweep', case: 'worker start: bundle vs tsx', size: `${reps} workers`, ours: 'bundle', ours_ms: ours, peer: 'tsx', peer_ms: tsx, speedup: tsx / ours });
      rows.push({ suite: 'sweep', case: 'precompile worker (cold cache)', size: 'esbuild bundle', ours_ms: await timeColdBuild() });
    } else {
      rows.push({ suite: 'sweep', case: 'worker start: tsx (no bundle)', size: `${reps} workers`, ours: 'tsx', ours_ms: tsx });
    }
    return rows;
  },
};
