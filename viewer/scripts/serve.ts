/**
 * Starting viewer servers in-process, for the browser tests, the gallery script
 * and the benchmark: the same pieces `wgf view` uses (client bundle, worker
 * thread, HTTP + WebSocket server) on a free loopback port.
 */
import type { RawParams } from '../../engine/core/params.ts';
import { bundleSite, type Asset } from '../server/assets.ts';
import { indexRunDir } from '../server/run-index.ts';
import { startViewServer, type ViewServer } from '../server/view-server.ts';
import { workerSource } from '../server/worker-source.ts';

let bundle: Promise<Map<string, Asset>> | null = null;

/** The client bundle, built once per process. */
export function serverAssets(): Promise<Map<string, Asset>> {
  bundle ??= bundleSite('server');
  return bundle;
}

export interface LiveOptions {
  raw?: RawParams;
  stepsPerFrame?: number;
  maxFps?: number;
  /** Stay paused until a client sends 'play' (default: play on the first client). */
  paused?: boolean;
}

/** Serves a live run of `scene` (catalogue id or scene file path). */
export async function serveLive(scene: string, opts: LiveOptions = {}): Promise<ViewServer> {
  const live = await workerSource(scene, { mode: 'live', raw: opts.raw, stepsPerFrame: opts.stepsPerFrame, maxFps: opts.maxFps, paused: true });
  await live.ready;
  return startViewServer({ assets: await serverAssets(), live, playOnFirstClient: !opts.paused, port: 0 });
}

/** Serves a replay of the run directory `dir`. */
export async function serveReplay(dir: string): Promise<ViewServer> {
  return startViewServer({ assets: await serverAssets(), replay: { dir, index: indexRunDir(dir) }, port: 0 });
}
