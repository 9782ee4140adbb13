import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt } from '../../tools/build.mjs';
import { ROOT, runCliProcess, tempDir } from '../cli-harness.ts';

/**
 * What `wgf` loads at start-up (issue #13: `wgf list` under 0.3 s): a statement about
 * modules, not about time. Each command runs as a child process with a loader hook
 * (fixtures/module-log.cjs) that logs every file module loaded; the dist/ files are mapped
 * back to the sources and packages bundled into them by the build's stamp (tools/build.mjs).
 */

const HOOK = join(ROOT, 'tests', 'cli', 'fixtures', 'module-log.cjs');

/** Sources and packages ('node_modules/<name>') that `wgf argv…` loads. */
async function loadedBy(argv: string[]): Promise<Set<string>> {
  const log = join(tempDir('modules'), 'modules.log');
  const r = await runCliProcess(argv, { env: { NODE_OPTIONS: `--require ${HOOK}`, WGF_MODULE_LOG: log } });
  expect(r.code, r.stderr).toBe(0);
  const stamp = JSON.parse(readFileSync(join(DIST, 'stamp.json'), 'utf8')) as { contents: Record<string, string[]> };
  const out = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const rel = relative(ROOT, fileURLToPath(url)).replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'node_modules/$1');
    out.add(rel);
    for (const m of stamp.contents[rel] ?? []) out.add(m);
  }
  return out;
}

/** Packages that only some commands need: the WAT assembler, gpu.js, the viewer's server and client, esbuild. */
const HEAVY_PACKAGES = ['wabt', 'gpu.js', 'ws', 'three', 'esbuild', 'playwright-core', 'tsx'].map((p) => `node_modules/${p}`);
const has = (mods: Set<string>, prefix: string) => [...mods].filter((m) => m === prefix || m.startsWith(prefix));

describe('start-up: what each command loads', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('wgf --help loads the command line alone: no scene, no solver, no run-directory writer, no heavy package', async () => {
    const mods = await loadedBy(['--help']);
    expect(mods.has('cli/main.ts')).toBe(true); // the log sees the bundle's sources
    for (const p of [...HEAVY_PACKAGES, 'node_modules/cli-progress', 'node_modules/@stdlib', 'scenes/', 'engine/ot/', 'engine/grid/', 'engine/particles/', 'engine/models/', 'engine/run/', 'engine/wasm/', 'node/run-dir', 'cli/execute-run.ts', 'viewer/', 'bench/']) {
      expect(has(mods, p), p).toEqual([]);
    }
  });

  it('wgf list loads the catalogue but no heavy package, no run-directory writer, no viewer server, no bench', async () => {
    const mods = await loadedBy(['list']);
    expect(mods.has('scenes/index.ts')).toBe(true);
    for (const p of [...HEAVY_PACKAGES, 'node_modules/cli-progress', 'node/run-dir', 'node/backend/', 'node/ot-pool.ts', 'cli/execute-run.ts', 'cli/sweep/', 'viewer/', 'bench/']) {
      expect(has(mods, p), p).toEqual([]);
    }
  });

  it('wgf run loads wabt only for a scene that assembles a SIMD kernel', async () => {
    const dir = tempDir('startup-run');
    const particles = await loadedBy(['run', 'fokker-planck', '--steps', '2', '--set', 'n=50', '--quiet', '--out', join(dir, 'fp')]);
    expect(particles.has('cli/execute-run.ts')).toBe(true);
    for (const p of HEAVY_PACKAGES) expect(has(particles, p), p).toEqual([]);
    // The grid's convolution kernels are WAT assembled by wabt (in its helper thread) at the first build.
    const grid = await loadedBy(['run', 'grid-fokker-planck', '--steps', '1', '--quiet', '--out', join(dir, 'grid')]);
    expect(has(grid, 'node_modules/wabt')).toEqual(['node_modules/wabt']);
    for (const p of ['gpu.js', 'ws', 'three', 'esbuild'].map((q) => `node_modules/${q}`)) expect(has(grid, p), p).toEqual([]);
  });
});
