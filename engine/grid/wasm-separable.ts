import type { RowExecutor } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { wasmConvolution, type ConvAxis, type WasmConvolution } from './wasm-convolution.ts';
import { DENSE_ROWS, denseTaps, NV, type DenseArgs } from './wasm-dense.ts';
import type { LowRankTaps } from './low-rank-taps.ts';
import { LOW_RANK_ROWS, lowRankData, lowRankRows, lowRankScratchBytes, paddedRank, type LowRankArgs } from './wasm-low-rank.ts';
import type { RowRunner } from '../core/row-kernel.ts';

/**
 * Below this many summed terms (cells × (2w + 1), summed over the axes of a 2D plane) a
 * dense call stays on the calling thread. Measured (min of 40 applications, 1 vs 2 threads
 * alternating, 2-core AMD EPYC under a load of 3–6 from other jobs): 128² at ε = 0.01
 * (6.3·10⁶ terms, 0.34 ms on one thread) lost on 2 threads in every run (0.41, 0.64, 0.98 ms
 * against 0.34, 0.60, 0.85: the workers' wake-up by message costs about what the second
 * core saves); 192² (2.1·10⁷) and 256² (5.0·10⁷) won or tied (256²: 1.9–2.9 ms against 2.7–6.3).
 */
export const MIN_DENSE_TERMS_FOR_THREADS = 1 << 23;

/** Threads of a pool call summing `terms` (the rule above): the pool's from MIN_DENSE_TERMS_FOR_THREADS on, else 1. */
const threadsFor = (pool: RowExecutor | null, terms: number): number => (!pool || terms < MIN_DENSE_TERMS_FOR_THREADS ? 1 : pool.threads);

/** Distinguishes the shared memories of grids (a pool thread keeps the dense instance of the last one). */
let memories = 0;

/** wasm32 memory tops out at 4 GiB; stay well below it. */
const MAX_BYTES = 2 ** 31;

/** A row-major array in the module's memory: byte address of cell 0 of the grid, strides in cells. */
interface Layout {
  origin: number;
  strides: number[];
}

/** One kernel call: a group of runs (rows) along the contiguous axis. */
interface RunGroup {
  src: number;
  dst: number;
}

/**
 * K u on a grid with every axis pass in WebAssembly SIMD (wasm-convolution.ts), on
 * buffers in the module's memory. The pass along axis k reads a buffer zero-padded by
 * w_k cells on both sides of axis k (layout k) and writes the core of layout k − 1
 * (the unpadded `plain` buffer for k = 0), so edges need no special case and no pass
 * copies: u is copied into `plain`, spread into layout d − 1 (with the exp of the soft
 * C-transform fused in), the passes run from the last (contiguous) axis to axis 0
 * (the log fused into that one), and the result is copied out of `plain`. Only core
 * cells are ever written, so the padding stays zero. Same bits as the JavaScript path
 * (same operations in the same order; see separable-convolution.ts).
 * An axis may instead run the dense pass (wasm-dense.ts, `dense[k]`, chosen by
 * gibbs-kernel.ts denseAxis): its layout has no padding (the band is clipped to the axis)
 * and its result is the same to round-off, not in bits; with the log fused into no dense
 * pass, the plain soft C-transform then takes the log in a last sweep (logOut).
 * A 2D grid with both axes dense runs axis 0's pass first, then axis 1's (`plane`): output
 * row i then needs only row i of the first pass, so a pool splits the whole product by rows
 * in one call (the order is the same with or without a pool: the same bits).
 * A dense axis with a low-rank factor (`lowRank[k]`, gibbs-kernel.ts lowRankAxis) runs its
 * plain pass (`apply`) as the low-rank product (wasm-low-rank.ts LOW_RANK_ROWS: over the
 * pool, or in this thread on the module's own memory): every axis low-rank, the reduced form
 * (`reduced`), else one pass per axis from the last (no plane in `apply`). Its dense kernel
 * stays for the log forms (`logApplyStaged` with its plane, `densePass`: exact passes).
 * With a row pool (`rows`, more than one thread) and a dense axis, the module's memory is
 * a shared one and each dense pass is a pool call (wasm-dense.ts DENSE_ROWS): its output
 * rows split over the threads, each thread with its own panel; the same bits for any thread
 * count (every output is one sequential sum in one thread). The other sweeps (spread, log,
 * truncated passes: O(cells) or narrow) stay on the calling thread.
 * `create` returns null where SIMD is unavailable or the grid is too large.
 */
