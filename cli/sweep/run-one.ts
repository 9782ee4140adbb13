import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParams, type RawParams } from '../../engine/core/params.ts';
import type { RunStatus, RunSummary } from '../../engine/run/record.ts';
import { executeRun, resumeRun } from '../execute-run.ts';
import { writeJson } from '../../node/files.ts';
import { clearRunDir, RUN_LOCK, readSceneRecord } from '../../node/run-dir-open.ts';
import type { LoadedScene } from '../scene-loader.ts';

/** What a worker is asked to do: one run of a sweep, in `dir`. */
export interface RunJob {
  name: string;
  dir: string;
  raw: RawParams;
  every?: number;
  checkpointEvery?: number;
  backend: string;
  /** The sweep's main thread holds the run directory's lock (node/run-dir-open.ts) while the job runs. */
  callerHoldsLock?: boolean;
}

/** How a run ended, as the index reports it: a run status, or 'failed' (an error, recorded in failed.json). */
export type SweepRunStatus = RunStatus | 'failed';

export interface RunOutcome {
  name: string;
  status: SweepRunStatus;
  /** What was done: ran from scratch, resumed, skipped (had already ended). */
  action: 'ran' | 'resumed' | 'skipped' | 'failed';
  message?: string;
}

/** failed.json: written into a run's directory when it throws; a re-launch retries the run. */
export const FAILED_FILE = 'failed.json';

/**
 * Brings one run of a sweep to its end, idempotently: a run that ended (ok,
 * diverged) is skipped, an interrupted one (or one whose step threw: 'error')
 * resumes from its checkpoint, a failed one or an empty directory starts afresh.
 * Errors do not propagate: they are written to failed.json and returned, so one
 * bad run never stops a sweep.
 */
export async function runOne(scene: LoadedScene, job: RunJob, shouldStop: () => boolean): Promise<RunOutcome> {
  const { dir, name } = job;
  const callerHoldsLock = job.callerHoldsLock;
  try {
    if (existsSync(join(dir, FAILED_FILE))) clearRunDir(dir);
    if (existsSync(join(dir, 'scene.json'))) {
      const record = readSceneRecord(dir);
      const wanted = resolveParams(scene.def.params, job.raw);
      if (JSON.stringify(record.params) !== JSON.stringify(wanted)) {
        throw new Error(`${dir} holds a run with other parameters than this sweep's; move it away or use another --out`);
      }
      const r = await resumeRun({ dir, shouldStop, callerHoldsLock });
      if (r.fromStep === null) return { name, status: r.summary.status, action: 'skipped' };
      return outcome(name, r.summary, 'resumed');
    }
    // A directory without scene.json holds nothing of a run yet (killed before its start).
    if (existsSync(dir) && readdirSync(dir).some((f) => f !== RUN_LOCK)) clearRunDir(dir);
    const summary = await executeRun({ scene, raw: job.raw, every: job.every, out: dir, backend: job.backend, checkpointEvery: job.checkpointEvery, shouldStop, callerHoldsLock });
    return outcome(name, summary, 'ran');
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    try {
      writeJson(join(dir, FAILED_FILE), { status: 'failed', message });
    } catch {
      // The directory itself cannot be written: the outcome still carries the message to the index.
    }
    return { name, status: 'failed', action: 'failed', message };
  }
}

function outcome(name: string, s: RunSummary, action: RunOutcome['action']): RunOutcome {
  return { name, status: s.status, action, ...(s.message ? { message: s.message } : {}) };
}
