import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { npyToFloat64 } from '../engine/core/npy.ts';
import { resolveParams, type RawParams } from '../engine/core/params.ts';
import { UsageError, type SceneDefinition, type Simulation } from '../engine/core/simulation.ts';
import { firstNonFinite } from '../engine/core/finite.ts';
import type { Callback } from '../engine/run/callback.ts';
import type { RunSummary } from '../engine/run/record.ts';
import { Runner, standardGuards, type RunnerState } from '../engine/run/runner.ts';
import { everySteps } from '../engine/run/schedule.ts';
import { Checkpointer, readCheckpoint } from '../node/checkpoint.ts';
import { readNpy } from '../node/files.ts';
import type { Lock } from '../node/lock.ts';
import { RunDirWriter, type SceneRecord } from '../node/run-dir.ts';
import { checkDirArgument, hasEnded, lockRunDir, openRunDir, readSceneRecord, readSummary } from '../node/run-dir-open.ts';
import { completeFinish, rewindRunDir } from '../node/run-dir-rewind.ts';
import type { MetricRecord } from '../engine/run/record.ts';
import { loadScene, type LoadedScene } from './scene-loader.ts';
import { WGFLOW_VERSION } from '../node/version.ts';
import type { Accelerator } from '../engine/core/accelerator.ts';
import { parseBackend } from '../engine/backend/names.ts';
import { createNodeAccelerator } from '../node/backend/node-accelerator.ts';

export interface RunRequest {
  scene: LoadedScene;
  /** Overrides of scene parameters (`--set`, `--steps`, `--seed`). */
  raw: RawParams;
  every?: number;
  /** Steps between records with the scene's metrics (`--metrics-every`; a multiple of every). */
  metricsEvery?: number;
  init?: string;
  out: string;
  backend?: string;
  /** The platform's accelerator; absent: made from `backend` (node/backend/node-accelerator.ts). */
  accelerator?: Accelerator;
  checkpointEvery?: number;
  /** Further outputs (progress bars, ...), called after the run directory's writer and checkpointer. */
  outputs?: Callback[];
  shouldStop?: () => boolean;
  /** Where warnings go as they are raised (stderr in the CLI). */
  onWarning?: (message: string) => void;
  /** The caller holds the run directory's lock (a sweep locks its runs in its main thread). */
  callerHoldsLock?: boolean;
  /** Checks the built simulation before the run directory is made (throws one line to refuse it: `wgf compare` on a one-discretization scene). */
  check?: (sim: Simulation) => void;
}

/** Validates the backend name (ts | gpu | auto); 'auto' is settled per kernel by the fixed rule (engine/backend/rule.ts). */
export function resolveBackend(b: string | undefined): string {
  return parseBackend(b);
}

export interface PreparedRun {
  sim: Simulation;
  record: SceneRecord;
  def: SceneDefinition<any>;
}

/** The Node accelerator for a `--backend` request (validated first: a bad name is one line). */
export function acceleratorFor(backend: string | undefined): Promise<Accelerator> {
  return createNodeAccelerator({ request: parseBackend(backend) });
}

/**
 * Validates parameters, builds the simulation on the accelerator (which places its hot
 * loops once, before the first step) and applies `--init`.
 */