export class WasmSeparable {
  /** max and finite min of the last `stage`d array (−∞ / +∞ when there are none). */
  max = -Infinity;
  min = Infinity;
  private readonly plain: Float64Array;
  private readonly scanOut: Float64Array;
  private readonly scanAt: number;
  private readonly scratchAt: number;
  private readonly accAt: number;
  /** The dense passes' packed panel (wasm-dense.ts). */
  private readonly packAt: number;
  private readonly tapsAt: number[];
  /** layouts[k]: padded along axis k; layouts[d]: plain. */
  private readonly layouts: Layout[];
  private readonly rows: number;
  private readonly len: number;
  /** Run groups of the spread (plain → layout d − 1) and of the pass along each axis k. */
  private readonly spreadGroups: RunGroup[];
  private readonly passGroups: RunGroup[][];
  /** Blocks of the dense pass along each axis k (one per index of the axes before k; empty where k is truncated). */
  private readonly denseBlocks: RunGroup[][];
  /** The pool calls of the dense passes (axis k: its arguments, rows and threads), or null: this thread. */
  private readonly pooled: ({ args: DenseArgs; rows: number; threads: number } | null)[];
  /**
   * A 2D grid with both axes dense: the plane, axis 0's pass then axis 1's, row by row
   * (DenseArgs `next`): one pool call per application when pooled (`call`), else the two
   * passes in that order in this thread. Null otherwise (the passes from the last axis).
   */
  private readonly plane: { call: { args: DenseArgs; rows: number; threads: number } | null } | null;
  /** The low-rank passes (axis k: its call, rows and threads; null where the axis is not low-rank). */
  private readonly lowRankCalls: ({ args: LowRankArgs; rows: number; threads: number } | null)[];
  /**
   * Every axis low-rank (d ≥ 2): the reduced form of `apply`, its calls in order (null
   * otherwise). With G_k ≈ L_k L_kᵀ, K u = (⊗_k L_k L_kᵀ) u: the last axis's first half
   * Z = X L (size/n·rp cells), the other axes' whole low-rank passes on Z (rp cells per line
   * instead of n, no clamp), then the last axis's second half Y = Z Lᵀ, clamped once at u
   * ((K u)_i ≥ K_ii u_i = u_i). 2D: 4n²r + 4nr² multiply–adds instead of 8n²r (the error
   * contract is the same: each entry of the product operator within d·δ of K's).
   */
  private readonly reduced: { args: LowRankArgs; rows: number; threads: number }[] | null;
  /** The calling thread's runner of the low-rank passes (no pool). */
  private lowRankRunner: RowRunner<LowRankArgs> | null = null;
  /** Threads the dense passes are split over (1: the calling thread). */
  readonly threads: number;

