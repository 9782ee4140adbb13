import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** Shared by the batch tests: the real CLI in child processes, and directory fingerprints. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WGF = join(ROOT, 'bin', 'wgf.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/wgf.mjs …args` to completion in a child process (asynchronously,
 * so the test worker stays responsive); the environment has no scheduler
 * variables unless given.
 */
export function wgf(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  for (const k of SCHEDULER_VARS) delete base[k];
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [WGF, ...args], { cwd: ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const SCHEDULER_VARS = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'JOB_COMPLETION_INDEX', 'WGF_SHARD_COUNT'];

/**
 * Runs the CLI in this process (`main` of cli/main.ts), capturing what it
 * writes: the same code path as `node bin/wgf.mjs` without starting a process.
 * Environment variables given are set only for the call.
 */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { main } = await import('../../cli/main.ts');
  const saved = Object.fromEntries(SCHEDULER_VARS.map((k) => [k, process.env[k]]));
  for (const k of SCHEDULER_VARS) delete process.env[k];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    for (const k of SCHEDULER_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** Starts `node bin/wgf.mjs …args` in the background (to be killed mid-run). */
export function wgfChild(args: string[]): ChildProcess {
  return spawn(process.execPath, [WGF, ...args], { cwd: ROOT, stdio: 'ignore' });
}

const created: string[] = [];
// Temporary directories go after each test file (kept with WGF_KEEP_TEST_DIRS=1, to inspect them);
// vitest isolates modules per file, so this hook is registered once in every file that imports this one.
afterAll(() => {
  if (!process.env.WGF_KEEP_TEST_DIRS) for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `wgf-batch-${prefix}-`));
  created.push(d);
  return d;
}

/** Relative path → SHA-256 of every file under `dir` (sorted), skipping names matched by `skip`. */
export function fingerprint(dir: string, skip: RegExp = /^$/): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip.test(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Resolves when `pred` holds (polled every 10 ms), rejects after `timeoutMs`. */
export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function readJsonFile<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
