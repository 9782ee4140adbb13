import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { PairExecutor } from '../../engine/core/accelerator.ts';
import { GpuJsExecutor, pairKernelSettings, zeroInputs, type GpuJsConstructor } from '../../engine/backend/gpujs-executor.ts';
import { WORKER_SOURCE } from './worker-source.ts';

/** Below this many rows per thread a kernel runs on the main thread alone (a worker round trip costs ~0.1 ms). */
export const MIN_ROWS_PER_THREAD = 256;
/** A worker that does not answer in this time is reported as an error (it died or hangs). */
const WAIT_MS = 120_000;
/**
 * Rows are handed out in T × CHUNKS_PER_THREAD chunks from a shared counter, so a
 * thread descheduled by other load on the machine delays only its current chunk.
 */
const CHUNKS_PER_THREAD = 4;
/**
 * Control words (Int32, shared): word EPOCH holds the current call; call e owns
 * words base + NEXT (next chunk to hand out), base + COMPLETED (chunks done) and
 * base + FAILED, base = SLOT_WORDS·(e mod SLOTS). A worker that reads a message
 * late sees a past epoch and takes no chunk, so the main thread never waits for
 * idle workers.
 */
const EPOCH = 0;
const SLOTS = 64;
const SLOT_WORDS = 3;
const NEXT = 1;
const COMPLETED = 2;
const FAILED = 3;

/**
 * Node executor of gpu.js pair kernels: rows [0, n) are cut into equal chunks
 * that the main thread and `threads − 1` workers take from a shared counter, each
 * running the same kernel source on gpu.js's WebAssembly SIMD backend over
 * SharedArrayBuffers. The main thread then blocks on Atomics.wait until every
 * chunk is done, so callers see a synchronous kernel (the engine API and the step
 * loop stay synchronous). Every row is one thread's sequential sum, so the result
 * does not depend on which thread took which chunk: same bits for any thread
 * count and any timing.
 *
 * gpu.js's own worker pool engages only under its async contract (every kernel
 * call a Promise); this pool gives the same parallelism to synchronous callers.
 */
export class WorkerPoolExecutor implements PairExecutor {
  readonly platform: string;
  readonly description: string;
  readonly threads: number;
  private readonly main: GpuJsExecutor;
  private readonly workers: Worker[] = [];
  private readonly replies: MessagePort[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * (1 + SLOTS * SLOT_WORDS)));
  private epoch = 0;
  private data = new SharedArrayBuffer(0);

  constructor(options: { threads?: number; gpuSettings?: Record<string, unknown> } = {}) {
    const require = createRequire(import.meta.url);
    const gpujsPath = require.resolve('gpu.js');
    const { GPU } = require(gpujsPath) as { GPU: GpuJsConstructor };
    const gpuSettings = options.gpuSettings ?? {};
    this.main = new GpuJsExecutor(GPU, gpuSettings);
    // Inside a worker thread (a `wgf sweep` job, which already runs one job per core) no nested pool.
    this.threads = Math.max(1, Math.min(options.threads ?? (isMainThread ? availableParallelism() : 1), 32));
    for (let t = 1; t < this.threads; t++) {
      const ch = new MessageChannel();
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { gpujsPath, gpuSettings, reply: ch.port2 }, transferList: [ch.port2] });
      w.unref();
      ch.port1.unref();
      this.workers.push(w);
      this.replies.push(ch.port1);
    }
    this.platform = this.threads > 1 && this.main.platform === 'webasm' ? 'node-pool' : this.main.platform;
    this.description = `gpu.js ${this.main.platform}${this.threads > 1 ? ` ×${this.threads} threads` : ''}`;
  }

  prepare(source: string, outDim: number, n: number): void {
    // gpu.js builds a kernel on its first call: run it once on zeros with no partners (an
    // empty inner loop, not the O(n²) pass), so a failure surfaces here (on this thread for
    // sure; a worker that takes no chunk compiles on a later call).
    this.run(source, outDim, zeroInputs(source, n), n, new Float32Array(n * outDim), 0);
  }

  run(source: string, outDim: number, inputs: readonly Float32Array[], n: number, out: Float32Array, partners = n): void {
    const T = Math.min(this.threads, Math.max(1, Math.floor(n / MIN_ROWS_PER_THREAD)));
    if (T <= 1) return this.main.run(source, outDim, inputs, n, out, partners);
    const size = Math.ceil(n / (T * CHUNKS_PER_THREAD));
    const count = Math.ceil(n / size);
    const last = n - (count - 1) * size;
    const layout = this.upload(inputs, n * outDim);
    const epoch = ++this.epoch;
    const slot = SLOT_WORDS * (epoch % SLOTS);
    Atomics.store(this.ctrl, slot + NEXT, 0);
    Atomics.store(this.ctrl, slot + COMPLETED, 0);
    Atomics.store(this.ctrl, slot + FAILED, 0);
    Atomics.store(this.ctrl, EPOCH, epoch);
    for (let t = 1; t < T; t++) {
      this.workers[t - 1].postMessage({
        ctrl: this.ctrl.buffer, data: this.data, inputs: layout.inputs, outByteOffset: layout.out, epoch, slot,
        source, settings: pairKernelSettings(outDim, size, n), lastSettings: pairKernelSettings(outDim, last, n),
        size, count, n, partners, outDim, platformMode: this.main.platform,
      });
    }
    // This thread takes chunks from the same counter, straight into the shared output; a
    // worker that is not scheduled in time simply takes none (no wait on idle workers).
    const shared = new Float32Array(this.data, layout.out, n * outDim);
    let failure: unknown = null;
    for (let c = Atomics.add(this.ctrl, slot + NEXT, 1); c < count; c = Atomics.add(this.ctrl, slot + NEXT, 1)) {
      try {
        this.main.runRows(source, outDim, inputs, n, c * size, Math.min(size, n - c * size), shared, c * size, partners);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(this.ctrl, slot + COMPLETED, 1);
    }
    this.waitCompleted(slot, count);
    if (failure) throw failure;
    if (Atomics.load(this.ctrl, slot + FAILED) !== 0) {
      let msg = 'no reply';
      for (const port of this.replies) for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) msg = String(r.message);
      throw new Error(`gpu.js worker: ${msg}`);
    }
    out.set(shared);
  }

  /** Stops the workers (tests and benches; the CLI lets them die with the process). */
  destroy(): void {
    for (const w of this.workers) void w.terminate();
    for (const p of this.replies) p.close();
  }

  /** Blocks until `count` chunks of the call in `slot` are done (by any thread). */
  private waitCompleted(slot: number, count: number): void {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const done = Atomics.load(this.ctrl, slot + COMPLETED);
      if (done >= count) return;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`gpu.js workers did not finish in ${WAIT_MS / 1000} s`);
      Atomics.wait(this.ctrl, slot + COMPLETED, done, left);
    }
  }

  /** Copies the inputs into one shared buffer (grown as needed); returns byte offsets. */
  private upload(inputs: readonly Float32Array[], outLength: number): { inputs: [number, number][]; out: number } {
    let total = outLength;
    for (const a of inputs) total += a.length;
    if (this.data.byteLength < 4 * total) this.data = new SharedArrayBuffer(4 * total);
    const f = new Float32Array(this.data);
    const offsets: [number, number][] = [];
    let o = 0;
    for (const a of inputs) {
      f.set(a, o);
      offsets.push([4 * o, a.length]);
      o += a.length;
    }
    return { inputs: offsets, out: 4 * o };
  }
}
