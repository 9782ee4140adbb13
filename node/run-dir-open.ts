import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../engine/core/simulation.ts';
import type { RunStatus, RunSummary } from '../engine/run/record.ts';
import { readJson } from './files.ts';
import { describeOwner, tryLock, type Lock } from './lock.ts';
import { makeDirs, type SceneRecord } from './run-dir.ts';

/**
 * Opening a run directory (docs/design.md §5.2) to write it: the checks on the path, the
 * directory's lock (node/lock.ts; one writer at a time: `wgf run`, `--resume`, a
 * sweep's run), and reading back what a run wrote (scene.json, summary.json) with a
 * one-line error naming the file when it is corrupted.
 */

/** The lock file of a run directory. */
export const RUN_LOCK = '.wgf.lock';

/** Refuses an empty or blank directory argument (`--out ""` must not mean "the working directory"). */
export function checkDirArgument(flag: string, dir: string): void {
  if (dir.trim() === '') throw new UsageError(`${flag} needs a directory; got '${dir}' (use ${flag} . for the working directory)`);
}

/** Takes the lock of run directory `dir` (which exists); a live holder is a one-line UsageError naming it. */
export function lockRunDir(dir: string): Lock {
  const r = tryLock(join(dir, RUN_LOCK));
  if ('lock' in r) return r.lock;
  throw new UsageError(`run directory '${dir}' is in use by ${describeOwner(r.owner)} (a wgf run, --resume or sweep writing it); wait for it to end, or use another directory`);
}

/**
 * Prepares `dir` for a new run: refuses a blank path, a file, an unwritable path and
 * a directory that already holds a run; creates it and takes its lock (unless the
 * caller holds it: a sweep locks its runs itself). Returns the lock to release.
 */
export function openRunDir(dir: string, callerHoldsLock = false): Lock | null {
  checkDirArgument('--out', dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out '${dir}' is a file, not a directory`);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new UsageError(`cannot create --out '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lock = callerHoldsLock ? null : lockRunDir(dir);
  try {
    if (existsSync(join(dir, 'scene.json'))) throw new UsageError(`--out '${dir}' already holds a run (use --resume ${dir} to continue it, or another --out)`);
    makeDirs(join(dir, 'frames'));
  } catch (e) {
    lock?.release();
    throw e;
  }
  return lock;
}

/** Empties a run directory except its lock (a sweep's run that failed, or never started, is redone from scratch). */
export function clearRunDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f !== RUN_LOCK) rmSync(join(dir, f), { recursive: true, force: true });
}

const corrupted = (path: string, why: string) => new UsageError(`'${path}' is corrupted: ${why}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** scene.json of a run directory, checked for the fields that resuming and replaying need. */
export function readSceneRecord(dir: string): SceneRecord {
  const path = join(dir, 'scene.json');
  const s = readJson<unknown>(path);
  if (!isObject(s)) throw corrupted(path, 'not a JSON object');
  if (typeof s.scene !== 'string' || !s.scene) throw corrupted(path, "no scene id ('scene')");
  if (!isObject(s.params)) throw corrupted(path, "no parameters ('params')");
  if (!isCount(s.steps, 0) || !isCount(s.every, 1)) throw corrupted(path, "'steps' or 'every' missing or not an integer");
  if (s.checkpoint_every !== undefined && !isCount(s.checkpoint_every, 1)) throw corrupted(path, "'checkpoint_every' is not a positive integer");
  if (s.metrics_every !== undefined && !(isCount(s.metrics_every, 1) && (s.metrics_every as number) % (s.every as number) === 0)) throw corrupted(path, "'metrics_every' is not a positive multiple of 'every'");
  if (!Array.isArray(s.shape) || !s.shape.every((v) => isCount(v, 0))) throw corrupted(path, "'shape' missing or invalid");
  return s as unknown as SceneRecord;
}

const STATUSES: readonly RunStatus[] = ['ok', 'diverged', 'interrupted', 'error'];

/** summary.json of a run directory (null when there is none yet), checked. */
export function readSummary(dir: string): RunSummary | null {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) return null;
  const s = readJson<unknown>(path);
  if (!isObject(s)) throw corrupted(path, 'not a JSON object');
  if (!STATUSES.includes(s.status as RunStatus)) throw corrupted(path, `status '${String(s.status)}' is not one of ${STATUSES.join(', ')}`);
  if (!isCount(s.steps, 0)) throw corrupted(path, "'steps' missing or not an integer");
  return s as unknown as RunSummary;
}

/** Statuses after which a run is over for good: nothing to resume ('interrupted' and 'error' resume). */
export function hasEnded(summary: RunSummary | null): boolean {
  return summary !== null && (summary.status === 'ok' || summary.status === 'diverged');
}
