import { readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES } from '../protocol.ts';
import type { Asset } from './assets.ts';
import { indexRunDir, RUN_FILE, type RunIndex } from './run-index.ts';
import type { LiveSource } from './live-run.ts';
import { allowedHosts, hostAllowed, originAllowed, requestPath } from './request-guard.ts';
import { WsHub, type HubOptions, type HubStats } from './ws-hub.ts';

export interface ViewServerOptions {
  assets: Map<string, Asset>;
  /** A live run streamed over /ws. */
  live?: LiveSource;
  /** Send 'play' when the first client connects (the run waits paused for a watcher). */
  playOnFirstClient?: boolean;
  /** A run directory replayed over /run/… (and its index at /api/session). */
  replay?: { dir: string; index: RunIndex };
  host?: string;
  port?: number;
  /** Per-client limits of the WebSocket hub (queue cap, frame byte rate, control rate). */
  hub?: Partial<HubOptions>;
}

export interface ViewServer {
  url: string;
  port: number;
  stats(): HubStats;
  close(): Promise<void>;
}

const RUN_TYPES: Record<string, string> = { json: 'application/json', jsonl: 'application/x-ndjson', npy: 'application/octet-stream', svg: 'image/svg+xml' };

function send(res: ServerResponse, code: number, type: string, body: Uint8Array | string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const notFound = (res: ServerResponse) => send(res, 404, 'text/plain; charset=utf-8', 'not found\n');

/** A refusal on a socket that asked to upgrade (no HTTP response object exists for it). */
function refuseUpgrade(socket: Duplex, code: number, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Serves a replay file: only names matching `RUN_FILE`, resolved inside the run
 * directory given at start (after symlinks), and only plain files.
 */
function serveRunFile(res: ServerResponse, root: string, rel: string): void {
  if (!RUN_FILE.test(rel)) return notFound(res);
  let real: string;
  try {
    real = realpathSync(join(root, rel));
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) return notFound(res);
  } catch {
    return notFound(res);
  }
  send(res, 200, RUN_TYPES[rel.split('.').pop()!] ?? 'application/octet-stream', readFileSync(real));
}

/**
 * The viewer's HTTP + WebSocket server: the bundled client, the session
 * description (/api/session), a live stream (/ws) or a replayed run directory
 * (/run/…). Nothing else is served: a request whose Host does not name this server
 * is a 403 (DNS rebinding), a target that is not `/path?query` a 400 (upgrades
 * included: no URL parser sees it), every other path a 404, and the path is never
 * joined to a directory unless it is a run-directory file name.
 */
export async function startViewServer(opts: ViewServerOptions): Promise<ViewServer> {
  const replayRoot = opts.replay ? realpathSync(opts.replay.dir) : '';
  let index = opts.replay?.index;
  // Re-read on every request: a run still being written gains frames while it is watched.
  const session = () => {
    if (!opts.replay) return { mode: 'live' };
    try {
      index = indexRunDir(opts.replay.dir);
    } catch {
      // keep the last good index (e.g. a file replaced at this very moment)
    }
    return index;
  };
  const hub = new WsHub((m, reply) => opts.live?.send(m, reply), opts.hub);
  opts.live?.onMessage((m) => hub.publish(m));
  // Known once listening; no request is handled before.
  let allowed = new Set<string>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // DNS rebinding: a page of another site that resolves to this address sends its own Host.
    if (!hostAllowed(req, allowed)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: the Host header does not name this server\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
    const path = requestPath(req.url);
    if (path === null) return send(res, 400, 'text/plain; charset=utf-8', 'bad request target\n');
    const asset = opts.assets.get(path);
    if (asset) return send(res, 200, asset.type, asset.body);
    if (path === '/api/session') return send(res, 200, 'application/json', JSON.stringify(session()));
    if (opts.replay && path.startsWith('/run/')) return serveRunFile(res, replayRoot, path.slice(5));
    notFound(res);
  };

  let started = false;
  const server: Server = createServer(handle);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrading socket over without an error listener: a reset peer must not throw.
    socket.on('error', () => socket.destroy());
    const path = requestPath(req.url);
    if (path === null) return refuseUpgrade(socket, 400, 'Bad Request');
    if (!hostAllowed(req, allowed)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!opts.live || path !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    // Another web page the user has open must not drive the run (cross-site WebSocket).
    if (!originAllowed(req, allowed)) return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // An oversized message closes that socket with 1009 (ws's maxPayload); the server goes on.
      ws.on('error', () => ws.terminate());
      hub.add(ws);
      if (opts.playOnFirstClient && !started) {
        started = true;
        opts.live?.send({ type: 'play' });
      }
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    stats: () => hub.stats(),
    close: async () => {
      hub.closeAll();
      wss.close();
      await opts.live?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