  private constructor(
    private readonly wasm: WasmConvolution,
    private readonly shape: readonly number[],
    private readonly ws: number[],
    taps: Float64Array[],
    readonly dense: readonly boolean[],
    plan: Plan,
    private readonly pool: RowExecutor | null,
    lowRank: readonly (LowRankTaps | null)[],
    private readonly assembler: WatAssembler,
  ) {
    const d = shape.length;
    const size = shape.reduce((a, b) => a * b, 1);
    this.tapsAt = plan.tapsAt;
    this.scanAt = plan.scanAt;
    this.scratchAt = plan.scratchAt;
    this.accAt = plan.accAt;
    this.packAt = plan.packAt;
    this.layouts = plan.buffers.map((at, k) => layoutOf(shape, k, k < d ? padOf(ws[k], dense[k]) : 0, at));
    const buf = wasm.memory.buffer;
    this.plain = new Float64Array(buf, plan.buffers[d], size);
    this.scanOut = new Float64Array(buf, plan.scanAt, 4);
    const all = new Float64Array(buf);
    taps.forEach((t, k) => {
      const f = lowRank[k];
      if (f) all.set(lowRankData(f, k === d - 1).values, plan.lowRankAt[k] / 8);
      if (!dense[k]) return all.set(t, this.tapsAt[k] / 8);
      const { values, centre } = denseTaps(shape[k], t);
      all.set(values, this.tapsAt[k] / 8 - centre); // tapsAt: the centre T[C]
    });
    this.rows = d === 1 ? 1 : shape[d - 2];
    this.len = shape[d - 1];
    this.spreadGroups = this.groups(this.layouts[d], this.layouts[d - 1]);
    this.passGroups = shape.map((_, k) => this.groups(this.layouts[k], this.layouts[k === 0 ? d : k - 1]));
    this.denseBlocks = shape.map((_, k) => (dense[k] ? blocks(shape, k, this.layouts[k], this.layouts[k === 0 ? d : k - 1]) : []));
    const memoryId = ++memories;
    const planar = d === 2 && dense[0] && dense[1];
    this.pooled = shape.map((n, k) => {
      if (!pool || !dense[k]) return null; // (a plane's apply takes `plane`; densePass these)
      const contiguous = k === d - 1;
      const lines = contiguous ? this.rows : n;
      const bl = this.denseBlocks[k];
      const args: DenseArgs = {
        memory: wasm.memory, memoryId, n, w: ws[k], inner: contiguous ? 1 : size / shape.slice(0, k + 1).reduce((a, b) => a * b, 1),
        lines, lineBytes: n * 8, blocks: Int32Array.from(bl.flatMap((b) => [b.src, b.dst])),
        taps: this.tapsAt[k], pack: this.packAt, packBytes: plan.packBytes, next: 0, nextW: 0, nextTaps: 0, nextDst: 0,
      };
      const threads = threadsFor(pool, size * (2 * ws[k] + 1));
      return { args, rows: bl.length * lines, threads };
    });
    this.plane = null;
    if (planar) {
      // spread → layouts[1] → (axis 0) layouts[0] → (axis 1) plain; no padding anywhere (dense axes)
      const [n0, n1] = shape;
      const args: DenseArgs = {
        memory: wasm.memory, memoryId, n: n0, w: ws[0], inner: n1, lines: n0, lineBytes: n1 * 8,
        blocks: Int32Array.of(this.layouts[1].origin, this.layouts[0].origin),
        taps: this.tapsAt[0], pack: this.packAt, packBytes: plan.packBytes,
        next: n1, nextW: ws[1], nextTaps: this.tapsAt[1], nextDst: this.layouts[2].origin,
      };
      const threads = threadsFor(pool, size * (2 * ws[0] + 2 * ws[1] + 2));
      this.plane = { call: pool ? { args, rows: n0, threads } : null };
    }
    const allLowRank = d >= 2 && lowRank.every(Boolean); // the reduced form instead (below)
    this.lowRankCalls = shape.map((n, k) => {
      const f = lowRank[k];
      if (!f || allLowRank) return null;
      const contiguous = k === d - 1;
      const data = lowRankData(f, contiguous);
      const bl = this.denseBlocks[k];
      const args: LowRankArgs = {
        memory: wasm.memory, memoryId, shared: pool !== null, mode: 0, clamp: true, floor: 0, n, rank: data.rank,
        inner: contiguous ? 1 : size / shape.slice(0, k + 1).reduce((a, b) => a * b, 1),
        lines: contiguous ? this.rows : n, lineBytes: n * 8, blocks: Int32Array.from(bl.flatMap((b) => [b.src, b.dst])),
        first: plan.lowRankAt[k], second: plan.lowRankAt[k] + 8 * data.second, scratch: this.packAt, scratchBytes: plan.packBytes,
      };
      // terms: two products of rp multiply–adds per cell (the dense passes' measure, MIN_DENSE_TERMS_FOR_THREADS)
      const threads = threadsFor(pool, size * 2 * data.rank);
      return { args, rows: lowRankRows(args), threads };
    });
    this.reduced = null;
    if (allLowRank) {
      const last = d - 1, nl = shape[last];
      const lines = size / nl;
      const dl = lowRankData(lowRank[last]!, true);
      const X = this.layouts[d - 1].origin, Y = this.layouts[d].origin; // (no padding: every axis dense)
      const base = { memory: wasm.memory, memoryId, shared: pool !== null, scratch: this.packAt, scratchBytes: plan.packBytes };
      const half = (mode: 1 | 2, src: number, dst: number): LowRankArgs => ({
        ...base, mode, clamp: true, floor: mode === 2 ? X : 0, n: nl, rank: dl.rank, inner: 1, lines, lineBytes: nl * 8,
        blocks: Int32Array.of(src, dst), first: plan.lowRankAt[last], second: plan.lowRankAt[last] + 8 * dl.second,
      });
      const call = (args: LowRankArgs, terms: number) => ({ args, rows: lowRankRows(args), threads: threadsFor(pool, terms) });
      const calls = [call(half(1, X, plan.reducedAt[0]), size * dl.rank)];
      const rshape = [...shape.slice(0, last), dl.rank];
      let [cur, other] = plan.reducedAt;
      for (let k = last - 1; k >= 0; k--) {
        const dk = lowRankData(lowRank[k]!, false);
        const inner = rshape.slice(k + 1).reduce((a, b) => a * b, 1);
        const outer = rshape.slice(0, k).reduce((a, b) => a * b, 1);
        const blockBytes = shape[k] * inner * 8;
        const args: LowRankArgs = {
          ...base, mode: 0, clamp: false, floor: 0, n: shape[k], rank: dk.rank, inner, lines: shape[k], lineBytes: shape[k] * 8,
          blocks: Int32Array.from({ length: 2 * outer }, (_, i) => (i % 2 ? other : cur) + (i >> 1) * blockBytes),
          first: plan.lowRankAt[k], second: plan.lowRankAt[k] + 8 * dk.second,
        };
        calls.push(call(args, outer * blockBytes / 8 * 2 * dk.rank));
        [cur, other] = [other, cur];
      }
      calls.push(call(half(2, cur, Y), size * dl.rank));
      this.reduced = calls;
    }
    this.threads = Math.max(1, this.plane?.call?.threads ?? 1, ...this.pooled.map((p) => p?.threads ?? 1), ...this.lowRankCalls.map((c) => c?.threads ?? 1), ...(this.reduced ?? []).map((c) => c.threads));
  }

