/**
 * Benchmark harness shared by every suite: timing by median of repetitions, and
 * peers (numpy, POT) run by Debian's /usr/bin/python3 in the same `wgf bench` run.
 * Benchmarks print ratios; tests never assert wall-clock times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
