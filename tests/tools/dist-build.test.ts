import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../cli/execute-run.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { WorkerPool } from '../../cli/sweep/pool.ts';
import type { RunJob } from '../../cli/sweep/run-one.ts';
import { build, ENTRIES, isFresh } from '../../tools/build.mjs';
import { ROOT, fingerprint, readJsonFile, tempDir } from '../cli-harness.ts';

/** A run directory's content, less what differs between two runs of the same seed (creation time, wall time). */
function content(dir: string) {
  const { created: _c, ...scene } = readJsonFile(join(dir, 'scene.json'));
  const { wall_seconds: _w, timing: _t, ...summary } = readJsonFile(join(dir, 'summary.json'));
  return { files: fingerprint(dir, /^(scene|summary)\.json$/), scene, summary };
}

describe('dist/ build (tools/build.mjs)', () => {
  it('builds every entry with a stamp of its inputs, is fresh until an input changes, and is rebuilt then', async () => {
    const out = tempDir('dist');
    expect(isFresh(out)).toBe(false);
    await build(out);
    for (const name of Object.keys(ENTRIES)) expect(statSync(join(out, `${name}.mjs`)).isFile()).toBe(true);
    const stamp = JSON.parse(readFileSync(join(out, 'stamp.json'), 'utf8')) as { key: string; inputs: string[]; stats: string[] };
    expect(stamp.inputs).toContain('cli/sweep/worker.ts');
    expect(stamp.inputs).toContain('scenes/aggregation.ts');
    expect(stamp.inputs).toContain('engine/index.ts');
    expect(stamp.inputs.some((p) => p.startsWith('node_modules/'))).toBe(false);
    // Every module that resolves paths relative to itself keeps its own source URL in the bundle.
    const outputs = (JSON.parse(readFileSync(join(out, 'stamp.json'), 'utf8')) as { outputs: string[] }).outputs;
    const text = outputs.filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    for (const own of ['node/version.ts', 'viewer/server/assets.ts', 'bench/harness.ts']) expect(text).toContain(JSON.stringify(pathToFileURL(join(ROOT, own)).href));
    expect(isFresh(out)).toBe(true);
    // A stamp that no longer matches the sources (another key, other file times) is stale.
    writeFileSync(join(out, 'stamp.json'), JSON.stringify({ ...stamp, key: '0'.repeat(64), stats: stamp.stats.map(() => '0:0') }));
    expect(isFresh(out)).toBe(false);
    // Same key but other file times (a touched, unchanged file): the content hash decides, still fresh.
    writeFileSync(join(out, 'stamp.json'), JSON.stringify({ ...stamp, stats: stamp.stats.map(() => '0:0') }));
    expect(isFresh(out)).toBe(true);
  });

  it('sweep workers (dist/workers/sweep-worker.mjs) give runs bit-identical to the same runs in this process', async () => {
    const base = tempDir('same-bits');
    const raw = (seed: number) => ({ n: 80, steps: 30, seed });
    const job = (name: string, seed: number): RunJob => ({ name, dir: join(base, name), raw: raw(seed), every: 5, backend: 'auto' });
    const scene = await loadScene('aggregation-disk');
    for (const seed of [3, 4]) await executeRun({ scene, raw: raw(seed), every: 5, out: join(base, `here-${seed}`), backend: 'auto' });

    const pooled = await new WorkerPool({ jobs: 2, scene: 'aggregation-disk' }).run([job('pool-3', 3), job('pool-4', 4)]);
    expect(pooled.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(pooled.startupMs).toHaveLength(2);
    for (const seed of [3, 4]) {
      const here = content(join(base, `here-${seed}`));
      expect(Object.keys(here.files)).toContain('final.npy');
      expect(here.scene.wgflow_version).toBe(readJsonFile(join(ROOT, 'package.json')).version);
      expect(here.scene.accelerator?.loops.interaction).toMatchObject({ target: 'ts', precision: 'float64' });
      expect(content(join(base, `pool-${seed}`))).toEqual(here);
    }
  });
});