  /**
   * dense[k]: axis k's pass as a banded matrix product (wasm-dense.ts) instead of the
   * truncated convolution; `rows`: the row pool the dense passes are split over (null or one
   * thread: the calling thread; or where shared memories are unavailable).
   */
  static create(
    shape: readonly number[], taps: Float64Array[], assembler: WatAssembler | null | undefined,
    dense: readonly boolean[] = shape.map(() => false), rows: RowExecutor | null = null,
    lowRank: readonly (LowRankTaps | null)[] = shape.map(() => null),
  ): WasmSeparable | null {
    if (!assembler) return null;
    const ws = taps.map((t) => t.length - 1);
    const pads = ws.map((w, k) => padOf(w, dense[k]));
    const strides = shape.map((_, k) => layoutOf(shape, k, pads[k], 0).strides[k] * 8);
    const inner = (k: number) => shape.slice(k + 1).reduce((a, b) => a * b, 1);
    const axes: ConvAxis[] = ws.map((w, k) => ({ w, strideBytes: strides[k], ...(dense[k] ? { dense: { n: shape[k], inner: inner(k) } } : {}) }));
    const pool = rows && rows.threads > 1 && dense.some(Boolean) ? rows : null;
    const packs = pool ? pool.threads : 1;
    // A shared memory of the plan's size for the pool, else the module's own memory, grown.
    const sharedWasm = pool ? wasmConvolution(axes, assembler, (reserved) => {
      const end = planOf(shape, taps, dense, pads, reserved, packs, lowRank).end;
      return end > MAX_BYTES ? null : end;
    }) : null;
    const wasm = sharedWasm ?? wasmConvolution(axes, assembler);
    if (!wasm) return null;
    const plan = planOf(shape, taps, dense, pads, wasm.reserved, sharedWasm ? packs : 1, lowRank);
    if (plan.end > MAX_BYTES) return null;
    if (!sharedWasm) {
      try {
        const have = wasm.memory.buffer.byteLength;
        if (plan.end > have) wasm.memory.grow(Math.ceil((plan.end - have) / 65536));
      } catch {
        return null; // memory.grow refused
      }
    }
    return new WasmSeparable(wasm, shape, ws, taps, dense, plan, sharedWasm ? pool : null, lowRank, assembler);
  }


