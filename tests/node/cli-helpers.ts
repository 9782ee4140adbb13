import { spawn, spawnSync } from 'node:child_process';
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
