import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { WatAssembler } from '../../engine/wasm/assembler.ts';

/**
 * The Node platform's WAT assembler, loaded on first use (issue #13: start-up).
 *
 * wabt (engine/wasm/assembler.ts) is a 700 kB Emscripten build whose start is
 * asynchronous and costs ~150 ms of CPU, while the kernels are assembled synchronously
 * when a grid or an OT geometry is built. Loading it with every accelerator made each
 * `wgf run` pay for it, though only grid and OT scenes assemble a kernel. Here the
 * assembler is a synchronous function from the start, and wabt runs in a helper thread
 * started by the first call: the calling thread posts the WAT text and blocks
 * (`Atomics.wait`) until the helper has posted the bytes. wabt itself, its options and
 * so the bytes are those of `loadWatAssembler`.
 *
 * Where wabt cannot start the assembler answers null (compileWat: the JavaScript
 * kernels), as `loadWatAssembler` resolving to null did; a text that does not assemble
 * is thrown, as there.
 */

/** The helper thread (CommonJS, evaluated: no build entry of its own). */
const SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, flag, wabtPath } = workerData;
const signal = new Int32Array(flag);
const ready = (async () => require(wabtPath)())();
ready.catch(() => {});
port.on('message', async (wat) => {
  let reply;
  let wabt = null;
  try {
    wabt = await ready;
  } catch (e) {
    reply = { unavailable: String((e && e.message) || e) };
  }
  if (wabt) {
    try {
      const mod = wabt.parseWat('kernel.wat', new TextEncoder().encode(wat), { simd: true, threads: true });
      try {
        mod.resolveNames();
        mod.validate({ simd: true, threads: true });
        reply = { bytes: mod.toBinary({}).buffer };
      } finally {
        mod.destroy();
      }
    } catch (e) {
      reply = { error: String((e && e.message) || e) };
    }
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

/** How long one assembly may take (the first includes wabt's start) before it is a failure. */
const TIMEOUT_MS = 120_000;

type Reply = { bytes: Uint8Array } | { error: string } | { unavailable: string };

/** wabt's entry file, or null where the package is not installed. */
function wabtEntry(): string | null {
  try {
    return createRequire(import.meta.url).resolve('wabt');
  } catch {
    return null;
  }
}

/**
 * A synchronous assembler whose wabt starts at the first kernel assembled (in a helper
 * thread, one per calling thread, ended with the process). Null results where wabt cannot start.
 */
export function lazyWatAssembler(): WatAssembler {
  let helper: { port: MessagePort; signal: Int32Array } | null = null;
  let unavailable = false;
  return (wat: string) => {
    if (unavailable) return null;
    if (!helper) {
      const wabtPath = wabtEntry();
      if (!wabtPath) {
        unavailable = true;
        return null;
      }
      const { port1, port2 } = new MessageChannel();
      const flag = new SharedArrayBuffer(4);
      const worker = new Worker(SOURCE, { eval: true, workerData: { port: port2, flag, wabtPath }, transferList: [port2] });
      worker.unref(); // never keeps the process alive
      helper = { port: port1, signal: new Int32Array(flag) };
    }
    Atomics.store(helper.signal, 0, 0);
    helper.port.postMessage(wat);
    if (Atomics.wait(helper.signal, 0, 0, TIMEOUT_MS) === 'timed-out') throw new Error(`the WAT assembler (wabt) did not answer in ${TIMEOUT_MS / 1000} s`);
    const reply = receiveMessageOnPort(helper.port)?.message as Reply | undefined;
    if (!reply) throw new Error('the WAT assembler (wabt) signalled without a reply');
    if ('bytes' in reply) return new Uint8Array(reply.bytes);
    if ('unavailable' in reply) {
      unavailable = true;
      return null;
    }
    throw new Error(`WAT text does not assemble: ${reply.error}`);
  };
}