  /** out = K u, one pass per axis from the last (contiguous) one; out may alias u. */
  apply(u: Float64Array, out: Float64Array): void {
    this.plain.set(u);
    this.spread(false, 0);
    this.passes(undefined);
    out.set(this.plain);
  }

  /**
   * dst = the dense pass along axis k of src (both row-major [Π shape]), in this thread or
   * over the pool; for the dense log form (gibbs-kernel.ts), when every axis is dense (all
   * layouts are then plain row-major arrays).
   */
  densePass(k: number, src: Float64Array, dst: Float64Array): void {
    const d = this.shape.length;
    const size = this.plain.length;
    const buf = this.wasm.memory.buffer;
    new Float64Array(buf, this.layouts[k].origin, size).set(src);
    const pooled = this.pooled[k];
    const dense = this.wasm.dense[k]!;
    if (pooled) this.pool!.run(DENSE_ROWS, pooled.args, pooled.rows, pooled.threads);
    else if (k === d - 1) for (const b of this.denseBlocks[k]) dense(b.src, b.dst, this.tapsAt[k], this.rows);
    else for (const b of this.denseBlocks[k]) dense(b.src, b.dst, this.tapsAt[k], this.packAt, 0, this.shape[k]);
    dst.set(new Float64Array(buf, this.layouts[k === 0 ? d : k - 1].origin, size));
  }

  /** Copies h into the module and sets `max` and `min` (the range the plain soft C-transform needs). */
  stage(h: Float64Array): void {
    const x = this.plain;
    x.set(h);
    const even = x.length & ~7; // the kernel takes 8 cells per iteration
    const at = this.layouts[this.shape.length].origin;
    this.wasm.scan(at, at + even * 8, this.scanAt);
    const s = this.scanOut;
    // Combine the lanes, then the last few cells, in the JavaScript scan's comparisons.
    let max = s[0], min = s[2];
    if (s[1] > max) max = s[1];
    if (s[3] < min) min = s[3];
    for (let i = even; i < x.length; i++) {
      if (x[i] > max) max = x[i];
      if (x[i] < min && x[i] !== -Infinity) min = x[i];
    }
    this.max = max;
    this.min = min;
  }

  /**
   * out = shift + log(K e^{h − shift}) for the array h last `stage`d (the plain form of
   * the soft C-transform, gibbs-geometry.ts), exp (engine/core/exp.ts) and log (wasm-log-table.ts) in SIMD.
   */
  logApplyStaged(shift: number, out: Float64Array): void {
    this.spread(true, shift);
    this.passes(shift);
    out.set(this.plain);
  }

  /** plain → layout d − 1, as is or as e^{x − shift}. */
  private spread(exp: boolean, shift: number): void {
    const d = this.shape.length;
    const from = this.layouts[d], to = this.layouts[d - 1];
    for (const g of this.spreadGroups) {
      if (exp) this.wasm.expIn(g.src, g.dst, this.rows, pitch(from), pitch(to), this.len, shift);
      else this.wasm.copyIn(g.src, g.dst, this.rows, pitch(from), pitch(to), this.len);
    }
  }

