/**
 * Starting viewer servers in-process, for the browser tests, the gallery script
 * and the benchmark: the same pieces `wgf view` uses (client bundle, worker
 * thread, HTTP + WebSocket server) on a free loopback port.
 */
import type { RawParams } from '../../engine/core/params.ts';
import { bundleSite, type Asset } from '../server/assets.ts';
import { indexRunDir } from '../server/run-index.ts';
import { startViewServer, type ViewServer } from '../server/view-server.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { startLiveRun } from '../server/live-run.ts';
import { DEFAULT_HUB_OPTIONS } from '../server/ws-hub.ts';

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
  /** Frame bytes per second, produced and streamed to each client (default: wgf view's, 32 MiB). */
  streamRate?: number;
}

/** Serves a live run of `scene` (catalogue id or scene file path). */
export async function serveLive(scene: string, opts: LiveOptions = {}): Promise<ViewServer> {
  const { def } = await loadScene(scene);
  const streamRate = opts.streamRate ?? DEFAULT_HUB_OPTIONS.frameBytesPerSecond;
  const driver = { mode: 'live' as const, raw: opts.raw, stepsPerFrame: opts.stepsPerFrame, maxFps: opts.maxFps, paused: true, maxBytesPerSecond: streamRate };
  const live = await startLiveRun({ scene, def, driver });
  await live.ready;
  return startViewServer({ assets: await serverAssets(), live, playOnFirstClient: !opts.paused, port: 0, hub: { frameBytesPerSecond: streamRate } });
}

/** Serves a replay of the run directory `dir`. */
export async function serveReplay(dir: string): Promise<ViewServer> {
  return startViewServer({ assets: await serverAssets(), replay: { dir, index: indexRunDir(dir) }, port: 0 });
}
