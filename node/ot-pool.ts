import { Worker } from 'node:worker_threads';
import type { LseExecutor, LseTask } from '../engine/core/accelerator.ts';
import { makeExpMethod } from '../engine/core/exp.ts';
import { lseTaskRows } from '../engine/ot/lse-executor.ts';
import { lseRows, lseRowsBlocked } from '../engine/ot/lse-kernel.ts';
import { instantiateWasmLse, wasmLseModule, wasmLseRows } from '../engine/ot/wasm-lse.ts';
import type { WatAssembler } from '../engine/wasm/assembler.ts';

/** Below this many row×column pairs a call stays on the main thread (a round trip costs ~0.1 ms). */
export const MIN_PAIRS_FOR_THREADS = 1 << 20;
const WAIT_MS = 600_000;

/**
 * Worker body, evaluated as CommonJS (`eval: true`, no TypeScript loader needed in the
 * thread): the kernel is the very function the main thread runs (its source is inlined),
 * so every row is the same sequential sum whatever the split — identical bits for any
 * thread count. Completion is counted on a shared Int32 word (Atomics.add + notify).
 * For p = 2 with WebAssembly SIMD, the main thread sends each worker the compiled kernel
 * of wasm-lse.ts once per d (`t.mod`); the worker keeps its own instance and memory, and
 * runs the same glue (wasmLseRows, inlined) on its rows: again one sequential row each.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
// tsx (esbuild keepNames) wraps named inner functions in __name(fn, name): the identity here.
const __name = (f) => f;
const lseRows = ${lseRows.toString()};
const lseRowsBlocked = ${lseRowsBlocked.toString()};
const makeExpMethod = ${makeExpMethod.toString()};
const instantiateWasmLse = ${instantiateWasmLse.toString()};
const wasmLseRows = ${wasmLseRows.toString()};
const exp = makeExpMethod();
const wasm = new Map();
let row = new Float64Array(0);
let ub = new Float64Array(0);
parentPort.on('message', (t) => {
  const ctrl = new Int32Array(t.ctrl);
  try {
    const v = (o, len) => new Float64Array(t.buf, o, len);
    if (t.mod) wasm.set(t.d, instantiateWasmLse(t.mod));
    if (t.wasm) {
      const nb = t.size > 0 ? Math.ceil(t.nc / t.size) : 0;
      wasmLseRows(wasm.get(t.d), t.d, t.inv, v(t.oX, t.nr * t.d), v(t.oSqX, t.nr), v(t.oYs, t.nc * t.d), v(t.oHs, t.nc), t.nr, t.nc, t.r0, t.r1, v(t.oOut, t.nr),
        t.size, v(t.oLo, t.d * nb), v(t.oHi, t.d * nb), v(t.oHmax, nb));
    } else if (t.size > 0) {
      if (row.length < t.nc) row = new Float64Array(t.nc);
      const nb = Math.ceil(t.nc / t.size);
      if (ub.length < nb) ub = new Float64Array(nb);
      lseRowsBlocked(t.inv, v(t.oX, t.nr * 2), v(t.oSqX, t.nr), v(t.oYs, t.nc * 2), v(t.oHs, t.nc), t.nc, t.r0, t.r1, row, v(t.oOut, t.nr), exp,
        t.size, v(t.oLo, 2 * nb), v(t.oHi, 2 * nb), v(t.oHmax, nb), ub);
    } else {
      if (row.length < t.nc) row = new Float64Array(t.nc);
      lseRows(t.d, t.p, t.inv, v(t.oX, t.nr * t.d), v(t.oSqX, t.nr), v(t.oYs, t.nc * t.d), v(t.oHs, t.nc), t.nc, t.r0, t.r1, row, v(t.oOut, t.nr), exp);
    }
  } catch (e) {
    Atomics.store(ctrl, 1, 1);
  }
  Atomics.add(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
});
`;

/**
 * The online Sinkhorn kernel on T threads (Node only): rows [0, nr) are split into T
 * contiguous blocks; the main thread computes block 0 and blocks on Atomics.wait for the
 * workers, so the geometry stays synchronous. Inputs are copied into one SharedArrayBuffer
 * per call (O((n + m) d), negligible next to the O(nm) work).
 */
export class LsePool implements LseExecutor {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private buf = new SharedArrayBuffer(0);
  private row = new Float64Array(0);
  private ub = new Float64Array(0);
  /** The dimensions whose WebAssembly kernel each worker has received. */
  private readonly sent: Set<number>[] = [];