  /** The axis passes, layout d − 1 → … → plain; with `logShift`, the last one takes the log. */
  private passes(logShift: number | undefined): void {
    const d = this.shape.length;
    // Low rank in `apply` only: its outputs are within ±δ·‖b‖₁ of the kernel's (clamped at
    // b_i), so one with no b_i > 0 can be 0 where the truncated pass's is > 0, and the
    // soft C-transform's log would turn it into −∞; the log forms keep the dense passes.
    const lowRankApply = logShift === undefined && (this.reduced !== null || this.lowRankCalls.some(Boolean));
    if (this.reduced && lowRankApply) {
      for (const call of this.reduced) this.runLowRank(call);
      return;
    }
    if (this.plane && !lowRankApply) {
      const [l1, l0, plain] = [this.layouts[1].origin, this.layouts[0].origin, this.layouts[2].origin];
      const call = this.plane.call;
      if (call) this.pool!.run(DENSE_ROWS, call.args, call.rows, call.threads);
      else {
        this.wasm.dense[0]!(l1, l0, this.tapsAt[0], this.packAt, 0, this.shape[0]);
        this.wasm.dense[1]!(l0, plain, this.tapsAt[1], this.shape[0]);
      }
      if (logShift !== undefined) this.wasm.logOut(plain, plain, this.shape[0], this.len * 8, this.len * 8, this.len, logShift, this.scratchAt);
      return;
    }
    for (let k = d - 1; k >= 0; k--) {
      const from = this.layouts[k], to = this.layouts[k === 0 ? d : k - 1];
      const lowRank = lowRankApply ? this.lowRankCalls[k] : null;
      const dense = lowRank ? null : this.wasm.dense[k];
      const pooled = lowRank ? null : this.pooled[k];
      if (lowRank) this.runLowRank(lowRank);
      else if (pooled) this.pool!.run(DENSE_ROWS, pooled.args, pooled.rows, pooled.threads);
      else if (dense) {
        if (k === d - 1) for (const b of this.denseBlocks[k]) dense(b.src, b.dst, this.tapsAt[k], this.rows);
        else for (const b of this.denseBlocks[k]) dense(b.src, b.dst, this.tapsAt[k], this.packAt, 0, this.shape[k]);
      }
      if (lowRank || pooled || dense) {
        if (k === 0 && logShift !== undefined) {
          // No log fused into a dense pass: it runs over the result in place, line by line.
          const at = this.layouts[d].origin;
          this.wasm.logOut(at, at, this.plain.length / this.len, this.len * 8, this.len * 8, this.len, logShift, this.scratchAt);
        }
        continue;
      }
      const back = this.ws[k] * from.strides[k] * 8; // the kernel reads from w_k strides back
      for (const g of this.passGroups[k]) {
        if (k === 0 && logShift !== undefined) this.wasm.convLog!(g.src - back, g.dst, this.rows, pitch(from), pitch(to), this.len, this.tapsAt[0], logShift, this.scratchAt, this.accAt);
        else this.wasm.conv[k]!(g.src - back, g.dst, this.rows, pitch(from), pitch(to), this.len, this.tapsAt[k], this.accAt);
      }
    }
  }

  /** One low-rank pass: through the pool (which runs a one-thread call in this thread), else in this thread. */
  private runLowRank(call: { args: LowRankArgs; rows: number; threads: number }): void {
    if (this.pool) return this.pool.run(LOW_RANK_ROWS, call.args, call.rows, call.threads);
    this.lowRankRunner ??= LOW_RANK_ROWS.create({ assembler: this.assembler });
    this.lowRankRunner(call.args, 0, call.rows);
  }

  /** Run groups of a sweep from layout a to layout b: one per index of the axes before the last two. */
  private groups(a: Layout, b: Layout): RunGroup[] {
    const d = this.shape.length;
    if (d <= 2) return [{ src: a.origin, dst: b.origin }];
    const out: RunGroup[] = [];
    const outer = this.shape.slice(0, d - 2);
    const idx = outer.map(() => 0);
    for (;;) {
      let sa = a.origin, sb = b.origin;
      idx.forEach((i, k) => {
        sa += i * a.strides[k] * 8;
        sb += i * b.strides[k] * 8;
      });
      out.push({ src: sa, dst: sb });
      let k = outer.length - 1;
      while (k >= 0 && ++idx[k] === outer[k]) idx[k--] = 0;
      if (k < 0) return out;
    }
  }
}

/** Where the buffers lie in the module's memory (byte addresses) and the first byte after them. */
interface Plan {
  tapsAt: number[];
  scanAt: number;
  scratchAt: number;
  accAt: number;
  packAt: number;
  /** Bytes of one thread's panel (the panels of `packs` threads follow each other from packAt). */
  packBytes: number;
  /** Byte address of each low-rank axis's factor data (wasm-low-rank.ts lowRankData); 0 elsewhere. */
  lowRankAt: number[];
  /** The reduced form's two Z buffers (every axis low-rank, d ≥ 2; else [0, 0]). */
  reducedAt: [number, number];
  buffers: number[];
  end: number;
}

/**
 * The memory after the module's constants (`reserved` bytes): taps, scan output, scratch
 * row, the dense passes' panels (one per thread), then the d padded layouts and the plain
 * one, each with a spare pair at its end (the odd last cell of a run loads a pair).
 */
