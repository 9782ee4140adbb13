import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue } from '../scenes/index.ts';
import { median, type BenchRow, type BenchSuite } from './harness.ts';

/**
 * Whole `wgf run` processes, start to exit (issue #19: a user never runs a kernel, a
 * user runs `wgf run`): every catalogue scene at its default size and at a large size,
 * per backend, timed around the spawned CLI (`node bin/wgf.mjs run …`, dist/ already
 * built). Beside each run, the same run recording only its first and last step
 * (`--every <steps>`): their difference is what recording (energy, metrics, frames) costs
 * at the default `--every`, as a share of the run's wall time, and the run's own account
 * of it (summary.json `timing`: records_seconds / wall_seconds). Same-run ratios
 * (ts / gpu, ts / auto) sit beside the kernel figures of `--suite backend`. First, the
 * issue's headline comparison (`headline`): aggregation-disk at N = 16384, 20 steps.
 */
const WGF = fileURLToPath(new URL('../bin/wgf.mjs', import.meta.url));

/** Large sizes per catalogue scene (every one has an entry: tests/bench/runs.test.ts): where the O(N²) loops (or the grid) dominate. */
export const LARGE: Record<string, Record<string, number>> = {
  'fokker-planck': { n: 16384, steps: 20 },
  'aggregation-disk': { n: 16384, steps: 20 },
  'aggregation-ball': { n: 16384, steps: 20 },
  'double-well': { n: 16384, steps: 20 },
  'sinkhorn-flow': { n: 8000, m: 8000, steps: 10 },
  'grid-fokker-planck': { grid: 256, steps: 20 },
  'porous-medium': { grid: 256, steps: 20 },
  'crowd-motion': { grid: 256, steps: 20 },
  'grid-diffusion-3d': { grid: 48, steps: 10 },
  'mlp-mean-field': { m: 4096, train: 2048, steps: 20 },
  'transformer-tokens': { n: 4096, steps: 10 },
  // The comparisons at 8× their particles (blob sums, O(n²) direct or by cells/mesh), the grid at its default.
  'compare-fokker-planck': { n: 8192, steps: 10 },
  'compare-aggregation-diffusion': { n: 8192, steps: 10 },
  'compare-porous-medium': { n: 8192, steps: 20 },
};

interface Timed {
  ms: number;
  status: string;
  every: number;
  loops: string;
  /** The run's own account (summary.json timing): records (energy, metrics) as a share of its wall time. */
  recordsShare: number;
  /** The interaction's method where the scene has one (scene.json methods). */
  method: string;
}

