import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RowArg, RowArgs, RowArray, RowEnv, RowExecutor, RowKernel, RowRunner } from '../../engine/core/row-kernel.ts';
import type { WatAssembler } from '../../engine/wasm/assembler.ts';
import { workerEntry } from '../paths.ts';
import { rowKernel } from './row-kernels.ts';

/**
 * Rows are handed out in T × CHUNKS_PER_THREAD chunks from a shared counter, so a thread
 * descheduled by other load on the machine delays only its current chunk.
 */
const CHUNKS_PER_THREAD = 4;
/** A call during which no chunk finishes for this long has a dead or hung worker: an error. */
const STALL_MS = 120_000;
/**
 * Control words (Int32, shared): word EPOCH holds the current call; call e owns words
 * base + NEXT (next chunk to hand out), base + COMPLETED (chunks done) and base + FAILED,
 * base = SLOT_WORDS·(e mod SLOTS). A worker that reads a message late sees a past epoch and
 * takes no chunk, so the main thread never waits for idle workers.
 */
const EPOCH = 0;
const SLOTS = 64;
const SLOT_WORDS = 3;
const NEXT = 1;
const COMPLETED = 2;
const FAILED = 3;

/** Where an array argument lies in the shared data buffer. */
type ArrayRef = { type: 'f64' | 'f32' | 'i32'; offset: number; length: number };
/** A call's arguments as posted: arrays replaced by their place in the shared buffer, scalars as they are. */
type ArgRef = number | boolean | string | null | ArrayRef | ArrayRef[] | WebAssembly.Memory;

/** One call as a worker receives it. */
interface CallMessage {
  kernel: string;
  epoch: number;
  slot: number;
  ctrl: SharedArrayBuffer;
  data: SharedArrayBuffer;
  args: Record<string, ArgRef>;
  size: number;
  count: number;
  rows: number;
  /** WAT texts the main thread assembled since this worker's last call, with their bytes. */
  assembled: [string, Uint8Array | null][];
}

/** What a worker is started with. */
export interface RowWorkerData {
  reply: MessagePort;
  /** Whether the pool has an assembler (else the workers' kernels have none either: the JavaScript loops). */
  assembles: boolean;
  /** The worker's index in the pool (1 … threads − 1; the calling thread is 0): RowEnv.thread. */
  thread: number;
}

const typeOf = (a: RowArray): ArrayRef['type'] => (a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : 'i32');
const isArray = (v: RowArg): v is RowArray => ArrayBuffer.isView(v);
const view = (data: SharedArrayBuffer, r: ArrayRef): RowArray =>
  r.type === 'f64' ? new Float64Array(data, r.offset, r.length) : r.type === 'f32' ? new Float32Array(data, r.offset, r.length) : new Int32Array(data, r.offset, r.length);

/** The arguments' views into `data` (the same in every thread). */
function bind(data: SharedArrayBuffer, refs: Record<string, ArgRef>): RowArgs {
  const args: RowArgs = {};
  for (const [k, r] of Object.entries(refs)) {
    args[k] = Array.isArray(r) ? r.map((x) => view(data, x)) : r !== null && typeof r === 'object' && !(r instanceof WebAssembly.Memory) ? view(data, r) : r;
  }
  return args;
}

/** The texts each recording assembler assembled, in order, with their bytes. */
const logs = new WeakMap<WatAssembler, [string, Uint8Array | null][]>();

/**
 * `inner`, keeping every text it assembles, so that a row pool can send its workers what
 * the main thread assembled (wabt runs once, in the main thread's helper: the workers
 * assemble nothing). The Node accelerator's assembler is one (node-accelerator.ts), so
 * its kernels, the pool's and the engine's caches of compiled kernels are the same.
 */
export function recordingAssembler(inner: WatAssembler): WatAssembler {
  const entries: [string, Uint8Array | null][] = [];
  const a: WatAssembler = (wat) => {
    const bytes = inner(wat);
    entries.push([wat, bytes]);
    return bytes;
  };
  logs.set(a, entries);
  return a;
}

/**
 * The one synchronous row pool of a Node process (issue #13): `threads − 1` worker threads
 * started from dist/workers/row-worker.mjs plus the calling thread. A call of a row kernel
 * (engine/core/row-kernel.ts) copies its array arguments into one SharedArrayBuffer, posts
 * the call to the workers, and every thread — the caller included — takes chunks of rows
 * from a shared counter, runs them with its own runner of the kernel straight on the shared
 * views, and counts each chunk done (Atomics.add + notify). The caller then blocks on
 * Atomics.wait until every chunk is done, copies the outputs back, and returns: kernels
 * stay synchronous for the engine. A failure in a worker is reported on its reply port and
 * thrown here; a call in which no chunk finishes for STALL_MS (a dead or hung worker) is an
 * error, not a hang.
 *
 * Every row is one sequential computation in one thread, so results do not depend on the
 * thread count, the chunking or the timing. The executors decide how many threads a call
 * is worth (their MIN_* thresholds, node/backend/row-kernels.ts); the pool only runs it.
 */
