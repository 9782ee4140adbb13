import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../node/paths.ts';
import type { DriverOptions } from '../driver/sim-driver.ts';
import type { ClientMessage, ServerMessage } from '../protocol.ts';
import type { SimThreadData } from './sim-thread.ts';

/** A live run as the server sees it: messages out, control messages in. */
export interface LiveSource {
  /** Resolves when the simulation is built (first hello); rejects with its one-line error otherwise. */
  ready?: Promise<void>;
  onMessage(cb: (m: ServerMessage | ArrayBuffer) => void): void;
  send(m: ClientMessage): void;
  close(): Promise<void>;
}

/** Runs a scene (catalogue id or scene file) in a worker thread (dist/workers/sim-thread.mjs). */
export async function workerSource(scene: string, driver: DriverOptions): Promise<LiveSource> {
  const data: SimThreadData = { scene, driver };
  const worker = new Worker(await workerEntry('sim-thread'), { workerData: data });
  const listeners: ((m: ServerMessage | ArrayBuffer) => void)[] = [];
  let settled = false;
  let resolveReady!: () => void, rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((resolveReady = resolve), (rejectReady = reject)));
  ready.catch(() => {}); // a caller that does not wait still gets the error as a message
  const first = (m: ServerMessage | ArrayBuffer) => {
    if (settled || m instanceof ArrayBuffer) return;
    if (m.type === 'hello') (settled = true), resolveReady();
    else if (m.type === 'error') (settled = true), rejectReady(new Error(m.message));
  };
  // Messages before the first listener (the server subscribes after `ready`) are kept for it:
  // the driver starts paused, so that is hello, reference, status and one frame.
  let backlog: (ServerMessage | ArrayBuffer)[] | null = [];
  const deliver = (m: ServerMessage | ArrayBuffer) => {
    first(m);
    if (backlog) backlog.push(m);
    else listeners.forEach((l) => l(m));
  };
  worker.on('message', deliver);
  worker.on('error', (e) => deliver({ type: 'error', message: `simulation thread failed: ${e.message.split('\n')[0]}` }));
  return {
    ready,
    onMessage: (cb) => {
      listeners.push(cb);
      const pending = backlog ?? [];
      backlog = null;
      pending.forEach(cb);
    },
    send: (m) => worker.postMessage(m),
    close: async () => {
      await worker.terminate();
    },
  };
}
