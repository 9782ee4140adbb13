import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../node/paths.ts';
import type { DriverOptions } from '../driver/sim-driver.ts';
import type { ClientMessage, ServerMessage } from '../protocol.ts';
import type { SimThreadData, ThreadAck, ThreadControl } from './sim-thread.ts';

/** One simulation thread as the supervisor (live-run.ts) sees it. */
export interface SimThread {
  /** Resolves when the simulation is built (first hello); rejects with its one-line error otherwise. */
  ready: Promise<void>;
  /** Subscribes to the thread's messages; those sent before the first subscriber are kept for it. */
  onMessage(cb: (m: ServerMessage | ArrayBuffer) => void): void;
  /** Posts a control message; it is pending until the thread has applied it (then the promise resolves). */
  post(m: ClientMessage): Promise<void>;
  /** When the oldest control message still unacknowledged was posted (ms, performance.now()), or null. */
  pendingSince(): number | null;
  /** The thread has ended (it stopped by itself, or could not start). */
  readonly exited: boolean;
  /** Ends the thread at once, wherever it is (inside a step included). */
  terminate(): Promise<void>;
}

/** The thread's entry, dist/workers/sim-thread.mjs (rebuilt first if the sources changed). */
export const simThreadEntry = () => workerEntry('sim-thread');

/** Runs a scene (catalogue id or scene file) in a new worker thread started from `entry`. */
export function spawnSimThread(entry: URL, scene: string, driver: DriverOptions): SimThread {
  const data: SimThreadData = { scene, driver };
  const worker = new Worker(entry, { workerData: data });
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
  /** Unacknowledged control messages by sequence number (acks come in order): when posted, and their waiter. */
  const pending = new Map<number, { at: number; done: () => void }>();
  let seq = 0;
  let exited = false;
  worker.on('message', (m: ServerMessage | ArrayBuffer | ThreadAck) => {
    if (m instanceof ArrayBuffer || m.type !== 'ack') return deliver(m);
    pending.get(m.seq)?.done();
    pending.delete(m.seq);
  });
  worker.on('error', (e) => deliver({ type: 'error', message: `simulation thread failed: ${e.message.split('\n')[0]}` }));
  worker.on('exit', () => {
    exited = true;
    if (!settled) (settled = true), rejectReady(new Error('the simulation thread stopped before the scene was built'));
  });
  return {
    ready,
    onMessage: (cb) => {
      listeners.push(cb);
      const waiting = backlog ?? [];
      backlog = null;
      waiting.forEach(cb);
    },
    post: (m) =>
      new Promise<void>((done) => {
        pending.set(++seq, { at: performance.now(), done });
        worker.postMessage({ seq, msg: m } satisfies ThreadControl);
      }),
    pendingSince: () => (pending.size ? pending.values().next().value!.at : null),
    get exited() {
      return exited;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}
