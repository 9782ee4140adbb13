import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexRow } from '../engine/node/sweep/index-file.ts';
import { runSweep } from '../engine/node/sweep/sweep.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

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
      scene: 'aggregation-disk',
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

/**
 * Throughput of `wgf sweep` on worker threads: 16 small independent runs with
 * --jobs 1 and --jobs 2 (speed-up: the target is ≥ 1.8× on 2 quiet cores), and
 * what a run costs beyond its own simulation: starting a worker (tsx register +
 * engine + scene) and the per-run bookkeeping (run directory, index), measured
 * as the sweep's wall time minus the runs' own wall seconds, per run.
 */
export const sweepSuite: BenchSuite = {
  name: 'sweep',
  description: 'wgf sweep of 16 runs: --jobs 1 vs --jobs 2, worker start-up and per-run overhead',
  async run({ quick }) {
    // Runs of ~0.1 s (quick) and ~1 s (full) on one core: long enough that the
    // speed-up measures the parallel runs, short enough for a benchmark.
    const n = quick ? 300 : 600;
    const steps = quick ? 150 : 400;
    const size = `16 runs aggregation-disk n=${n} steps=${steps}`;
    const one = await timeSweep(1, n, steps);
    const two = await timeSweep(2, n, steps);
    const starts = [...one.startupMs, ...two.startupMs].sort((a, b) => a - b);
    const rows: BenchRow[] = [
      { suite: 'sweep', case: 'sweep --jobs 1', size, ours_ms: one.ms, extra: { runs_per_s: 16000 / one.ms, overhead_ms_per_run: (one.ms - one.runSeconds * 1000) / 16 } },
      { suite: 'sweep', case: 'sweep --jobs 2', size, ours_ms: two.ms, peer: 'jobs 1', peer_ms: one.ms, speedup: one.ms / two.ms, extra: { runs_per_s: 16000 / two.ms } },
      { suite: 'sweep', case: 'worker start (tsx + engine + scene)', size: `${starts.length} workers`, ours_ms: starts[Math.floor(starts.length / 2)] },
    ];
    return rows;
  },
};
