import type { Command } from 'commander';
import { parseBackend } from '../../engine/backend/names.ts';
import { resolveParams } from '../../engine/core/params.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import type { CliContext } from '../io.ts';
import { rawParamsOf } from './run.ts';

interface ViewCliOptions {
  run?: string;
  port: string;
  host: string;
  set: string[];
  steps?: string;
  seed?: string;
  paused?: boolean;
  stepsPerFrame?: string;
  backend: string;
  maxMemory: string;
  maxWork: string;
  streamRate: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function sizeOption(name: string, v: string, parse: (s: string) => number | null, example: string): number {
  const n = parse(v);
  if (n === null) throw new UsageError(`${name} must be a positive ${example}; got '${v}'`);
  return n;
}

function intOption(name: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`${name} must be an integer in [${lo}, ${hi}]; got '${v}'`);
  return n;
}

/**
 * `wgf view [scene | --run DIR] [--port P] [--host H]` (docs/design.md §5.1): serves the
 * three.js viewer, streaming a live run from a worker thread, or replaying a
 * run directory. Binds 127.0.0.1 unless --host is given; prints the URL and
 * serves until interrupted.
 */
export function registerView(program: Command, { io }: CliContext): void {
  program
    .command('view')
    .description('watch a scene live in the browser (three.js), or replay a run directory')
    .argument('[scene]', 'catalogue id (wgf list) or path to a scene file', 'fokker-planck')
    .option('--run <DIR>', 'replay this run directory instead of running a scene')
    .option('--port <P>', 'port (0: any free port)', '8080')
    .option('--host <H>', 'address to bind (use 0.0.0.0 to serve other machines)', '127.0.0.1')
    .option('--set <k=v>', 'set a scene parameter (repeatable)', collect, [])
    .option('--steps <N>', 'number of steps to play')
    .option('--seed <S>', 'random seed')
    .option('--steps-per-frame <K>', 'simulation steps between streamed frames', '1')
    .option('--backend <B>', 'hot-loop backend: ts | gpu | auto', 'auto')
    .option('--paused', 'stay paused until Play is pressed (default: play when the first browser connects)')
    .option('--max-memory <SIZE>', 'refuse parameters whose estimated memory exceeds this (e.g. 2GiB, 512MiB)', '2GiB')
    .option('--max-work <OPS>', 'refuse parameters whose estimated operations per step exceed this', '1e11')
    .option('--stream-rate <BYTES>', 'frame bytes per second streamed to each browser (large states at a reduced frame rate)', '32MiB')
    .action(async (sceneArg: string, opts: ViewCliOptions) => {
      const { bundleSite } = await import('../../viewer/server/assets.ts');
      const { startViewServer } = await import('../../viewer/server/view-server.ts');
      const { exceedsLimits, parseByteSize, parseCount, refusal } = await import('../../viewer/server/scene-limits.ts');
      const port = intOption('--port', opts.port, 0, 65535);
      const limits = {
        maxBytes: sizeOption('--max-memory', opts.maxMemory, parseByteSize, 'size such as 2GiB or 512MiB'),
        maxWork: sizeOption('--max-work', opts.maxWork, parseCount, 'number such as 1e11'),
      };
      const streamRate = sizeOption('--stream-rate', opts.streamRate, parseByteSize, 'size per second such as 32MiB');
      let live, replay;
      if (opts.run) {
        const { indexRunDir } = await import('../../viewer/server/run-index.ts');
        const { readSceneRecord, readSummary } = await import('../../node/run-dir-open.ts');
        const index = indexRunDir(opts.run);
        // A corrupted scene.json or summary.json is one line naming the file, not a broken replay.
        readSceneRecord(opts.run);
        readSummary(opts.run);
        replay = { dir: opts.run, index };
      } else {
        const { loadScene } = await import('../scene-loader.ts');
        const scene = await loadScene(sceneArg);
        const raw = rawParamsOf(opts);
        const params = resolveParams(scene.def.params, raw); // bad --set values fail here, as one line
        const excess = exceedsLimits(scene.def, params, limits);
        if (excess) throw new UsageError(refusal(excess));
        const { startLiveRun } = await import('../../viewer/server/live-run.ts');
        const stepsPerFrame = intOption('--steps-per-frame', opts.stepsPerFrame ?? '1', 1, 10_000);
        // The run waits, paused, for its first watcher (unless --paused: then for a Play).
        const backend = parseBackend(opts.backend);
        const driver = { mode: 'live' as const, raw, stepsPerFrame, paused: true, backend, maxBytesPerSecond: streamRate };
        live = await startLiveRun({ scene: scene.file ?? scene.def.id, def: scene.def, driver, limits });
        // The scene is built in the worker: a combination its builder refuses fails here, as one line.
        // (A scene file's checked build names the file: cli/scene-loader.ts.)
        await live.ready?.catch(async (e: Error) => {
          await live!.close();
          throw new UsageError(e.message);
        });
      }
      const assets = await bundleSite('server');
      let server;
      try {
        server = await startViewServer({ assets, live, replay, host: opts.host, port, playOnFirstClient: !opts.paused, hub: { frameBytesPerSecond: streamRate } });
      } catch (e) {
        await live?.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use (choose another with --port, or --port 0 for any free port)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind --host '${opts.host}' (${code})`);
        throw e;
      }
      const what = opts.run ? `replaying ${opts.run}` : `live: ${sceneArg}`;
      io.stdout.write(`wgf view (${what}) at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          io.signals.off('SIGINT', stop);
          io.signals.off('SIGTERM', stop);
          resolve();
        };
        io.signals.on('SIGINT', stop);
        io.signals.on('SIGTERM', stop);
      });
      await server.close();
    });
}
