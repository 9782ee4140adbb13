import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNpy, encodeNpy } from '../engine/core/npy.ts';
import { UsageError, type Checkpoint, type Simulation } from '../engine/core/simulation.ts';
import type { RunSummary } from '../engine/run/record.ts';
import type { RunObserver } from '../engine/run/runner.ts';
import { TMP_FILE, writeFileAtomic } from './files.ts';

/**
 * Checkpoints of a run directory: the full state of a simulation (`Checkpoint`:
 * step, t, state, RNG state, scheme scalars), so that `wgf run --resume DIR`
 * ends bit-identical to an uninterrupted run.
 *
 * On disk: `checkpoint-NNNNNN.npy` (the state, float64) and `checkpoint.json`
 * (everything else, plus the SHA-256 of the NPY bytes). The state file is
 * written first, then checkpoint.json is renamed into place: that rename is the
 * commit point, so a run killed at any instant leaves either the previous
 * checkpoint or the new one, never a mix. A file changed by anything else fails
 * the checksum and is reported instead of resumed from.
 */
export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 'wgflow-checkpoint';
const VERSION = 1;

/** checkpoint.json. */
export interface CheckpointRecord {
  format: typeof FORMAT;
  version: number;
  step: number;
  t: number;
  shape: number[];
  state_file: string;
  state_sha256: string;
  rng: Checkpoint['rng'] | null;
  extra: Checkpoint['extra'] | null;
  /** Wall seconds the run had spent when the checkpoint was taken (summed over resumes). */
  wall_seconds: number;
}

export interface StoredCheckpoint {
  checkpoint: Checkpoint;
  shape: number[];
  wallSeconds: number;
}

function stateFileName(step: number): string {
  return `checkpoint-${String(step).padStart(6, '0')}.npy`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const STATE_FILE = /^checkpoint-\d+\.npy$/;

/** Removes state files other than `keep` (older checkpoints, or all when keep is undefined), and their temporary files. */
function removeStateFiles(dir: string, keep?: string): void {
  for (const f of readdirSync(dir)) {
    const base = f.replace(TMP_FILE, '');
    if (STATE_FILE.test(base) && f !== keep) rmSync(join(dir, f), { force: true });
  }
}

/** Whether `dir` holds checkpoint files (checkpoint.json or state files). */
export function hasCheckpointFiles(dir: string): boolean {
  return readdirSync(dir).some((f) => f === CHECKPOINT_FILE || STATE_FILE.test(f.replace(TMP_FILE, '')));
}

/** The state file checkpoint.json names now (null when there is none or it is unreadable). */
function committedStateFile(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as CheckpointRecord).state_file ?? null;
  } catch {
    return null;
  }
}

/** Writes a checkpoint of `sim` atomically (see the module comment for the protocol). */
export function writeCheckpoint(dir: string, sim: Simulation, wallSeconds: number): void {
  const c = sim.checkpoint();
  const shape = sim.info.shape;
  const bytes = encodeNpy(c.state, shape);
  const stateFile = stateFileName(c.step);
  const previous = committedStateFile(dir);
  writeFileAtomic(join(dir, stateFile), bytes);
  const rec: CheckpointRecord = {
    format: FORMAT,
    version: VERSION,
    step: c.step,
    t: c.t,
    shape: [...shape],
    state_file: stateFile,
    state_sha256: sha256(bytes),
    rng: c.rng ?? null,
    extra: c.extra ?? null,
    wall_seconds: wallSeconds,
  };
  try {
    writeFileAtomic(join(dir, CHECKPOINT_FILE), JSON.stringify(rec, null, 2) + '\n');
  } catch (e) {
    // Not committed (a full disk): the previous checkpoint stands; drop the new state file it does not use.
    if (stateFile !== previous) rmSync(join(dir, stateFile), { force: true });
    throw e;
  }
  removeStateFiles(dir, stateFile);
}

/** Deletes a run directory's checkpoint (after the run ended for good). */
export function removeCheckpoint(dir: string): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  removeStateFiles(dir);
}

/**
 * Reads and verifies the checkpoint of a run directory: null when there is
 * none; a one-line UsageError naming the problem when it is corrupted (nothing
 * in the directory is changed).
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
  if (!Array.isArray(rec.shape) || typeof rec.state_file !== 'string' || !/^checkpoint-\d+\.npy$/.test(rec.state_file)) throw bad('shape or state_file missing');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(join(dir, rec.state_file));
  } catch {
    throw bad(`state file '${rec.state_file}' is missing`);
  }
  if (sha256(bytes) !== rec.state_sha256) throw bad(`state file '${rec.state_file}' does not match its SHA-256`);
  const npy = decodeNpy(bytes);
  if (!(npy.data instanceof Float64Array) || npy.shape.join(',') !== rec.shape.join(',')) throw bad('state is not float64 of the recorded shape');
  const rng = rec.rng ?? undefined;
  if (rng && (!Array.isArray(rng.s) || rng.s.length !== 4 || !rng.s.every((v) => Number.isInteger(v)))) throw bad('RNG state is invalid');
  return {
    checkpoint: { step: rec.step, t: rec.t, state: npy.data, ...(rng ? { rng } : {}), ...(rec.extra ? { extra: rec.extra } : {}) },
    shape: rec.shape,
    wallSeconds: Number.isFinite(rec.wall_seconds) ? rec.wall_seconds : 0,
  };
}

/**
 * The observer that writes checkpoints on the runner's checkpoint schedule, one
 * more when a run is stopped (SIGINT/SIGTERM, a stopped sweep) so that nothing
 * done is lost, keeps the last one when a step threw ('error': the state may be
 * half-updated, the resume starts from before it), and removes them once a run has
 * ended for good. Placed after the RunDirWriter, so that the removal follows the
 * final summary.json: a kill in between leaves an ended run with a stale
 * checkpoint, which `--resume` and a sweep's re-launch remove.
 */
export class CheckpointObserver implements RunObserver {
  private started = 0;

  constructor(
    readonly dir: string,
    /** Wall seconds spent before this session (a resumed run). */
    private readonly wallOffset = 0,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private wall(): number {
    return this.wallOffset + (this.now() - this.started) / 1000;
  }

  onStart(): void {
    this.started = this.now();
  }

  onCheckpoint(sim: Simulation): void {
    writeCheckpoint(this.dir, sim, this.wall());
  }

  onEnd(summary: RunSummary, sim: Simulation): void {
    if (summary.status === 'interrupted') writeCheckpoint(this.dir, sim, this.wall());
    else if (summary.status !== 'error') removeCheckpoint(this.dir);
  }
}
