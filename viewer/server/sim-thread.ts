/**
 * The simulation's worker thread for `wgf view`: runs a `SimDriver` off the
 * server's event loop, so HTTP and WebSocket traffic stay responsive however
 * slow a step is. Frames go to the main thread as transferred ArrayBuffers.
 * Every control message is acknowledged (`{ type: 'ack', seq }`) once the driver
 * has applied it, so the server knows when the thread is stuck inside a step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ensureNodeBackend, settleBackends } from '../../node/backend/plan.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { loadWatAssembler } from '../../engine/wasm/assembler.ts';
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
  await loadWatAssembler(); // the SIMD kernels, as in `wgf run`
  const { def } = await loadScene(data.scene);
  // The same backend set-up as `wgf run`: gpu.js kernels on the Node executor, settled at each build.
  ensureNodeBackend();
  const options = { ...data.driver, settle: (...a: Parameters<typeof settleBackends>) => void settleBackends(...a) };
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
