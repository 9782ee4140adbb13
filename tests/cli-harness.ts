/**
 * The one CLI test helper: `wgf` run in this process through `main(argv, io)`
 * (captured stdout, stderr and exit code; the default for CLI tests), or as a real
 * child process of bin/wgf.mjs where the process is the point (signals, kill -9,
 * the bin file and its build step). Plus what CLI tests share: temporary
 * directories, directory fingerprints, waiting for an event.
 *
 *   const r = await runCli(['run', 'fokker-planck', '--steps', '3', '--out', dir]);
 *   expect(r.code, r.stderr).toBe(0);
 *   expectUsageError(await runCli(['run', 'nope']), /unknown scene 'nope'/);
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import type { CliIo } from '../cli/io.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const WGF = join(ROOT, 'bin', 'wgf.mjs');

export interface CliResult {
  /** Exit code (a child killed by a signal: 128 + the signal's number, as a shell reports it). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Scheduler variables that would make `wgf sweep` run one shard: never inherited by a test's CLI. */
const SCHEDULER_VARS = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'JOB_COMPLETION_INDEX', 'WGF_SHARD_COUNT'];

/** This process's environment without the scheduler variables, plus `extra`. */
function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of SCHEDULER_VARS) delete env[k];
  return { ...env, ...extra };
}

export interface InProcessOptions {
  /** Environment variables added for this call only (process.env is not touched). */
  env?: Record<string, string | undefined>;
  /** Emit 'SIGINT' / 'SIGTERM' on it to signal the command (default: a private emitter no one signals). */
  signals?: EventEmitter;
}

/**
 * Runs `wgf argv…` in this process (`main` of cli/main.ts): the same code as
 * bin/wgf.mjs without a process start, with its own streams, environment and signals.
 */
export async function runCli(argv: string[], opts: InProcessOptions = {}): Promise<CliResult> {
  const { main } = await import('../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: cliEnv(opts.env),
    signals: opts.signals ?? new EventEmitter(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export interface ProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kills a hung child after this long (default 300 s: a bound for failing, not a synchronisation). */
  timeoutMs?: number;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `node bin/wgf.mjs argv…` as a child process to its end (asynchronously: the test worker stays responsive). */
export function runCliProcess(argv: string[], opts: ProcessOptions = {}): Promise<CliResult> {
  return processResult(spawn(process.execPath, [WGF, ...argv], { cwd: opts.cwd ?? ROOT, env: cliEnv(opts.env), timeout: opts.timeoutMs ?? 300_000 }));
}

/**
 * Runs any command as a child process to its end, asynchronously. Never `spawnSync` a
 * long command in a test: it blocks the test worker's event loop (tests/worker-blocking.ts).
 */
export function runProcess(cmd: string, args: string[], opts: ProcessOptions = {}): Promise<CliResult> {
  return processResult(spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 300_000 }));
}

/** A child's exit code (128 + signal number when killed, as a shell reports it) and its captured output. */
function processResult(c: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d) => (stdout += d));
    c.stderr!.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code, signal) => resolve({ code: code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), stdout, stderr }));
  });
}

/** Starts `node bin/wgf.mjs argv…` in the background (to signal or kill it mid-run). */
export function spawnCli(argv: string[], opts: { cwd?: string; stdio?: StdioOptions } = {}): ChildProcess {
  return spawn(process.execPath, [WGF, ...argv], { cwd: opts.cwd ?? ROOT, env: cliEnv(), stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the exit code of a child (128 + signal number when killed). */
export function exitOf(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))));
}

/** stderr lines, without blank ones. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim().length > 0);
}

/**
 * Asserts the CLI's contract for bad input: exit `code` (2 by default), exactly one
 * stderr line, starting with `wgf: ` and matching `message`, no stack trace.
 */
export function expectUsageError(r: CliResult, message: RegExp, code = 2): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = errorLines(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^wgf: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const created: string[] = [];
// Temporary directories go after each test file (kept with WGF_KEEP_TEST_DIRS=1, to inspect them);
// vitest isolates modules per file, so this hook is registered once in every file that imports this one.
afterAll(() => {
  if (!process.env.WGF_KEEP_TEST_DIRS) for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A new empty directory under the system's temporary directory, removed after the test file. */
export function tempDir(prefix = 'test'): string {
  const d = mkdtempSync(join(tmpdir(), `wgf-${prefix.replace(/[^A-Za-z0-9_-]/g, '')}-`));
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

/**
 * The bound of every wait in the tests (180 s): only a test that is truly hung reaches
 * it, however loaded the machine (the events waited for come within seconds on an idle
 * one). vitest's testTimeout and hookTimeout (600 s, vitest.config.ts) are larger still,
 * so that a hang is reported by the wait that names what it waited for.
 */
export const HUNG_MS = 180_000;

/**
 * Resolves when `pred` holds (checked every 5 ms, the event loop running in between);
 * rejects after `timeoutMs` (HUNG_MS: a bound for a hung test only, never a
 * synchronisation), or as soon as `child` (the process expected to make `pred` true)
 * has exited. The one waiting helper of the tests: wait for the event (a file, a
 * message, a counter), never for a while.
 */
export async function waitFor(pred: () => boolean, what: string, child?: ChildProcess, timeoutMs = HUNG_MS): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (child && child.exitCode !== null) throw new Error(`the child process exited with code ${child.exitCode} before ${what}`);
    if (child && child.signalCode !== null) throw new Error(`the child process was killed by ${child.signalCode} before ${what}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function readJsonFile<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * A runner of `wgf run <args> --backend B --out ROOT/B` (in process) that expects
 * exit 0 (stderr shown otherwise) and returns the run directory: the same run under
 * several backends.
 */
export function backendRunner(args: string[], root: string): (backend: string) => Promise<string> {
  return async (backend) => {
    const out = join(root, backend);
    const r = await runCli([...args, '--backend', backend, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    return out;
  };
}
