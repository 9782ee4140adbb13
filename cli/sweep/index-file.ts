import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord } from '../../engine/run/record.ts';
import { readJson, writeFileAtomic } from '../../node/files.ts';
import { readSummary } from '../../node/run-dir-open.ts';
import type { PlannedRun } from './plan.ts';
import { FAILED_FILE, type SweepRunStatus } from './run-one.ts';

/** One row of DIR/index.jsonl and DIR/index.csv: a run, read back from its run directory. */
export interface IndexRow {
  run: string;
  /** The swept values (and the seed). */
  params: Record<string, number | string | boolean>;
  /** 'missing': no directory yet (a shard not run, or a run not started). */
  status: SweepRunStatus | 'missing';
  steps: number | null;
  t: number | null;
  wall_seconds: number | null;
  /** Final energy and scene metrics (null for a run that never recorded). */
  final: Record<string, number | null | Record<string, number>> | null;
  message?: string;
}

/**
 * Reads a run's row from its directory alone (summary.json, failed.json), so
 * the index written at the end of a sweep and the one rebuilt by `--merge` from
 * shards' outputs are the same bytes.
 */
export function readRow(sweepDir: string, run: PlannedRun): IndexRow {
  const dir = join(sweepDir, run.name);
  const row: IndexRow = { run: run.name, params: run.swept, status: 'missing', steps: null, t: null, wall_seconds: null, final: null };
  if (existsSync(join(dir, FAILED_FILE))) {
    let message = 'failed';
    try {
      message = readJson<{ message?: string }>(join(dir, FAILED_FILE)).message ?? message;
    } catch (e) {
      message = (e as Error).message;
    }
    return { ...row, status: 'failed', message };
  }
  if (!existsSync(join(dir, 'scene.json'))) return row;
  let s;
  try {
    s = readSummary(dir);
  } catch (e) {
    // One damaged run directory is one row saying so, not an index that cannot be written.
    return { ...row, status: 'failed', message: (e as Error).message };
  }
  if (!s) return { ...row, status: 'interrupted' };
  const out: IndexRow = { ...row, status: s.status, steps: s.steps, t: s.t, wall_seconds: s.wall_seconds, final: finalOf(s.final) };
  if (s.message) out.message = s.message;
  return out;
}

function finalOf(rec: MetricRecord | null): IndexRow['final'] {
  if (!rec) return null;
  const { step: _step, t: _t, ...rest } = rec;
  return rest as IndexRow['final'];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns: run, swept parameters, status, steps, t, wall_seconds, final energy and metrics (first-seen order), message. */
export function indexCsv(rows: readonly IndexRow[]): string {
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  const metrics = [...new Set(rows.flatMap((r) => Object.entries(r.final ?? {}).filter(([, v]) => typeof v === 'number' || v === null).map(([k]) => k)))];
  const head = ['run', ...params, 'status', 'steps', 't', 'wall_seconds', ...metrics, 'message'];
  const lines = rows.map((r) =>
    [r.run, ...params.map((p) => r.params[p]), r.status, r.steps, r.t, r.wall_seconds, ...metrics.map((m) => r.final?.[m]), r.message].map(csvCell).join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

export function indexJsonl(rows: readonly IndexRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** Writes index.csv and index.jsonl (atomically) under `dir` with the given stem. */
export function writeIndex(dir: string, rows: readonly IndexRow[], stem = 'index'): void {
  writeFileAtomic(join(dir, `${stem}.csv`), indexCsv(rows));
  writeFileAtomic(join(dir, `${stem}.jsonl`), indexJsonl(rows));
}