export function prepareRun(req: Omit<RunRequest, 'out'>, accelerator: Accelerator): PreparedRun {
  const def = req.scene.def;
  const params = resolveParams(def.params, req.raw);
  const backend = accelerator.request;
  const sim = def.build(params, { accelerator });
  if (backend === 'gpu' && Object.values(accelerator.loops).every((l) => l.target !== 'gpu')) {
    accelerator.notice('this scene has no loop with a gpu.js kernel: it runs on ts (Sinkhorn and grid loops stay float64, where float32 would break their marginal tolerances)');
  }
  if (req.init) {
    const a = readNpy(req.init);
    try {
      sim.setInitial(npyToFloat64(a), a.shape);
    } catch (e) {
      throw new UsageError(`--init '${req.init}': ${(e as Error).message}`);
    }
    const bad = firstNonFinite(npyToFloat64(a));
    if (bad >= 0) throw new UsageError(`--init '${req.init}' holds a non-finite value at index ${bad}`);
  }
  const steps = typeof params.steps === 'number' ? params.steps : 100;
  const every = req.every ?? def.every?.(params) ?? Math.max(1, Math.round(steps / 200));
  if (!(every >= 1) || !Number.isInteger(every)) throw new UsageError(`--every must be a positive integer; got ${req.every}`);
  const metricsEvery = req.metricsEvery ?? def.metricsEvery?.(params, every) ?? every;
  if (!(metricsEvery >= 1 && Number.isInteger(metricsEvery) && metricsEvery % every === 0)) {
    throw new UsageError(`--metrics-every must be a positive multiple of the recording period (--every ${every}); got ${metricsEvery}`);
  }
  const record: SceneRecord = {
    scene: def.id,
    title: def.title,
    ...(req.scene.file ? { scene_file: req.scene.file } : {}),
    params,
    seed: typeof params.seed === 'number' ? params.seed : 0,
    kind: sim.info.kind,
    dim: sim.info.dim,
    shape: sim.info.shape,
    ...(sim.info.view ? { frame_shape: sim.info.view.shape, frame_layout: sim.info.view.description } : {}),
    ...(sim.info.bounds ? { bounds: sim.info.bounds } : {}),
    ...(sim.info.sphere ? { sphere: true } : {}),
    dt: sim.info.dt,
    steps,
    every,
    metrics_every: metricsEvery,
    ...(req.checkpointEvery ? { checkpoint_every: req.checkpointEvery } : {}),
    ...(req.init ? { init: req.init } : {}),
    wgflow_version: WGFLOW_VERSION,
    backend,
    accelerator: { platform: accelerator.platform, loops: { ...accelerator.loops } },
    ...(sim.info.mainMetric ? { main_metric: sim.info.mainMetric } : {}),
    ...(sim.info.methods ? { methods: sim.info.methods } : {}),
    ...(sim.info.companion ? { companion: sim.info.companion } : {}),
    created: new Date().toISOString(),
  };
  return { sim, record, def };
}

/** The guards and outputs of a run written to `dir`, and the runner over them. */
export function runnerFor(sim: Simulation, record: SceneRecord, dir: string, opts: {
  outputs?: Callback[]; onWarning?: (m: string) => void;
  /** A resumed run: the run loop's state from its checkpoint (absent: restarted from step 0), the records kept, the wall time spent. */
  resume?: { run?: RunnerState; records: MetricRecord[]; wallSeconds: number };
}): Runner {
  const recordSchedule = everySteps(record.every);
  const metricSchedule = everySteps(record.metrics_every ?? record.every);
  const guards = standardGuards(recordSchedule);
  const writer = new RunDirWriter(dir, record, opts.resume);
  const outputs: Callback[] = [writer, ...(record.checkpoint_every ? [new Checkpointer(dir, record.checkpoint_every, opts.resume?.wallSeconds ?? 0, undefined, () => writer.flush())] : []), ...(opts.outputs ?? [])];
  // What is computed when, for scene.json (a resumed run keeps the record it has).
  // The record (energy, its terms and, on their schedule, the scene's metrics: metrics.jsonl) is computed once per recorded step, whoever asks.
  record.callbacks ??= {
    'record (energy, energy terms)': recordSchedule.label,
    'scene metrics (in the record)': metricSchedule.label,
    ...Object.fromEntries([...guards, ...outputs].map((c) => [c.name, c.schedule.label])),
  };
  return new Runner(sim, { guards, outputs, recordSchedule, metricSchedule, onWarning: opts.onWarning, resume: opts.resume?.run });
}

/** Runs `body` holding `lock` (null: the caller holds it), releasing it however the body ends. */
async function holding<T>(lock: Lock | null, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    lock?.release();
  }
}

