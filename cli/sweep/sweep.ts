import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAssignments } from '../../engine/core/params.ts';
import { UsageError, type SceneDefinition } from '../../engine/core/simulation.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';
import { prepareRun, resolveBackend } from '../execute-run.ts';
import { readJson, writeFileAtomic, writeJson } from '../../node/files.ts';
import { tryLock, type Lock } from '../../node/lock.ts';
import { makeDirs } from '../../node/run-dir.ts';
import { checkDirArgument, hasEnded, readSummary, RUN_LOCK } from '../../node/run-dir-open.ts';
import { completeFinish } from '../../node/run-dir-rewind.ts';
import type { OutStream } from '../io.ts';
import { loadScene, type LoadedScene } from '../scene-loader.ts';
import { readRow, writeIndex, type IndexRow } from './index-file.ts';
import { planRuns, type PlannedRun, type SweepSpec } from './plan.ts';
import { WorkerPool, type PoolReport } from './pool.ts';
import { SweepProgress } from './progress.ts';
import type { RunJob, RunOutcome } from './run-one.ts';
import { inShard, resolveShard, type Shard } from './shard.ts';
import { sweepSummarySvg } from './summary-plot.ts';

export const SWEEP_FILE = 'sweep.json';

export interface SweepRequest {
  scene: string;
  grid: SweepSpec['grid'];
  /** `--set k=v` items. */
  set: string[];
  seeds: number;
  steps?: number;
  every?: number;
  checkpointEvery?: number;
  backend?: string;
  jobs: number;
  /** `--shard i/n`; else read from the environment (shard.ts). */
  shard?: string;
  env?: Record<string, string | undefined>;
  out: string;
  quiet?: boolean;
  /** Where progress goes (unless quiet): the CLI's stderr. */
  stderr?: OutStream;
  /** Receives the worker pool once created, so that the caller can stop it (SIGINT). */
  onPool?: (pool: WorkerPool) => void;
}

export interface SweepReport {
  planned: number;
  shard: Shard | null;
  outcomes: RunOutcome[];
  /** Runs of this shard held by another live launch. */
  locked: string[];
  /** Runs of this shard never started (the sweep was stopped first). */
  notStarted: number;
  /** Whether index.csv/jsonl and summary.svg cover the whole sweep now. */
  indexComplete: boolean;
  /** Why the index could not be written (a full disk); the runs' directories hold the results. */
  indexError?: string;
  startupMs: number[];
}

