import { parentPort } from 'node:worker_threads';
import { loadScene, type LoadedScene } from '../scene-loader.ts';
import { runOne, type RunJob, type RunOutcome } from './run-one.ts';

/**
 * Body of a sweep worker thread. Protocol (messages from the pool):
 * `{ type: 'init', scene }` → `{ type: 'ready' }` (or `{ type: 'init-failed', message }`);
 * `{ type: 'run', job }` → `{ type: 'done', outcome }`; `{ type: 'stop' }` ends the
 * current run as 'interrupted' (it keeps its checkpoint); the pool sends no run after it.
 */
export type ToWorker = { type: 'init'; scene: string } | { type: 'run'; job: RunJob } | { type: 'stop' };
export type FromWorker = { type: 'ready' } | { type: 'init-failed'; message: string } | { type: 'done'; outcome: RunOutcome };

const port = parentPort;
if (!port) throw new Error('sweep/worker.ts must run in a worker thread');
let scene: LoadedScene | undefined;
let stop = false;

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'stop') {
    stop = true;
  } else if (msg.type === 'init') {
    try {
      scene = await loadScene(msg.scene);
      port.postMessage({ type: 'ready' } satisfies FromWorker);
    } catch (e) {
      port.postMessage({ type: 'init-failed', message: (e as Error).message } satisfies FromWorker);
    }
  } else if (msg.type === 'run') {
    const outcome = await runOne(scene!, msg.job, () => stop);
    port.postMessage({ type: 'done', outcome } satisfies FromWorker);
  }
});