/** One whole process; wall time from spawn to exit. */
function timeRun(scene: string, set: Record<string, number>, backend: string, every?: number, choices: Record<string, string> = {}): Timed {
  const out = mkdtempSync(join(tmpdir(), 'wgf-bench-runs-'));
  const args = [WGF, 'run', scene, ...Object.entries({ ...set, ...choices }).flatMap(([k, v]) => ['--set', `${k}=${v}`]), '--backend', backend, '--out', join(out, 'run')];
  if (every !== undefined) args.push('--every', String(every));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    if (r.status !== 0) return { ms, status: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`, every: NaN, loops: '', recordsShare: NaN, method: '' };
    const sceneJson = JSON.parse(readFileSync(join(out, 'run', 'scene.json'), 'utf8'));
    const loops = Object.entries((sceneJson.accelerator?.loops ?? {}) as Record<string, { target: string; values: string }>)
      .map(([name, l]) => `${name}:${l.target}/${l.values}`).join(' ');
    const summary = JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8'));
    const recordsShare = summary.timing ? summary.timing.records_seconds / summary.wall_seconds : NaN;
    const method = String(sceneJson.methods?.interaction ?? '').split(' ')[0];
    return { ms, status: summary.status, every: sceneJson.every, loops, recordsShare, method };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Issue #19's done-when: `wgf run aggregation-disk --set n=16384 --steps 20` (default
 * recording, every step at 20 steps) per backend, the backends interleaved within each
 * repetition so that a shared machine's load falls on all of them alike; the medians and
 * same-run ratios. With the interaction `auto` (P³M from N = 4096 in 2D, float64 TS under every
 * backend, engine/particles/mesh/method-rule.ts) and `direct` (the O(N²) loop the gpu.js
 * kernels run).
 */
export function headline(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const n = quick ? 4096 : 16384, steps = quick ? 5 : 20, reps = quick ? 1 : 3;
  const backends = ['ts', 'gpu', 'auto'];
  for (const method of ['auto', 'direct']) {
    const set = { n, steps };
    const runs: Record<string, Timed[]> = Object.fromEntries(backends.map((b) => [b, []]));
    for (let r = 0; r < reps; r++) {
      for (const b of backends) runs[b].push(timeRun('aggregation-disk', set, b, undefined, method === 'direct' ? { interaction: 'direct' } : {}));
    }
    const ms = Object.fromEntries(backends.map((b) => [b, median(runs[b].map((t) => t.ms))]));
    for (const b of backends) {
      const last = runs[b][runs[b].length - 1];
      rows.push({
        suite: 'runs', case: `aggregation-disk n=${n} ${steps} steps, interaction=${method} (${b})`, size: `N=${n} steps=${steps} every=${last.every}`,
        ours_ms: ms[b], ours: b,
        extra: {
          status: last.status, reps, method: last.method, loops: last.loops, records_share: median(runs[b].map((t) => t.recordsShare)),
          ...(b !== 'ts' ? { ts_over_this: ms.ts / ms[b] } : {}),
          ...(b === 'auto' ? { auto_picks_faster: ms.auto <= 1.1 * Math.min(ms.ts, ms.gpu) ? 'yes' : 'no' } : {}),
        },
      });
    }
  }
  return rows;
}

/** The comparison scenes (issue #15): one free energy run as particles and as a grid. */
export const COMPARISONS = ['compare-fokker-planck', 'compare-aggregation-diffusion', 'compare-porous-medium'];

/**
 * `wgf compare <scene>` at the scene's default size (quick: 10 steps), one process each: the
 * wall time from spawn to exit, and from the run's compare.json the wall seconds of each
 * engine's steps (particles: forward WGD; grid: JKO steps), their shares of the two, and the
 * seconds of the cloud–grid distances at the records; the run's records (both energies, all
 * metrics) and wall seconds from its summary.json.
 */
export function comparisons(quick: boolean, scenes: readonly string[] = COMPARISONS): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const id of scenes) {
    const out = mkdtempSync(join(tmpdir(), 'wgf-bench-compare-'));
    const args = [WGF, 'compare', id, '--quiet', '--out', join(out, 'run'), ...(quick ? ['--steps', '10'] : [])];
    try {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      const ms = performance.now() - t0;
      if (r.status !== 0) {
        rows.push({ suite: 'runs', case: `wgf compare ${id} default`, size: quick ? 'steps=10' : 'defaults', ours_ms: ms, extra: { status: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}` } });
        continue;
      }
      const scene = JSON.parse(readFileSync(join(out, 'run', 'scene.json'), 'utf8'));
      const cmp = JSON.parse(readFileSync(join(out, 'run', 'compare.json'), 'utf8'));
      const summary = JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8'));
      const p = scene.params as Record<string, number | string>;
      rows.push({
        suite: 'runs', case: `wgf compare ${id} default`, size: `d=${p.d} grid=${p.grid} n=${p.n} steps=${scene.steps} every=${scene.every}`, ours_ms: ms, ours: 'auto',
        extra: {
          particles_s: cmp.timing.particles_seconds, grid_s: cmp.timing.grid_seconds, distance_s: cmp.timing.distance_seconds,
          particles_share: cmp.timing.particles_share, grid_share: cmp.timing.grid_share, w2_between: cmp.final.w2_between,
          records_s: summary.timing?.records_seconds ?? NaN, run_wall_s: summary.wall_seconds,
        },
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return rows;
}

export const runsSuite: BenchSuite = {
  name: 'runs',
  description: 'whole `wgf run` processes per catalogue scene and backend (default and large sizes), and the share of recording',
  async run({ quick }) {
    const rows: BenchRow[] = [...headline(quick), ...comparisons(quick)];
    const backends = quick ? ['ts', 'auto'] : ['ts', 'gpu', 'auto'];
    for (const def of catalogue) {
      // Default size: the scene as `wgf run <id>` runs it (quick: 20 steps), and the same with recording at the ends only.
      const steps = quick ? 20 : (def.params as Record<string, { default?: unknown }>).steps?.default as number ?? 100;
      const base: Record<string, number> = quick ? { steps } : {};
      const byBackend: Record<string, number> = {};
      for (const b of backends) {
        const full = timeRun(def.id, base, b);
        const ends = timeRun(def.id, base, b, steps);
        byBackend[b] = full.ms;
        rows.push({
          suite: 'runs', case: `${def.id} default (${b})`, size: `steps=${steps} every=${full.every}`, ours_ms: full.ms, ours: b,
          extra: {
            // recording_share: the two processes' difference (whole-process, noisy on a loaded machine);
            // records_share: the run's own account of its records (summary.json timing), same process.
            status: full.status, ends_only_ms: ends.ms, recording_share: Math.max(0, (full.ms - ends.ms) / full.ms), records_share: full.recordsShare, loops: full.loops,
            ...(b !== 'ts' && byBackend.ts ? { ts_over_this: byBackend.ts / full.ms } : {}),
          },
        });
      }
      if (quick) continue;
      const large = LARGE[def.id];
      if (!large) continue;
      const size = Object.entries(large).map(([k, v]) => `${k}=${v}`).join(' ');
      const times: Record<string, number> = {};
      for (const b of backends) {
        const r = timeRun(def.id, large, b);
        times[b] = r.ms;
        rows.push({
          suite: 'runs', case: `${def.id} large (${b})`, size, ours_ms: r.ms, ours: b,
          extra: { status: r.status, every: r.every, loops: r.loops, ...(b !== 'ts' ? { ts_over_this: times.ts / r.ms } : {}) },
        });
      }
    }
    return rows;
  },
};
