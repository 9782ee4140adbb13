import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WGF = join(ROOT, 'bin/wgf.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `wgf args…` synchronously in the repository root. */
export function wgf(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [WGF, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `wgf args…` in the background. */
export function wgfSpawn(args: string[]) {
  return spawn(process.execPath, [WGF, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(prefix = 'wgf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** stderr lines that are not npm/node noise. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim().length > 0);
}

/**
 * A runner of `wgf run <args> --backend B --out ROOT/B` that expects exit 0 (stderr shown
 * otherwise) and returns the run directory: the same run under several backends.
 */
export function backendRunner(args: string[], root: string): (backend: string) => string {
  return (backend) => {
    const out = join(root, backend);
    const r = wgf([...args, '--backend', backend, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    return out;
  };
}