/** Runs a scene into a new run directory (docs/design.md §5.2), holding the directory's lock throughout. */
export async function executeRun(req: RunRequest): Promise<RunSummary> {
  checkDirArgument('--out', req.out);
  const { sim, record } = prepareRun(req, req.accelerator ?? (await acceleratorFor(req.backend)));
  req.check?.(sim);
  const lock = openRunDir(req.out, req.callerHoldsLock);
  return holding(lock, () => runnerFor(sim, record, req.out, { outputs: req.outputs, onWarning: req.onWarning }).run(record.steps, req.shouldStop));
}

export interface ResumeRequest {
  dir: string;
  outputs?: Callback[];
  onWarning?: (message: string) => void;
  shouldStop?: () => boolean;
  /** Told the step the run continues from (0: no checkpoint, restarted) before it continues. */
  onResume?: (fromStep: number) => void;
  /** The caller holds the run directory's lock (a sweep). */
  callerHoldsLock?: boolean;
}

/** What a resume did: continued from `fromStep` (0: restarted, no checkpoint), or nothing (the run had ended). */
export interface ResumeResult {
  summary: RunSummary;
  /** Step the run continued from; null when the run had already ended. */
  fromStep: number | null;
  scene: SceneRecord;
  /** For a run that had ended: what was left of its end and was completed now (empty: nothing). */
  completed?: string[];
}

/**
 * Continues the run in `dir` as recorded in its scene.json (`wgf run --resume`),
 * holding the directory's lock: from its checkpoint when there is one (restoring
 * state, time and RNG state, so that it ends bit-identical to an uninterrupted
 * run), else from step 0. Metrics and frames written after the checkpoint are
 * dropped first. A run that ended (ok, diverged) is not run again, but what a kill
 * left of its end (checkpoint, temporary files) is removed. A corrupted
 * scene.json, summary.json, checkpoint or metrics.jsonl throws a one-line error
 * naming the file before anything in the directory changes.
 */
export async function resumeRun(req: ResumeRequest): Promise<ResumeResult> {
  const { dir } = req;
  checkDirArgument('--resume', dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--resume '${dir}' is not a directory`);
  if (!existsSync(join(dir, 'scene.json'))) throw new UsageError(`--resume '${dir}' is not a run directory (no scene.json)`);
  const lock = req.callerHoldsLock ? null : lockRunDir(dir);
  return holding(lock, () => resumeLocked(req));
}

async function resumeLocked(req: ResumeRequest): Promise<ResumeResult> {
  const { dir } = req;
  const scene = readSceneRecord(dir);
  const previous = readSummary(dir);
  if (hasEnded(previous)) return { summary: previous!, fromStep: null, scene, completed: completeFinish(dir) };
  const stored = readCheckpoint(dir);
  const loaded = await loadScene(scene.scene_file ?? scene.scene);
  const { sim } = prepareRun({
    scene: loaded,
    raw: scene.params,
    every: scene.every,
    metricsEvery: scene.metrics_every,
    backend: scene.backend,
    checkpointEvery: scene.checkpoint_every,
    // A checkpoint holds the state; without one the run restarts from its initial state.
    init: stored ? undefined : scene.init,
  }, await acceleratorFor(scene.backend));
  if (stored) {
    const x = stored.state.x;
    const size = sim.info.shape.reduce((a, b) => a * b, 1);
    if (!(x instanceof Float64Array) || x.length !== size) {
      throw new UsageError(`checkpoint in '${dir}' holds a state of ${x instanceof Float64Array ? x.length : 0} values, the scene builds [${sim.info.shape.join(', ')}]; the run directory was left untouched`);
    }
    sim.restore(stored.state as never);
  }
  const fromStep = stored ? stored.run.step : 0;
  const records = rewindRunDir(dir, stored ? fromStep : -1, scene);
  const wallSeconds = stored?.wallSeconds ?? 0;
  req.onResume?.(fromStep);
  const runner = runnerFor(sim, scene, dir, { outputs: req.outputs, onWarning: req.onWarning, resume: { run: stored?.run, records, wallSeconds } });
  const summary = await runner.run(scene.steps, req.shouldStop);
  return { summary, fromStep, scene };
}

export function defaultOutDir(sceneId: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return join('runs', `${sceneId.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}`);
}
