import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EXP, makeExpMethod } from '../engine/core/exp.ts';
import { lseRows, lseRowsBlocked } from '../engine/ot/lse-kernel.ts';
import { setLseExecutor, type LseExecutor } from '../engine/ot/point-cloud-geometry.ts';
import { instantiateWasmLse, wasmLseInstance, wasmLseModule, wasmLseRows } from '../engine/ot/wasm-lse.ts';

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
  /** The dimensions whose WebAssembly kernel each worker has received. */
  private readonly sent: Set<number>[] = [];

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(1, Math.min(64, Math.floor(threads)));
    for (let t = 1; t < this.threads; t++) {
      const w = new Worker(SOURCE, { eval: true });
      w.unref();
      this.workers.push(w);
      this.sent.push(new Set());
    }
  }

  private ub = new Float64Array(0);

  run(d: number, p: number, inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array, nr: number, nc: number, out: Float64Array): void {
    this.dispatch(d, p, inv, X, sqX, Ys, hs, nr, nc, out, 0, null, null, null);
  }

  runBlocked(inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array, nr: number, nc: number, out: Float64Array, size: number, bLo: Float64Array, bHi: Float64Array, hmax: Float64Array): void {
    this.dispatch(2, 2, inv, X, sqX, Ys, hs, nr, nc, out, size, bLo, bHi, hmax);
  }

  /** Rows [0, nr) of lseRows (size = 0) or lseRowsBlocked, split over the threads. */
  private dispatch(
    d: number, p: number, inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array, nr: number, nc: number, out: Float64Array,
    size: number, bLo: Float64Array | null, bHi: Float64Array | null, hmax: Float64Array | null,
  ): void {
    const mod = p === 2 ? wasmLseModule(d) : null;
    const wasm = mod ? wasmLseInstance(d) : null;
    const nb = size > 0 ? Math.ceil(nc / size) : 0;
    if (!wasm && this.row.length < nc) this.row = new Float64Array(nc);
    if (!wasm && this.ub.length < nb) this.ub = new Float64Array(nb);
    const rows = (Xv: Float64Array, sqXv: Float64Array, Ysv: Float64Array, hsv: Float64Array, r0: number, r1: number, o: Float64Array, lo: Float64Array | null, hi: Float64Array | null, hm: Float64Array | null) =>
      wasm
        ? wasmLseRows(wasm, d, inv, Xv, sqXv, Ysv, hsv, nr, nc, r0, r1, o, size, lo, hi, hm)
        : size > 0
        ? lseRowsBlocked(inv, Xv, sqXv, Ysv, hsv, nc, r0, r1, this.row, o, EXP, size, lo!, hi!, hm!, this.ub)
        : lseRows(d, p, inv, Xv, sqXv, Ysv, hsv, nc, r0, r1, this.row, o, EXP);
    const T = nr * nc < MIN_PAIRS_FOR_THREADS ? 1 : Math.min(this.threads, nr);
    if (T === 1) return rows(X, sqX, Ys, hs, 0, nr, out, bLo, bHi, hmax);
    // Layout (in doubles): X | sqX | Ys | hs | out | block lo | block hi | hmax.
    const oX = 0, oSqX = oX + nr * d, oYs = oSqX + nr, oHs = oYs + nc * d, oOut = oHs + nc;
    const oLo = oOut + nr, oHi = oLo + 2 * nb, oHmax = oHi + 2 * nb, total = oHmax + nb;
    if (this.buf.byteLength < 8 * total) this.buf = new SharedArrayBuffer(8 * total);
    const all = new Float64Array(this.buf, 0, total);
    all.set(X.subarray(0, nr * d), oX);
    all.set(sqX.subarray(0, nr), oSqX);
    all.set(Ys.subarray(0, nc * d), oYs);
    all.set(hs.subarray(0, nc), oHs);
    if (size > 0) {
      all.set(bLo!.subarray(0, 2 * nb), oLo);
      all.set(bHi!.subarray(0, 2 * nb), oHi);
      all.set(hmax!.subarray(0, nb), oHmax);
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
    rows(all.subarray(oX, oSqX), all.subarray(oSqX, oYs), all.subarray(oYs, oHs), all.subarray(oHs, oOut), 0, Math.min(nr, block), sharedOut,
      all.subarray(oLo, oHi), all.subarray(oHi, oHmax), all.subarray(oHmax, total));
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

let installed: LsePool | null = null;

/** Installs a pool of `threads` threads (default: all cores) for point-cloud geometries created afterwards. */
export function useOtThreads(threads = availableParallelism()): LsePool | null {
  if (installed && installed.threads === threads) return installed;
  installed?.close();
  installed = threads > 1 ? new LsePool(threads) : null;
  setLseExecutor(installed);
  return installed;
}
