/**
 * Benchmark harness shared by every suite: timing by median of repetitions, and
 * peers (numpy, POT) run by Debian's /usr/bin/python3 in the same `wgf bench` run.
 * Benchmarks print ratios; tests never assert wall-clock times.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  suite: string;
  case: string;
  /** Problem size, e.g. "N=16384 d=2". */
  size: string;
  /** Our time in milliseconds (median). */
  ours_ms: number;
  /** Which implementation `ours_ms` is (ts, gpu, ...). */
  ours?: string;
  peer?: string;
  peer_ms?: number;
  /** peer_ms / ours_ms: > 1 means we are faster. */
  speedup?: number;
  /** Anything else worth printing (iterations, errors, memory, values side by side). */
  extra?: Record<string, number | string>;
}

export interface BenchOptions {
  quick: boolean;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}

/** Median wall time in ms of `fn` over repetitions lasting at least `minMs` (and at least `minReps`). */
export function timeIt(fn: () => void, minMs = 300, minReps = 3, maxReps = 50): number {
  fn(); // warm-up (JIT)
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < minMs && times.length < maxReps)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The median of xs (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const PYTHON = '/usr/bin/python3';
const PEERS_DIR = fileURLToPath(new URL('./peers/', import.meta.url));

/** Whether Debian's python3 can import these modules. */
export function pythonHas(...modules: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join(';')], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Runs bench/peers/<script> with a JSON argument; the script prints one JSON value
 * on its last line. Returns null (with a notice on stderr) when it cannot run.
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the machine sets them.
 */
export function runPeer<T>(script: string, args: unknown, timeoutMs = 600_000): T | null {
  const r = spawnSync(PYTHON, [PEERS_DIR + script, JSON.stringify(args)], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(`bench: peer ${script} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n`);
    return null;
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** A peer script kept running between requests (startPeer): one JSON line in, one JSON line out. */
export interface PeerServer {
  readonly pid: number;
  /** Sends `command` as one JSON line; resolves with the peer's one-line JSON answer (rejects if it ends or times out). */
  request<T>(command: unknown, timeoutMs?: number): Promise<T>;
  /** Sends {"quit": true} and waits for the process to end (kills it after `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Starts bench/peers/<script> in its server mode (`<script> --serve <JSON args>`): the
 * script sets itself up, prints {"ready": true}, then answers each JSON command line on
 * its stdin with one JSON line and blocks on stdin in between (bench/peers/grid_sinkhorn.py).
 * For timing two codes in alternation in one run (bench/grid.ts), so that slow phases of
 * a shared machine hit both. Resolves null (with a notice on stderr, as runPeer) when the
 * script cannot start or does not get ready in `readyMs`.
 */
export async function startPeer(script: string, args: unknown, readyMs = 120_000): Promise<PeerServer | null> {
  const child = spawn(PYTHON, [PEERS_DIR + script, '--serve', JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | null = null;
  const end = (e: Error) => {
    ended ??= e;
    for (const w of waiting.splice(0)) w.reject(ended);
  };
  child.on('error', (e) => end(e));
  child.on('exit', (code, signal) => end(new Error(`peer ${script} ended (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`)));
  child.stdin.on('error', () => {}); // a closed pipe shows as the exit above
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  const next = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      if (ended) return reject(ended);
      const timer = setTimeout(() => {
        const i = waiting.indexOf(w);
        if (i >= 0) waiting.splice(i, 1);
        reject(new Error(`peer ${script}: no answer in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const w = { resolve: (l: string) => { clearTimeout(timer); resolve(l); }, reject: (e: Error) => { clearTimeout(timer); reject(e); } };
      waiting.push(w);
    });
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  try {
    const ready = JSON.parse(await next(readyMs)) as { ready?: boolean };
    if (!ready.ready) throw new Error(`peer ${script}: not ready`);
  } catch (e) {
    kill();
    process.stderr.write(`bench: peer ${script} failed: ${(e as Error).message}\n`);
    return null;
  }
  return {
    pid: child.pid!,
    async request<T>(command: unknown, timeoutMs = 120_000): Promise<T> {
      const answer = next(timeoutMs);
      child.stdin.write(JSON.stringify(command) + '\n');
      const out = JSON.parse(await answer) as T & { error?: string };
      if (out.error) throw new Error(`peer ${script}: ${out.error}`);
      return out;
    },
    async close(timeoutMs = 5000): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end(JSON.stringify({ quit: true }) + '\n');
      const timer = setTimeout(kill, timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4);
}

/** Prints rows as an aligned table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['suite', 'case', 'size', 'ours', 'ours ms', 'peer', 'peer ms', 'speed-up', 'extra'];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    r.size,
    r.ours ?? 'ts',
    fmtMs(r.ours_ms),
    r.peer ?? '-',
    fmtMs(r.peer_ms),
    r.speedup === undefined ? '-' : `${r.speedup.toFixed(2)}x`,
    r.extra ? Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`).join(' ') : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