function planOf(shape: readonly number[], taps: Float64Array[], dense: readonly boolean[], pads: number[], reserved: number, packs: number, lowRank: readonly (LowRankTaps | null)[]): Plan {
  const d = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  let at = reserved;
  const align = () => (at = Math.ceil(at / 16) * 16);
  align();
  const tapsAt = taps.map((t, k) => {
    if (dense[k]) {
      const C = denseTaps(shape[k], t).centre; // the symmetric vector T, addressed at its centre
      const here = at + C * 8;
      at += (2 * C + 1) * 8;
      return here;
    }
    const here = at;
    at += t.length * 8;
    return here;
  });
  align();
  const lowRankAt = lowRank.map((f) => {
    if (!f) return 0;
    const here = at;
    const rp = paddedRank(f.rank);
    at += 8 * (f.n * rp + rp * (f.n + 1)); // L (or its panels) and Lᵀ (its panels: the odd last column as a pair)
    align();
    return here;
  });
  const reducedAt: [number, number] = [0, 0];
  if (d >= 2 && lowRank.every(Boolean)) {
    const cells = (size / shape[d - 1]) * paddedRank(lowRank[d - 1]!.rank) + 2; // (a spare pair: a half tile's high lane)
    for (const i of [0, 1]) {
      reducedAt[i] = at;
      at += cells * 8;
      align();
    }
  }
  const scanAt = at;
  at += 32;
  const scratchAt = at; // the split log loops' scratch row (wasm-convolution.ts)
  at += Math.ceil(shape[d - 1] / 2) * 64; // four v128 per pair
  const accAt = at; // the wide kernels' accumulator row
  at += Math.ceil(shape[d - 1] / 2) * 16;
  const packAt = at; // the dense passes' panels: n × NV pairs of the longest dense axis, per thread
  // (a low-rank axis's scratch: its X and Z panels, wasm-low-rank.ts)
  const packBytes = Math.max(16 * NV * Math.max(0, ...shape.filter((_, k) => dense[k])), ...lowRank.map((f) => (f ? lowRankScratchBytes(f.n, paddedRank(f.rank)) : 0)));
  at += packs * packBytes;
  const buffers: number[] = [];
  for (let k = 0; k <= d; k++) {
    buffers.push(at);
    at += ((k < d ? (size / shape[k]) * (shape[k] + 2 * pads[k]) : size) + 2) * 8;
    align();
  }
  return { tapsAt, scanAt, scratchAt, accAt, packAt, packBytes, lowRankAt, reducedAt, buffers, end: at };
}

/** Padding of axis k's layout: w cells for the truncated pass (it reads its edges as zeros), none for the dense one. */
function padOf(w: number, dense: boolean | undefined): number {
  return dense ? 0 : w;
}

/**
 * The blocks of the dense pass along axis k from layout a to layout b (one per index of
 * the axes before k): byte addresses of each block's cell 0. Within a block the rows of
 * axis k are `inner` cells apart in both layouts (padding lies along other axes only).
 */
function blocks(shape: readonly number[], k: number, a: Layout, b: Layout): RunGroup[] {
  const d = shape.length;
  // The contiguous axis: one call per run group (its lines along the second-to-last axis are evenly spaced).
  const outer = shape.slice(0, k === d - 1 ? Math.max(0, d - 2) : k);
  const out: RunGroup[] = [];
  const idx = outer.map(() => 0);
  for (;;) {
    let sa = a.origin, sb = b.origin;
    idx.forEach((i, j) => {
      sa += i * a.strides[j] * 8;
      sb += i * b.strides[j] * 8;
    });
    out.push({ src: sa, dst: sb });
    let j = outer.length - 1;
    while (j >= 0 && ++idx[j] === outer[j]) idx[j--] = 0;
    if (j < 0) return out;
  }
}

/** Byte pitch between runs: the stride of the second-to-last axis (0 in 1D: a single run). */
function pitch(l: Layout): number {
  const d = l.strides.length;
  return d === 1 ? 0 : l.strides[d - 2] * 8;
}

/** The row-major layout of `shape` with axis `pad` widened by w on both sides, at byte address `at`. */
function layoutOf(shape: readonly number[], pad: number, w: number, at: number): Layout {
  const dims = shape.map((n, k) => (k === pad ? n + 2 * w : n));
  const strides = dims.map((_, k) => dims.slice(k + 1).reduce((a, b) => a * b, 1));
  return { origin: at + (pad < shape.length ? w * strides[pad] * 8 : 0), strides };
}