/** Refuses an --out that is a file, or a non-empty directory that is not a sweep. */
function prepareSweepDir(dir: string): void {
  checkDirArgument('--out', dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--out '${dir}' is a file, not a directory`);
    if (!existsSync(join(dir, SWEEP_FILE)) && readdirSync(dir).length) throw new UsageError(`--out '${dir}' is not empty and holds no ${SWEEP_FILE} (not a sweep); use an empty or new directory`);
  }
  try {
    makeDirs(dir);
  } catch (e) {
    throw new UsageError(`cannot create --out '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function specOf(req: SweepRequest, loaded: LoadedScene): SweepSpec {
  const def = loaded.def;
  const set = parseAssignments(req.set);
  if (req.steps !== undefined) set.steps = req.steps;
  const seedSpec = def.params.seed;
  const seed0 = set.seed !== undefined ? Number(set.seed) : seedSpec ? Number(seedSpec.default) : 0;
  if (set.seed !== undefined && (!Number.isInteger(seed0) || seed0 < 0)) throw new UsageError(`--set seed must be a non-negative integer; got '${set.seed}'`);
  delete set.seed;
  return {
    scene: loaded.file ?? def.id,
    grid: req.grid,
    set,
    seeds: req.seeds,
    seed0,
    ...(req.every ? { every: req.every } : {}),
    ...(req.checkpointEvery ? { checkpoint_every: req.checkpointEvery } : {}),
    backend: resolveBackend(req.backend),
    main_metric: 'energy',
  };
}

/** The main metric of a scene, read from the simulation of the sweep's first run. */
function mainMetricOf(loaded: LoadedScene, run: PlannedRun): string {
  try {
    // Only the scene's description is read: the float64 reference builds it without starting any thread.
    const { sim } = prepareRun({ scene: loaded, raw: run.raw }, referenceAccelerator());
    return sim.info.mainMetric ?? 'energy';
  } catch {
    // That run fails to build: it will be recorded as failed in the index; summarise the energy.
    return 'energy';
  }
}

/** Rows of every planned run, read from their directories, and whether all have ended. */
export function collectRows(dir: string, plan: readonly PlannedRun[]): { rows: IndexRow[]; complete: boolean } {
  const rows = plan.map((r) => readRow(dir, r));
  return { rows, complete: rows.every((r) => r.status !== 'missing' && r.status !== 'interrupted') };
}

/** Writes index.csv, index.jsonl and summary.svg of the whole sweep. */
export function writeSweepIndex(dir: string, spec: SweepSpec, def: SceneDefinition<any>, rows: readonly IndexRow[]): void {
  writeIndex(dir, rows);
  writeFileAtomic(join(dir, 'summary.svg'), sweepSummarySvg(rows, spec.grid, spec.main_metric, `${def.id}: final ${spec.main_metric} (${rows.length} runs)`));
}

/** Runs that have ended for good (ok, diverged) need no worker; a damaged summary.json is for runOne to report. */
function ended(dir: string): boolean {
  try {
    return hasEnded(readSummary(dir));
  } catch {
    return false;
  }
}

/**
 * Takes the lock of a run's directory (created if needed) for the time of its job;
 * null when another launch holds it. One mechanism with `wgf run` (node/run-dir-open.ts).
 */
function lockRun(dir: string): Lock | null {
  makeDirs(dir);
  const r = tryLock(join(dir, RUN_LOCK));
  return 'lock' in r ? r.lock : null;
}

/**
 * Completes the end of an ended run that a kill cut short (checkpoint left, lock left),
 * unless another launch holds it. Best effort: the run's results are complete either way,
 * so a directory that cannot be written now (a full disk) is left as it is.
 */
function tidyEnded(dir: string): void {
  try {
    const lock = lockRun(dir);
    if (!lock) return;
    try {
      completeFinish(dir);
    } finally {
      lock.release();
    }
  } catch {
    // Left for the next launch or --resume.
  }
}

/**
 * `wgf sweep`: plans the runs (Cartesian product of the grid and the seeds),
 * keeps this shard's, skips those that ended, resumes interrupted ones, runs
 * the rest on worker threads, then writes the index (the whole sweep's when
 * every run has ended, else this shard's part under DIR/shards/).
 */
export async function runSweep(req: SweepRequest): Promise<SweepReport> {
  const loaded = await loadScene(req.scene);
  const spec = specOf(req, loaded);
  const plan = planRuns(spec, loaded.def);
  const shard = resolveShard(req.shard, req.env ?? {});
  prepareSweepDir(req.out);
  const specPath = join(req.out, SWEEP_FILE);
  if (existsSync(specPath)) {
    const old = readJson<SweepSpec>(specPath);
    spec.main_metric = old.main_metric;
    if (JSON.stringify(old) !== JSON.stringify(spec)) throw new UsageError(`--out '${req.out}' holds another sweep (${SWEEP_FILE} differs: scene, grid, --set, --seeds, --steps, --every or --checkpoint-every); use another --out`);
  } else {
    spec.main_metric = mainMetricOf(loaded, plan[0]);
    writeJson(specPath, spec);
  }

  const mine = plan.filter((r) => inShard(r.index, shard));
  const label = shard ? `sweep ${shard.index}/${shard.count}` : 'sweep';
  const progress = new SweepProgress(mine.length, label, !req.quiet && req.stderr !== undefined, req.stderr ?? { write: () => true });
  const outcomes: RunOutcome[] = [];
  const done = (o: RunOutcome) => {
    outcomes.push(o);
    progress.update(o);
  };
  const locks = new Map<string, Lock>();
  const locked: string[] = [];
  const jobs: RunJob[] = [];
  for (const r of mine) {
    const dir = join(req.out, r.name);
    if (ended(dir)) {
      tidyEnded(dir);
      done({ name: r.name, status: readRow(req.out, r).status as RunOutcome['status'], action: 'skipped' });
    } else {
      jobs.push({ name: r.name, dir: resolve(dir), raw: r.raw, every: spec.every, checkpointEvery: spec.checkpoint_every, backend: spec.backend, callerHoldsLock: true });
    }
  }
  // Each run's directory is locked here, in the main thread (whose heartbeat no long step
  // blocks), from just before its job starts until it ends.
  const claim = (job: RunJob): boolean => {
    try {
      const lock = lockRun(job.dir);
      if (lock) locks.set(job.name, lock);
      else locked.push(job.name);
      return lock !== null;
    } catch (e) {
      done({ name: job.name, status: 'failed', action: 'failed', message: `cannot lock ${job.dir}: ${(e as Error).message.split('\n')[0]}` });
      return false;
    }
  };
  const pool = new WorkerPool({
    jobs: req.jobs,
    scene: spec.scene,
    claim,
    onOutcome: (o) => {
      locks.get(o.name)?.release();
      locks.delete(o.name);
      done(o);
    },
  });
  req.onPool?.(pool);
  let poolReport: PoolReport;
  try {
    poolReport = await pool.run(jobs);
  } finally {
    for (const lock of locks.values()) lock.release();
    progress.stop();
  }

  const { rows, complete } = collectRows(req.out, plan);
  let indexError: string | undefined;
  try {
    if (shard === null || complete) writeSweepIndex(req.out, spec, loaded.def, rows);
    if (shard !== null) {
      const part = rows.filter((_, i) => inShard(i, shard));
      writeIndex(join(req.out, 'shards'), part, `index-${shard.index}-of-${shard.count}`);
    }
  } catch (e) {
    // The runs are done and recorded in their directories: report, do not lose the summary.
    indexError = (e as Error).message.split('\n')[0];
  }
  const notStarted = mine.length - outcomes.length - locked.length;
  return { planned: plan.length, shard, outcomes, locked, notStarted, indexComplete: complete && !indexError, ...(indexError ? { indexError } : {}), startupMs: poolReport.startupMs };
}

/** `wgf sweep --merge DIR`: rebuilds the whole index from the run directories that shards wrote. */
export async function mergeSweep(dir: string): Promise<{ rows: IndexRow[]; complete: boolean }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--merge '${dir}' is not a directory`);
  const specPath = join(dir, SWEEP_FILE);
  if (!existsSync(specPath)) throw new UsageError(`--merge '${dir}' holds no ${SWEEP_FILE} (not a sweep output directory)`);
  const spec = readJson<SweepSpec>(specPath);
  const loaded = await loadScene(spec.scene);
  const plan = planRuns(spec, loaded.def);
  const result = collectRows(dir, plan);
  writeSweepIndex(dir, spec, loaded.def, result.rows);
  return result;
}
