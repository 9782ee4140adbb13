/**
 * `wgf view` as a separate process for the abuse tests: its URL, its resident memory
 * (from /proc, so the test's own allocations do not count) and WebSocket clients.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { HUNG_MS } from '../cli-harness.ts';

export interface ViewProcess {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** Resident set size of the server process, MiB. */
  rssMiB(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startWgfView(args: string[], env: Record<string, string> = {}): Promise<ViewProcess> {
  const child = spawn(process.execPath, ['bin/wgf.mjs', 'view', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`wgf view exited with ${code}: ${err.trim()}`)));
  });
  const url = line.split(' at ')[1];
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stderr: () => err,
    rssMiB: () => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
      } catch {
        return NaN; // the process has ended
      }
    },
    alive: () => !exited,
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await done;
    },
  };
}

/** Sends raw bytes and resolves with the first line of the answer ('' when the connection closed without one). */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        resolve(got.split('\r\n')[0]);
        s.destroy();
      }
    });
    s.on('error', () => resolve(got.split('\r\n')[0]));
    s.on('close', () => resolve(got.split('\r\n')[0]));
  });
}

/** A WebSocket upgrade request for `target`, with the Host (and Origin) given. */
export function upgradeRequest(target: string, host: string, origin?: string): string {
  return [
    `GET ${target} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...(origin ? [`Origin: ${origin}`] : []),
    '',
    '',
  ].join('\r\n');
}

/** Opens a WebSocket to the viewer; `json` collects its JSON messages, `frames` counts binary ones. */
export async function openClient(url: string, opts: ConstructorParameters<typeof WebSocket>[2] = {}) {
  const ws = new WebSocket(url.replace('http', 'ws') + 'ws', opts);
  ws.binaryType = 'arraybuffer';
  // Any JSON the server sends (the tests read the fields they check).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json: { type: string; [k: string]: any }[] = [];
  const frames: ArrayBuffer[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d, bin) => {
    if (bin) frames.push(d as ArrayBuffer);
    else json.push(JSON.parse(Buffer.from(d as ArrayBuffer).toString('utf8')));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  /** Resolves once `ok()` holds, checked at every message; rejects after `ms` (HUNG_MS: a hung test only). */
  const until = (ok: () => boolean, what: string, ms = HUNG_MS) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        if (ok()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { ws, json, frames, until };
}