export class RowPool implements RowExecutor {
  readonly threads: number;
  /** The assembler this pool's threads use: the given one, recording what it assembles for the workers. */
  readonly assembler: WatAssembler | null;
  private readonly workers: Worker[] = [];
  private readonly replies: MessagePort[] = [];
  /** Entries of the assembly log each worker has been sent. */
  private readonly sent: number[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * (1 + SLOTS * SLOT_WORDS)));
  private readonly runners = new Map<string, RowRunner<RowArgs>>();
  private readonly env: RowEnv;
  private epoch = 0;
  private data = new SharedArrayBuffer(0);

  /**
   * `threads` as the accelerator decided (node/backend/node-accelerator.ts nodeThreads);
   * `entry`: the built worker (node/paths.ts workerEntry('row-worker')), needed when threads > 1.
   */
  constructor(o: { threads: number; entry: URL | null; assembler?: WatAssembler | null }) {
    this.threads = Math.max(1, Math.min(64, Math.floor(o.threads)));
    this.assembler = o.assembler ? (logs.has(o.assembler) ? o.assembler : recordingAssembler(o.assembler)) : null;
    this.env = { assembler: this.assembler, thread: 0 };
    if (this.threads > 1 && !o.entry) throw new Error('row pool: a worker entry is needed for more than one thread');
    for (let t = 1; t < this.threads; t++) {
      const ch = new MessageChannel();
      const workerData: RowWorkerData = { reply: ch.port2, assembles: this.assembler !== null, thread: t };
      const w = new Worker(o.entry!, { workerData, transferList: [ch.port2] });
      w.unref(); // never keeps the process alive
      ch.port1.unref();
      this.workers.push(w);
      this.replies.push(ch.port1);
      this.sent.push(0);
    }
  }

  /**
   * Runs rows [0, rows) of `kernel` on `threads` threads (at most the pool's; 1: in this
   * thread on `args` as they are). On return the kernel's outputs in `args` hold the result.
   */
  run<A extends RowArgs>(kernel: RowKernel<A>, args: A, rows: number, threads = this.threads): void {
    if (rowKernel(kernel.name) !== (kernel as unknown as RowKernel<RowArgs>)) throw new Error(`row pool: kernel '${kernel.name}' is not in ROW_KERNELS (node/backend/row-kernels.ts)`);
    const T = Math.max(1, Math.min(this.threads, Math.floor(threads), rows));
    const runner = this.runner(kernel);
    if (T <= 1) return runner(args, 0, rows);
    kernel.prepare?.(this.env, args);
    const size = Math.ceil(rows / (T * CHUNKS_PER_THREAD));
    const count = Math.ceil(rows / size);
    const refs = this.upload(args);
    const shared = bind(this.data, refs) as A;
    const epoch = ++this.epoch;
    const slot = SLOT_WORDS * (epoch % SLOTS);
    Atomics.store(this.ctrl, slot + NEXT, 0);
    Atomics.store(this.ctrl, slot + COMPLETED, 0);
    Atomics.store(this.ctrl, slot + FAILED, 0);
    Atomics.store(this.ctrl, EPOCH, epoch);
    const entries = (this.assembler && logs.get(this.assembler)) || [];
    for (let t = 1; t < T; t++) {
      const message: CallMessage = {
        kernel: kernel.name, epoch, slot, ctrl: this.ctrl.buffer as SharedArrayBuffer, data: this.data, args: refs, size, count, rows,
        assembled: entries.slice(this.sent[t - 1]),
      };
      this.sent[t - 1] = entries.length;
      this.workers[t - 1].postMessage(message);
    }
    // This thread takes chunks from the same counter; a worker not scheduled in time simply takes none.
    let failure: unknown = null;
    for (let c = Atomics.add(this.ctrl, slot + NEXT, 1); c < count; c = Atomics.add(this.ctrl, slot + NEXT, 1)) {
      try {
        runner(shared, c * size, Math.min(rows, (c + 1) * size));
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(this.ctrl, slot + COMPLETED, 1);
    }
    this.waitCompleted(kernel.name, slot, count);
    if (failure) throw failure;
    if (Atomics.load(this.ctrl, slot + FAILED) !== 0) {
      let msg = 'no reply';
      for (const port of this.replies) for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) msg = String(r.message);
      throw new Error(`row pool worker (${kernel.name}): ${msg}`);
    }
    for (const name of kernel.outputs) (args[name] as RowArray).set(shared[name] as RowArray);
  }

  /** Stops the workers (tests and benches; the CLI lets them end with the process). */
  close(): void {
    for (const w of this.workers) void w.terminate();
    for (const p of this.replies) p.close();
  }

  /** This thread's runner of `kernel`, made on first use. */
  private runner<A extends RowArgs>(kernel: RowKernel<A>): RowRunner<A> {
    let r = this.runners.get(kernel.name);
    if (!r) this.runners.set(kernel.name, (r = kernel.create(this.env) as unknown as RowRunner<RowArgs>));
    return r as unknown as RowRunner<A>;
  }

  /** Blocks until `count` chunks of the call in `slot` are done (by any thread); a stall of STALL_MS is an error. */
  private waitCompleted(name: string, slot: number, count: number): void {
    let done = Atomics.load(this.ctrl, slot + COMPLETED);
    let deadline = performance.now() + STALL_MS;
    while (done < count) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`row pool: no chunk of '${name}' finished in ${STALL_MS / 1000} s (a worker thread died or hangs)`);
      Atomics.wait(this.ctrl, slot + COMPLETED, done, left);
      const now = Atomics.load(this.ctrl, slot + COMPLETED);
      if (now > done) deadline = performance.now() + STALL_MS;
      done = now;
    }
  }

  /** Copies the array arguments into one shared buffer (grown as needed), each 8-byte aligned. */
  private upload(args: RowArgs): Record<string, ArgRef> {
    const arrays: RowArray[] = [];
    for (const v of Object.values(args)) {
      if (isArray(v)) arrays.push(v);
      else if (Array.isArray(v)) arrays.push(...(v as readonly RowArray[]));
    }
    let total = 0;
    for (const a of arrays) total += Math.ceil(a.byteLength / 8) * 8;
    if (this.data.byteLength < total) this.data = new SharedArrayBuffer(total);
    let at = 0;
    const place = (a: RowArray): ArrayRef => {
      const r: ArrayRef = { type: typeOf(a), offset: at, length: a.length };
      (view(this.data, r) as RowArray).set(a as never);
      at += Math.ceil(a.byteLength / 8) * 8;
      return r;
    };
    const refs: Record<string, ArgRef> = {};
    for (const [k, v] of Object.entries(args)) {
      refs[k] = isArray(v) ? place(v) : Array.isArray(v) ? (v as readonly RowArray[]).map(place) : (v as ArgRef);
    }
    return refs;
  }
}