  /** `threads` as the accelerator decided (node/backend/threads.ts); `assembler`: the SIMD kernel for p = 2. */
  constructor(threads: number, private readonly assembler: WatAssembler | null = null) {
    this.threads = Math.max(1, Math.min(64, Math.floor(threads)));
    for (let t = 1; t < this.threads; t++) {
      const w = new Worker(SOURCE, { eval: true });
      w.unref();
      this.workers.push(w);
      this.sent.push(new Set());
    }
  }

  /** Rows [0, nr) of the task (lseRows, lseRowsBlocked or the SIMD kernel), split over the threads. */
  run(task: LseTask): void {
    const { d, p, inv, X, sqX, Ys, hs, nr, nc, out, blocks } = task;
    const size = blocks?.size ?? 0;
    const mod = p === 2 ? wasmLseModule(d, this.assembler) : null;
    const nb = size > 0 ? Math.ceil(nc / size) : 0;
    if (this.row.length < nc) this.row = new Float64Array(nc);
    if (this.ub.length < nb) this.ub = new Float64Array(nb);
    const T = nr * nc < MIN_PAIRS_FOR_THREADS ? 1 : Math.min(this.threads, nr);
    if (T === 1) return lseTaskRows(task, 0, nr, this.assembler, this.row, this.ub);
    // Layout (in doubles): X | sqX | Ys | hs | out | block lo | block hi | hmax.
    const oX = 0, oSqX = oX + nr * d, oYs = oSqX + nr, oHs = oYs + nc * d, oOut = oHs + nc;
    const oLo = oOut + nr, oHi = oLo + 2 * nb, oHmax = oHi + 2 * nb, total = oHmax + nb;
    if (this.buf.byteLength < 8 * total) this.buf = new SharedArrayBuffer(8 * total);
    const all = new Float64Array(this.buf, 0, total);
    all.set(X.subarray(0, nr * d), oX);
    all.set(sqX.subarray(0, nr), oSqX);
    all.set(Ys.subarray(0, nc * d), oYs);
    all.set(hs.subarray(0, nc), oHs);
    if (blocks) {
      all.set(blocks.lo.subarray(0, 2 * nb), oLo);
      all.set(blocks.hi.subarray(0, 2 * nb), oHi);
      all.set(blocks.hmax.subarray(0, nb), oHmax);
    }
    const sharedOut = all.subarray(oOut, oOut + nr);
    const block = Math.ceil(nr / T);
    Atomics.store(this.ctrl, 0, 0);
    Atomics.store(this.ctrl, 1, 0);
    for (let t = 1; t < T; t++) {
      const first = mod !== null && !this.sent[t - 1].has(d);
      if (first) this.sent[t - 1].add(d);
      this.workers[t - 1].postMessage({
        ctrl: this.ctrl.buffer, buf: this.buf, d, p, inv, nr, nc, size, wasm: mod !== null, mod: first ? mod : null, r0: Math.min(nr, t * block), r1: Math.min(nr, (t + 1) * block),
        oX: 8 * oX, oSqX: 8 * oSqX, oYs: 8 * oYs, oHs: 8 * oHs, oOut: 8 * oOut, oLo: 8 * oLo, oHi: 8 * oHi, oHmax: 8 * oHmax,
      });
    }
    const view = (a: number, b: number) => all.subarray(a, b);
    const shared: LseTask = {
      d, p, inv, X: view(oX, oSqX), sqX: view(oSqX, oYs), Ys: view(oYs, oHs), hs: view(oHs, oOut), nr, nc, out: sharedOut,
      ...(blocks ? { blocks: { size, lo: view(oLo, oHi), hi: view(oHi, oHmax), hmax: view(oHmax, total) } } : {}),
    };
    lseTaskRows(shared, 0, Math.min(nr, block), this.assembler, this.row, this.ub);
    const deadline = Date.now() + WAIT_MS;
    for (let v = Atomics.load(this.ctrl, 0); v < T - 1; v = Atomics.load(this.ctrl, 0)) {
      if (Atomics.wait(this.ctrl, 0, v, Math.max(1, deadline - Date.now())) === 'timed-out') throw new Error('ot thread pool: a worker did not answer');
    }
    if (Atomics.load(this.ctrl, 1) !== 0) throw new Error('ot thread pool: a worker failed');
    out.set(sharedOut);
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}
