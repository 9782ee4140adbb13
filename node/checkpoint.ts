import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNpy, encodeNpy } from '../engine/core/npy.ts';
import { UsageError } from '../engine/core/simulation.ts';
import { joinState, splitState, type StateRecord } from '../engine/core/state-record.ts';
import type { Callback, RunContext } from '../engine/run/callback.ts';
import type { RunSummary } from '../engine/run/record.ts';
import type { RunnerState } from '../engine/run/runner.ts';
import { everySteps } from '../engine/run/schedule.ts';
import { TMP_FILE, writeFileAtomic } from './files.ts';

/**
 * Checkpoints of a run directory: the scheme's state record (engine/core/state-record.ts:
 * positions or masses, RNG words, warm potentials, energies' state) and the run loop's
 * (clock, warnings, guards' baselines), so that `wgf run --resume DIR` ends
 * bit-identical to an uninterrupted run.
 *
 * On disk: one `checkpoint-NNNNNN.<path>.npy` per float64 array of the record (the
 * measure is `…x.npy`, of the simulation's shape) and `checkpoint.json` (everything else,
 * with the SHA-256 of each NPY file). The arrays are written first, then
 * checkpoint.json is renamed into place: that rename is the commit point, so a run
 * killed at any instant leaves either the previous checkpoint or the new one, never a
 * mix. A file changed by anything else fails its checksum and is reported instead of
 * resumed from.
 */
export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 'wgflow-checkpoint';
const VERSION = 2;

/** checkpoint.json. */
export interface CheckpointRecord {
  format: typeof FORMAT;
  version: number;
  step: number;
  t: number;
  /** The run loop's state (clock, warnings, callbacks' baselines). */
  run: RunnerState;
  /** The scheme's state record, each float64 array replaced by { $array: path }. */
  state: unknown;
  /** Each array's file, shape and SHA-256. */
  arrays: Record<string, { file: string; shape: number[]; sha256: string }>;
  /** Wall seconds the run had spent when the checkpoint was taken (summed over resumes). */
  wall_seconds: number;
}

export interface StoredCheckpoint {
  run: RunnerState;
  state: StateRecord;
  wallSeconds: number;
}

const STATE_FILE = /^checkpoint-\d+\.[A-Za-z0-9_.]+\.npy$/;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Removes array files not in `keep` (older checkpoints' files, or all when keep is empty), and their temporary files. */
function removeStateFiles(dir: string, keep: ReadonlySet<string> = new Set()): void {
  for (const f of readdirSync(dir)) {
    const base = f.replace(TMP_FILE, '');
    if ((STATE_FILE.test(base) || /^checkpoint-\d+\.npy$/.test(base)) && !keep.has(f)) rmSync(join(dir, f), { force: true });
  }
}

/** Whether `dir` holds checkpoint files (checkpoint.json or state files). */
export function hasCheckpointFiles(dir: string): boolean {
  return readdirSync(dir).some((f) => f === CHECKPOINT_FILE || STATE_FILE.test(f.replace(TMP_FILE, '')));
}

/** The array files checkpoint.json names now (empty when there is none or it is unreadable). */
function committedFiles(dir: string): Set<string> {
  try {
    const rec = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as CheckpointRecord;
    return new Set(Object.values(rec.arrays ?? {}).map((f) => f.file));
  } catch {
    return new Set();
  }
}

/** Writes a checkpoint atomically (see the module comment for the protocol). */
export function writeCheckpoint(dir: string, ctx: RunContext, wallSeconds: number): void {
  const { run, state } = ctx.checkpoint();
  const { tree, arrays } = splitState(state);
  const files: CheckpointRecord['arrays'] = {};
  const stamp = String(run.step).padStart(6, '0');
  const previous = committedFiles(dir);
  const written: string[] = [];
  try {
    for (const [path, a] of arrays) {
      const shape = path === 'x' ? [...ctx.sim.info.shape] : [a.length];
      const bytes = encodeNpy(a, shape);
      const file = `checkpoint-${stamp}.${path}.npy`;
      writeFileAtomic(join(dir, file), bytes);
      written.push(file);
      files[path] = { file, shape, sha256: sha256(bytes) };
    }
    const rec: CheckpointRecord = { format: FORMAT, version: VERSION, step: run.step, t: run.t, run, state: tree, arrays: files, wall_seconds: wallSeconds };
    writeFileAtomic(join(dir, CHECKPOINT_FILE), JSON.stringify(rec, null, 2) + '\n');
  } catch (e) {
    // Not committed (a full disk): the previous checkpoint stands; drop the new files it does not use.
    for (const f of written) if (!previous.has(f)) rmSync(join(dir, f), { force: true });
    throw e;
  }
  removeStateFiles(dir, new Set(Object.values(files).map((f) => f.file)));
}

/** Deletes a run directory's checkpoint (after the run ended for good). */
export function removeCheckpoint(dir: string): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  removeStateFiles(dir);
}

