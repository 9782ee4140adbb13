import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../engine/node/execute-run.ts';
import { loadScene } from '../../engine/node/scene-loader.ts';
import { WorkerPool } from '../../engine/node/sweep/pool.ts';
import type { RunJob } from '../../engine/node/sweep/run-one.ts';
import { DEFAULT_CACHE_DIR, sweepWorkerBundle } from '../../engine/node/sweep/worker-bundle.ts';
import { fingerprint, readJsonFile, ROOT, tempDir } from './helpers.ts';

// Bundles import packages by name, so test caches sit beside the real one, under the project's node_modules.
const caches: string[] = [];
afterAll(() => {
  for (const d of caches.splice(0)) rmSync(d, { recursive: true, force: true });
});
function cacheDir(): string {
  mkdirSync(DEFAULT_CACHE_DIR, { recursive: true });
  const d = mkdtempSync(join(DEFAULT_CACHE_DIR, 'test-'));
  caches.push(d);
  return d;
}

const firstLine = (path: string) => readFileSync(path, 'utf8').split('\n')[0];

/** A run directory's content, less what differs between two runs of the same seed (creation time, wall time). */
function content(dir: string) {
  const { created: _c, ...scene } = readJsonFile(join(dir, 'scene.json'));
  const { wall_seconds: _w, ...summary } = readJsonFile(join(dir, 'summary.json'));
  return { files: fingerprint(dir, /^(scene|summary)\.json$/), scene, summary };
}

describe('precompiled sweep worker', () => {
  it('is built once, reused while the sources are unchanged, and rebuilt when its stamp does not match them', async () => {
    const cache = cacheDir();
    const url = await sweepWorkerBundle(cache);
    expect(url).not.toBeNull();
    const file = fileURLToPath(url!);
    const stamp = JSON.parse(firstLine(file).replace('// wgflow sweep worker ', '')) as { key: string; inputs: string[] };
    expect(stamp.inputs).toContain('engine/node/sweep/worker.ts');
    expect(stamp.inputs).toContain('scenes/aggregation-disk.ts');
    // Every module that resolves paths relative to itself keeps its own URL in the bundle.
    for (const own of ['engine/node/version.ts', 'engine/node/scene-loader.ts', 'engine/node/backend/worker-pool.ts']) {
      expect(readFileSync(file, 'utf8')).toContain(JSON.stringify(new URL(own, `file://${ROOT}`).href));
    }

    const ino = statSync(file).ino;
    expect(String(await sweepWorkerBundle(cache))).toBe(String(url));
    expect(statSync(file).ino).toBe(ino);

    // A bundle built from other sources (another key) is replaced, by a new file.
    writeFileSync(file, readFileSync(file, 'utf8').replace(stamp.key, '0'.repeat(64)));
    expect(String(await sweepWorkerBundle(cache))).toBe(String(url));
    expect(statSync(file).ino).not.toBe(ino);
    expect(firstLine(file)).toContain(stamp.key);
  });

  it('is not available (null) when its directory cannot be written', async () => {
    const blocker = join(tempDir('blocked'), 'a-file');
    writeFileSync(blocker, '');
    expect(await sweepWorkerBundle(join(blocker, 'cache'))).toBeNull();
  });

  it('runs jobs bit-identical to the same runs in this process, as does the tsx worker it falls back to', async () => {
    const base = tempDir('same-bits');
    const raw = (seed: number) => ({ n: 80, steps: 30, seed });
    const job = (name: string, seed: number): RunJob => ({ name, dir: join(base, name), raw: raw(seed), every: 5, backend: 'auto' });
    const scene = await loadScene('aggregation-disk');
    for (const seed of [3, 4]) await executeRun({ scene, raw: raw(seed), every: 5, out: join(base, `here-${seed}`), backend: 'auto' });

    const bundled = await new WorkerPool({ jobs: 2, scene: 'aggregation-disk', bundleDir: cacheDir() }).run([job('bundle-3', 3), job('bundle-4', 4)]);
    expect(bundled.entry).toBe('bundle');
    // Not buildable (its directory is a file's child): tsx from the start.
    const blocker = join(base, 'a-file');
    writeFileSync(blocker, '');
    const unbuilt = await new WorkerPool({ jobs: 1, scene: 'aggregation-disk', bundleDir: join(blocker, 'cache') }).run([job('tsx-3', 3)]);
    expect(unbuilt.entry).toBe('tsx');
    // Built outside the project, where its packages do not resolve: its workers fail to start and are replaced through tsx.
    const unloadable = await new WorkerPool({ jobs: 2, scene: 'aggregation-disk', bundleDir: tempDir('outside') }).run([job('retry-3', 3), job('retry-4', 4)]);
    expect(unloadable.entry).toBe('tsx');
    expect(unloadable.startupMs).toHaveLength(2);
    for (const r of [bundled, unbuilt, unloadable]) expect(r.outcomes.every((o) => o.status === 'ok')).toBe(true);

    for (const seed of [3, 4]) {
      const here = content(join(base, `here-${seed}`));
      expect(Object.keys(here.files)).toContain('final.npy');
      expect(here.scene.wgflow_version).toBe(readJsonFile(join(ROOT, 'package.json')).version);
      expect(here.scene.backend_kernels).toBeDefined();
      expect(content(join(base, `bundle-${seed}`))).toEqual(here);
      expect(content(join(base, `retry-${seed}`))).toEqual(here);
    }
    expect(content(join(base, 'tsx-3'))).toEqual(content(join(base, 'here-3')));
  });
});
