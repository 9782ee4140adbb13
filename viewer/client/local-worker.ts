/**
 * The static site's simulation Web Worker: the same `SimDriver` as the Node
 * worker thread of `wgf view`, running a catalogue scene in the browser
 * (the engine and the scenes are isomorphic).
 */
import { catalogue } from '../../scenes/index.ts';
import { SimDriver } from '../driver/sim-driver.ts';
import { parseClientMessage } from '../protocol.ts';
import type { LocalCommand } from './sources/worker-source.ts';
import { GPU } from 'gpu.js';
import { gpuJsAccelerator } from '../../engine/backend/gpujs-install.ts';
import type { GpuJsConstructor } from '../../engine/backend/gpujs-executor.ts';
import { loadWatAssembler } from '../../engine/wasm/assembler.ts';

// The page's accelerator: hot loops on gpu.js (WebGL2 via OffscreenCanvas; `auto` keeps TS where
// the rule says so or gpu.js fails) and the SIMD kernels' assembler (grid and OT kernels).
const accelerator = loadWatAssembler().then((assembler) => gpuJsAccelerator(GPU as unknown as GpuJsConstructor, 'auto', assembler));

const ctx = self as unknown as { postMessage(m: unknown, transfer?: Transferable[]): void; onmessage: ((ev: MessageEvent<LocalCommand>) => void) | null };
let driver: SimDriver | null = null;
let current: object = {};

function fail(e: unknown): void {
  ctx.postMessage({ type: 'error', message: `simulation stopped: ${(e as Error).message}` });
}

ctx.onmessage = (ev) => {
  const m = ev.data;
  try {
    if (m.type === 'scene') {
      const def = catalogue.find((s) => s.id === m.id);
      if (!def) throw new Error(`unknown scene '${m.id}' (catalogue: ${catalogue.map((s) => s.id).join(', ')})`);
      driver?.close();
      // A closed driver may still finish one frame: only the current one's messages go out.
      const token = (current = {});
      const port = { send: (x: unknown) => current === token && ctx.postMessage(x), sendBinary: (b: ArrayBuffer) => current === token && ctx.postMessage(b, [b]) };
      driver = null;
      // Built once the assembler is there (the kernels are made at build time); a newer scene wins.
      void accelerator
        .then((acc) => {
          if (current !== token) return;
          driver = new SimDriver(def, port, { mode: 'local', accelerator: acc });
          return driver.run();
        })
        .catch(fail);
    } else driver?.handle(parseClientMessage(JSON.stringify(m)));
  } catch (e) {
    fail(e);
  }
};
