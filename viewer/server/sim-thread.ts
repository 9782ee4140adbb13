/**
 * The simulation's worker thread for `wgf view`: runs a `SimDriver` off the
 * server's event loop, so HTTP and WebSocket traffic stay responsive however
 * slow a step is. Frames go to the main thread as transferred ArrayBuffers.
 * Every control message is acknowledged (`{ type: 'ack', seq }`) once the driver
 * has applied it, so the server knows when the thread is stuck inside a step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScene } from '../../cli/scene-loader.ts';
import { parseBackend } from '../../engine/backend/names.ts';
import { createNodeAccelerator } from '../../node/backend/node-accelerator.ts';
import type { ClientMessage } from '../protocol.ts';
import { SimDriver, type DriverOptions } from '../driver/sim-driver.ts';

export interface SimThreadData {
  scene: string;
  driver: DriverOptions;
}

/** Main thread → simulation thread. */
export type ThreadControl = { seq: number; msg: ClientMessage } | { type: 'close' };
/** Simulation thread → main thread, besides ServerMessages and binary frames. */
export interface ThreadAck {
  type: 'ack';
  seq: number;
}

const port = parentPort!;
const data = workerData as SimThreadData;

try {
  // The same accelerator as `wgf run`, made once for the thread; each build binds its loops to it.
  const accelerator = await createNodeAccelerator({ request: parseBackend(data.driver.backend, 'ts') });
  const { def } = await loadScene(data.scene);
  const options = { ...data.driver, accelerator };
  const driver = new SimDriver(def, { send: (m) => port.postMessage(m), sendBinary: (b) => port.postMessage(b, [b]) }, options);
  port.on('message', (m: ThreadControl) => {
    if ('type' in m) return driver.close();
    driver.handle(m.msg);
    port.postMessage({ type: 'ack', seq: m.seq } satisfies ThreadAck);
  });
  await driver.run();
  process.exit(0);
} catch (e) {
  // The scene could not be loaded or built (e.g. a parameter combination it refuses): one line.
  port.postMessage({ type: 'error', message: (e as Error).message.split('\n')[0] });
}