/**
 * The worker side of the protocol (node/backend/row-worker.ts, built into
 * dist/workers/row-worker.mjs): for each call still current (ctrl[EPOCH] = its epoch),
 * takes chunks from the call's counter and runs them with this thread's runner of the
 * named kernel; each chunk done is counted and notified, a failure sets the call's FAILED
 * word and is posted on `reply`.
 */
export function serveRows(port: MessagePort, data: RowWorkerData): void {
  const texts = new Map<string, Uint8Array | null>();
  // The main thread assembled every kernel before the call (wabt runs there only).
  const assembler: WatAssembler = (wat) => {
    if (!texts.has(wat)) throw new Error('row pool worker: a WAT text the main thread did not assemble');
    return texts.get(wat)!;
  };
  const env: RowEnv = { assembler: data.assembles ? assembler : null, thread: data.thread };
  const runners = new Map<string, RowRunner<RowArgs>>();
  port.on('message', (m: CallMessage) => {
    for (const [wat, bytes] of m.assembled) texts.set(wat, bytes);
    const ctrl = new Int32Array(m.ctrl);
    let args: RowArgs | null = null;
    let runner: RowRunner<RowArgs> | undefined;
    while (Atomics.load(ctrl, EPOCH) === m.epoch) {
      const c = Atomics.add(ctrl, m.slot + NEXT, 1);
      if (c >= m.count) break;
      try {
        if (!runner) {
          runner = runners.get(m.kernel);
          if (!runner) {
            const k = rowKernel(m.kernel);
            if (!k) throw new Error(`no row kernel '${m.kernel}' in this worker`);
            runners.set(m.kernel, (runner = k.create(env)));
          }
        }
        args ??= bind(m.data, m.args);
        runner(args, c * m.size, Math.min(m.rows, (c + 1) * m.size));
      } catch (e) {
        Atomics.store(ctrl, m.slot + FAILED, 1);
        data.reply.postMessage(String((e as Error)?.message ?? e));
      }
      Atomics.add(ctrl, m.slot + COMPLETED, 1);
      Atomics.notify(ctrl, m.slot + COMPLETED);
    }
  });
}

/** A row pool of `threads` threads started from the built worker entry (tests, benches). */
export async function startRowPool(threads: number, assembler: WatAssembler | null = null): Promise<RowPool> {
  return new RowPool({ threads, entry: threads > 1 ? await workerEntry('row-worker') : null, assembler });
}
