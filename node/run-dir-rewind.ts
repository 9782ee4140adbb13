import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../engine/core/simulation.ts';
import type { MetricRecord } from '../engine/run/record.ts';
import { CHECKPOINT_FILE, hasCheckpointFiles, removeCheckpoint } from './checkpoint.ts';
import { removeTmpFiles, writeFileAtomic } from './files.ts';
import { frameName } from './run-dir.ts';

/**
 * Bringing a run directory back to a consistent state for `wgf run --resume`:
 * rewinding it to its checkpoint (checking first that everything the run wrote
 * up to the checkpoint is there, since the resumed run does not write it again),
 * and finishing the end of a run that a kill cut short.
 */

/** What metrics.jsonl holds: its records, and whether its last line was torn (a kill mid-append). */
export interface MetricsFile {
  records: MetricRecord[];
  tornLastLine: boolean;
}

/**
 * Reads metrics.jsonl. Only the last line may be torn (a run killed while appending
 * it); any other damaged line is a one-line UsageError naming the file and the line,
 * never records silently dropped.
 */
export function readMetrics(dir: string): MetricsFile {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return { records: [], tornLastLine: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const records: MetricRecord[] = [];
  let tornLastLine = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' && i === lines.length - 1) continue;
    let rec: MetricRecord | undefined;
    try {
      rec = JSON.parse(line) as MetricRecord;
    } catch {
      // The last line, without its newline: an append cut short.
      if (i === lines.length - 1) {
        tornLastLine = true;
        continue;
      }
    }
    if (!rec || typeof rec !== 'object' || !Number.isInteger(rec.step)) {
      throw new UsageError(`'${path}' is damaged at line ${i + 1} (not a metrics record); the run directory was left untouched`);
    }
    records.push(rec);
  }
  return { records, tornLastLine };
}

/** Steps at which a run records (engine/run/runner.ts): 0, every multiple of `every`, and the last step; those ≤ upTo. */
export function recordedSteps(upTo: number, every: number, steps: number): number[] {
  const out: number[] = [];
  for (let s = 0; s <= upTo; s += every) out.push(s);
  if (upTo >= steps && out[out.length - 1] !== steps) out.push(steps);
  return out;
}

function listSteps(steps: readonly number[]): string {
  return steps.length > 6 ? `${steps.slice(0, 5).join(', ')}, … (${steps.length} in all)` : steps.join(', ');
}

/**
 * Rewinds a run directory to the state an uninterrupted run had right after
 * `step` (a checkpoint's step; -1: restart from the beginning): metrics lines and
 * frames of later steps, final.npy and energy.svg are removed, so that the resumed
 * run rewrites them and the directory ends equal to an uninterrupted run's. Before
 * anything changes, the records and frames of every step up to `step` must be
 * there (the resumed run does not write them again): a gap is a one-line
 * UsageError. Returns the records kept.
 */
export function rewindRunDir(dir: string, step: number, schedule: { every: number; steps: number; companion?: { name: string } }): MetricRecord[] {
  const metricsPath = join(dir, 'metrics.jsonl');
  const fix = `delete ${join(dir, CHECKPOINT_FILE)} to rerun from step 0, which rewrites them`;
  const kept = step < 0 ? [] : readMetrics(dir).records.filter((r) => r.step <= step);
  if (step >= 0) {
    const want = recordedSteps(step, schedule.every, schedule.steps);
    const have = kept.map((r) => r.step);
    if (have.join(',') !== want.join(',')) {
      const missing = want.filter((s) => !have.includes(s));
      const what = missing.length ? `lacks the records of steps ${listSteps(missing)}` : `holds records out of order or twice (steps ${listSteps(have)})`;
      throw new UsageError(`'${metricsPath}' ${what}, written before the checkpoint at step ${step}; the run directory was left untouched (${fix})`);
    }
    const noFrame = want.filter((s) => !existsSync(join(dir, 'frames', frameName(s))));
    if (noFrame.length) throw new UsageError(`'${join(dir, 'frames')}' lacks the frames of steps ${listSteps(noFrame)}, written before the checkpoint at step ${step}; the run directory was left untouched (${fix})`);
  }
  writeFileAtomic(metricsPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  // The frames, and a companion series (a comparison's particles/) the same way.
  for (const folder of ['frames', ...(schedule.companion ? [schedule.companion.name] : [])]) {
    const frames = join(dir, folder);
    mkdirSync(frames, { recursive: true });
    for (const f of readdirSync(frames)) {
      const m = /^(\d+)\.npy$/.exec(f);
      if (!m || Number(m[1]) > step) rmSync(join(frames, f), { force: true });
    }
    removeTmpFiles(frames);
  }
  for (const f of ['final.npy', 'energy.svg', ...(schedule.companion ? [`${schedule.companion.name}_final.npy`] : [])]) rmSync(join(dir, f), { force: true });
  removeTmpFiles(dir);
  return kept;
}

/**
 * Finishes the end of a run whose summary.json says it ended (ok, diverged) but that a
 * kill cut short afterwards: removes its checkpoint and temporary files. Returns what
 * was done (empty: nothing was left).
 */
export function completeFinish(dir: string): string[] {
  const done: string[] = [];
  if (hasCheckpointFiles(dir)) {
    removeCheckpoint(dir);
    done.push('removed the checkpoint left by the end of the run');
  }
  if (removeTmpFiles(dir) + removeTmpFiles(join(dir, 'frames')) > 0) done.push('removed temporary files');
  return done;
}
