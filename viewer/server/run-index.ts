import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../engine/core/simulation.ts';
import { readJson } from '../../node/files.ts';
import type { SceneRecord } from '../../node/run-dir.ts';
import type { RunSummary } from '../../engine/run/record.ts';

/** What the replay client needs to know about a run directory (docs/design.md §5.2). */
export interface RunIndex {
  mode: 'replay';
  scene: SceneRecord;
  /** Steps of the recorded frames, ascending (frames/NNNNNN.npy). */
  frames: number[];
  reference: boolean;
  weights: boolean;
  /** summary.json, or null while the run is being written. */
  summary: RunSummary | null;
}

/** Files of a run directory that the replay server may serve (nothing else is); particles/ is a comparison run's companion series. */
export const RUN_FILE = /^(scene\.json|summary\.json|metrics\.jsonl|reference\.npy|weights\.npy|final\.npy|energy\.svg|compare\.json|particles_final\.npy|(frames|particles)\/\d{6,12}\.npy)$/;

/** Reads a run directory's layout; a directory that is not a run is a one-line UsageError. */
export function indexRunDir(dir: string): RunIndex {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--run '${dir}' is not a directory`);
  if (!existsSync(join(dir, 'scene.json'))) throw new UsageError(`--run '${dir}' holds no scene.json (not a run directory written by wgf run)`);
  const framesDir = join(dir, 'frames');
  const frames = existsSync(framesDir)
    ? readdirSync(framesDir)
        .filter((f) => /^\d{6,12}\.npy$/.test(f))
        .map((f) => Number(f.slice(0, -4)))
        .sort((a, b) => a - b)
    : [];
  if (!frames.length) throw new UsageError(`--run '${dir}' has no frames/NNNNNN.npy to replay`);
  const summaryPath = join(dir, 'summary.json');
  return {
    mode: 'replay',
    scene: readJson<SceneRecord>(join(dir, 'scene.json')),
    frames,
    reference: existsSync(join(dir, 'reference.npy')),
    weights: existsSync(join(dir, 'weights.npy')),
    summary: existsSync(summaryPath) ? readJson(summaryPath) : null,
  };
}