/**
 * Reads and verifies the checkpoint of a run directory: null when there is none; a
 * one-line UsageError naming the problem when it is corrupted (nothing in the directory
 * is changed).
 */
export function readCheckpoint(dir: string): StoredCheckpoint | null {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return null;
  const bad = (why: string) => new UsageError(`corrupted checkpoint '${path}': ${why}; the run directory was left untouched (delete ${CHECKPOINT_FILE} to restart the run from step 0)`);
  let rec: CheckpointRecord;
  try {
    rec = JSON.parse(readFileSync(path, 'utf8')) as CheckpointRecord;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!rec || rec.format !== FORMAT) throw bad(`not a ${FORMAT} file`);
  if (rec.version !== VERSION) throw bad(`format version ${rec.version}, this wgflow reads version ${VERSION}`);
  if (!Number.isInteger(rec.step) || rec.step < 0 || !Number.isFinite(rec.t)) throw bad('step or t missing or invalid');
  const run = rec.run;
  if (!run || run.step !== rec.step || !Number.isFinite(run.anchorT) || !Array.isArray(run.warnings) || typeof run.callbacks !== 'object') throw bad('run state missing or invalid');
  if (!rec.arrays || typeof rec.arrays !== 'object' || !rec.arrays.x) throw bad('the state has no measure array x');
  const arrays = new Map<string, Float64Array>();
  for (const [p, f] of Object.entries(rec.arrays)) {
    if (!f || typeof f.file !== 'string' || !STATE_FILE.test(f.file) || !Array.isArray(f.shape)) throw bad(`array '${p}' has no valid file entry`);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, f.file));
    } catch {
      throw bad(`state file '${f.file}' is missing`);
    }
    if (sha256(bytes) !== f.sha256) throw bad(`state file '${f.file}' does not match its SHA-256`);
    const npy = decodeNpy(bytes);
    if (!(npy.data instanceof Float64Array) || npy.shape.join(',') !== f.shape.join(',')) throw bad(`state file '${f.file}' is not float64 of the recorded shape`);
    arrays.set(p, npy.data);
  }
  let state: StateRecord;
  try {
    state = joinState(rec.state, (p) => {
      const a = arrays.get(p);
      if (!a) throw new Error(`array '${p}' is not stored`);
      return a;
    });
  } catch (e) {
    throw bad((e as Error).message);
  }
  return { run, state, wallSeconds: Number.isFinite(rec.wall_seconds) ? rec.wall_seconds : 0 };
}

/**
 * Writes checkpoints every `every` steps, one more when a run is stopped
 * (SIGINT/SIGTERM, a stopped sweep) so that nothing done is lost, keeps the last one
 * when a step threw ('error': the state may be half-updated, the resume starts from
 * before it), and removes them once a run has ended for good. Placed after the
 * RunDirWriter, so that the removal follows the final summary.json: a kill in between
 * leaves an ended run with a stale checkpoint, which `--resume` and a sweep's
 * re-launch remove.
 */
export class Checkpointer implements Callback {
  readonly name = 'checkpoint';
  readonly schedule;
  private started = 0;

  constructor(
    readonly dir: string,
    every: number,
    /** Wall seconds spent before this session (a resumed run). */
    private readonly wallOffset = 0,
    private readonly now: () => number = () => performance.now(),
    /**
     * Awaited before each checkpoint is written: the run directory's queued records
     * (RunDirWriter.flush), so that a checkpoint never points past records not on disk.
     */
    private readonly before: () => Promise<void> = async () => undefined,
  ) {
    this.schedule = everySteps(every, { final: false });
  }

  private wall(): number {
    return this.wallOffset + (this.now() - this.started) / 1000;
  }

  start(): void {
    this.started = this.now();
  }

  async call(ctx: RunContext): Promise<void> {
    // The start of a run (or of a resumed session) is not worth a checkpoint.
    if (ctx.clock.start) return;
    // The wall time and the state are taken before waiting: the state is this step's either way.
    const wall = this.wall();
    await this.before();
    writeCheckpoint(this.dir, ctx, wall);
  }

  async end(ctx: RunContext, summary: RunSummary): Promise<void> {
    await this.before();
    if (summary.status === 'interrupted') writeCheckpoint(this.dir, ctx, this.wall());
    else if (summary.status !== 'error') removeCheckpoint(this.dir);
  }
}
