import { ConstantTable, V128Constants, i32const } from './wasm-constants.ts';
import { F64, I32, V128, get, i32c, name, op, section, set, simd, uleb } from './wasm-encoding.ts';
import { expHead, expTail, lanes } from './wasm-exp-log.ts';
import { logTableBytes, logTableHead, logTableTail } from './wasm-log-table.ts';

/**
 * The sweeps of the separable convolution (separable-convolution.ts) as WebAssembly
 * SIMD kernels, emitted here byte by byte (no toolchain, no binary file), on f64x2
 * lanes. Every array they read is zero-padded by w cells on both sides of the axis
 * being convolved (wasm-separable.ts lays the buffers out), so one loop serves
 * interior and edge cells alike:
 *
 *     dst[c] = k_0 src[c] + Σ_{m=1..w} k_m (src[c − mS] + src[c + mS])
 *
 * S the stride of the axis. Each lane performs exactly the JavaScript loop's
 * operations in the same order (s = k_0 x; s = s + k_m (a + b), a missing neighbour
 * being +0), so both paths give the same bits. The module is specialized to the
 * grid: the strides are immediate load offsets and, for w ≤ UNROLL_MAX, the tap loop
 * is unrolled with the taps held in registers — what remains per pair of outputs is
 * the arithmetic and its loads. Where WebAssembly SIMD is missing (old browsers),
 * `wasmConvolution` returns null and the JavaScript loops run instead.
 * WebAssembly spec: SIMD proposal (v128, f64x2, load64_splat, store64_lane).
 */

/** Half-widths up to this are unrolled (taps in locals); wider kernels are summed tap by tap (convKernel). */
const UNROLL_MAX = 16;
/** Taps per sweep of the accumulator row in the wide kernels (one load and store of it per GROUP taps). */
const GROUP = 4;

/** One axis pass: half-width and the axis stride (bytes) in the layout the pass reads. */
export interface ConvAxis {
  w: number;
  strideBytes: number;
}

const load = (offset: number) => [...simd(0x00), 3, ...uleb(offset)];
const store = (offset: number) => [...simd(0x0b), 3, ...uleb(offset)];
const load64Splat = (offset: number) => [...simd(0x0a), 3, ...uleb(offset)];
const storeLane0 = [...simd(0x5b), 3, 0, 0];
const F64X2_PMIN = simd(0xf6), F64X2_PMAX = simd(0xf7);
const I32_EQZ = 0x45, I32_AND = 0x71, I32_SHR_U = 0x76;

/** Parameters shared by the row kernels (i32 byte addresses / byte pitches, len in cells). */
const [SRC, DST, ROWS, SRC_PITCH, DST_PITCH, LEN] = [0, 1, 2, 3, 4, 5];
const ROW_PARAMS = [I32, I32, I32, I32, I32, I32];

interface Body {
  params: number[];
  code: number[];
}

type Work = (p: number, i32s: number, v0: number, k: V128Constants['k']) => number[];

/**
 * A kernel split in two loops per run: `head` (given the source pair pointer) leaves
 * its results in the v128 locals `spill`, which go to a scratch row (param `SCRATCH`,
 * 16·|spill| bytes per pair); `tail` reloads them and leaves the result pair. The exp
 * and log are each one long dependency chain per pair: in one loop the out-of-order
 * window holds too few pairs to hide it, in two shorter loops it holds more (measured:
 * the exp sweep 1.3×, the fused log 1.3× faster than in one loop; the scratch row
 * stays in L1).
 */
interface Split {
  scratch: number;
  spill: (v0: number) => number[];
  head: Work;
  tail: Work;
}

/** Code run at the start of each run (given its source pointer S) that fills the row at param `row`. */
interface RowSetup {
  row: number;
  code: (S: number, i32s: number, v0: number, k: V128Constants['k']) => number[];
}

/**
 * A row kernel: for each of `rows` runs of `len` cells (src + r·srcPitch → dst + r·dstPitch),
 * dst pairs = work(pointer to the source pair). An odd last cell is computed as a pair
 * and only its low lane stored (the high lane would land on the next run or on padding,
 * which must stay zero). `extra` params follow the shared ones; `work` may use `nI32`
 * i32 locals from `i32s`, `nV` v128 locals from `v0` and the constants of `k`. With
 * `setup`, each run first fills a row of its own and the pairs are read from that row.
 */
function rowKernel(table: ConstantTable, extra: number[], nI32: number, nV: number, work: Work | Split, prologue: (i32s: number, v0: number) => number[] = () => [], setup?: RowSetup): Body {
  const params = [...ROW_PARAMS, ...extra];
  const [S, D, P, Q, E, PB, T] = [0, 1, 2, 3, 4, 5, 6].map((i) => params.length + i);
  const i32s = params.length + 7; // the work's own i32 locals
  const v0 = i32s + nI32;
  const pool = new V128Constants(table, v0 + nV);
  const pairLoop = (from: number, bytes: number[], body: number[]) => [
    ...get(from), ...bytes, op.add, ...set(E),
    0x02, 0x40, 0x03, 0x40,
    ...get(from), ...get(E), op.geU, 0x0d, 1,
    ...body,
    0x0c, 0, 0x0b, 0x0b,
  ];
  const step = (l: number, by: number) => [...get(l), ...i32const(by), op.add, ...set(l)];
  // The pairs' source: the run itself, or the row `setup` fills first.
  const from = setup ? setup.row : S;
  let run: number[] = setup ? setup.code(S, i32s, v0, pool.k) : [];
  if (typeof work === 'function') {
    const one = (store_: number[]) => [...get(Q), ...work(P, i32s, v0, pool.k), ...store_];
    run = [
      ...run,
      ...get(from), ...set(P), ...get(D), ...set(Q),
      ...pairLoop(P, get(PB), [...one(store(0)), ...step(P, 16), ...step(Q, 16)]),
      ...get(LEN), ...i32c(1), I32_AND, 0x04, 0x40, ...one(storeLane0), 0x0b,
    ];
  } else {
    const spill = work.spill(v0), n = spill.length;
    const save = spill.flatMap((l, j) => [...get(T), ...get(l), ...store(16 * j)]);
    const reload = spill.flatMap((l, j) => [...get(T), ...load(16 * j), ...set(l)]);
    const one = (store_: number[]) => [...reload, ...get(Q), ...work.tail(P, i32s, v0, pool.k), ...store_];
    run = [
      ...run,
      // Head over every pair, the odd last cell's included.
      ...get(from), ...set(P), ...get(work.scratch), ...set(T),
      ...pairLoop(P, [...get(LEN), ...i32c(1), op.add, ...i32c(1), I32_SHR_U, ...i32c(4), op.shl], [...work.head(P, i32s, v0, pool.k), ...save, ...step(P, 16), ...step(T, 16 * n)]),
      ...get(D), ...set(Q), ...get(work.scratch), ...set(T),
      ...pairLoop(Q, get(PB), [...one(store(0)), ...step(Q, 16), ...step(T, 16 * n)]),
      ...get(LEN), ...i32c(1), I32_AND, 0x04, 0x40, ...one(storeLane0), 0x0b,
    ];
  }
  const loop = [
    ...get(LEN), ...i32c(1), I32_SHR_U, ...i32c(4), op.shl, ...set(PB), // bytes of whole pairs
    ...get(SRC), ...set(S), ...get(DST), ...set(D),
    0x02, 0x40, 0x03, 0x40,
    ...get(ROWS), I32_EQZ, 0x0d, 1,
    ...run,
    ...get(S), ...get(SRC_PITCH), op.add, ...set(S), ...get(D), ...get(DST_PITCH), op.add, ...set(D),
    ...get(ROWS), ...i32c(1), op.sub, ...set(ROWS),
    0x0c, 0, 0x0b, 0x0b,
  ];
  const nV128 = nV + pool.count;
  if (v0 + nV128 > 127) throw new Error('wasm-convolution: too many locals for one-byte indices');
  return { params, code: [2, 7 + nI32, I32, nV128, V128, ...prologue(i32s, v0), ...pool.init(), ...loop, 0x0b] };
}

/**
 * conv along one axis (extra params: taps address, accumulator row; `src` points w
 * strides before the first output's centre), or, withLog, convLog (extra params:
 * taps, shift, scratch, accumulator row): dst = shift + log(sum), the log split off
 * into a second loop per run (Split) and computed by the table method of
 * wasm-log-table.ts.
 *
 * w ≤ UNROLL_MAX: each pair's sum in registers, taps unrolled. Wider kernels sum tap
 * by tap over the whole run into the accumulator row (one sweep of the row per GROUP
 * taps, the row staying in L1), then store it: walking 2w + 1 source rows per output
 * pair instead would touch a new cache line at every tap of a strided axis. Both
 * orders perform s = k_0 x; s = s + k_m (a + b), m = 1..w in turn, per output: the same bits.
 */
function convKernel(table: ConstantTable, { w, strideBytes: st }: ConvAxis, withLog = false): Body {
  const TAPS = ROW_PARAMS.length, SHIFT = TAPS + 1, SCRATCH = TAPS + 2;
  const ROW = withLog ? TAPS + 3 : TAPS + 1;
  const unrolled = w <= UNROLL_MAX;
  const nTaps = unrolled ? w + 1 : 1 + GROUP; // wide: k_0 and the current group of taps
  // v128 locals: taps, then 7 lanes for the log.
  const nV = nTaps + (withLog ? 7 : 0);
  const tap = (v0: number, m: number) => get(v0 + m);
  const sum: Work = (p, _i, v0) => {
    if (!unrolled) return [...get(p), ...load(0)]; // the accumulator row, summed by `setup`
    const code = [...get(p), ...load(w * st), ...tap(v0, 0), ...op.f64x2Mul];
    for (let m = 1; m <= w; m++) {
      code.push(...get(p), ...load((w - m) * st), ...get(p), ...load((w + m) * st), ...op.f64x2Add, ...tap(v0, m), ...op.f64x2Mul, ...op.f64x2Add);
    }
    return code;
  };
  const setup: RowSetup | undefined = unrolled ? undefined : {
    row: ROW,
    code: (S, i32s, v0) => {
      const [C, A, B, LO, HI, T, TE, E] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => i32s + i);
      /** Taps m..m+g−1 (locals v0 + 1..g) from a sweep of the row each, while g of them remain. */
      const taps = (g: number) => {
        const terms: number[] = [];
        for (let j = 0; j < g; j++) {
          // Source a of tap m + j at A + (g − 1 − j)·st (A = LO − (g − 1)·st), b at B + j·st.
          terms.push(...get(A), ...load((g - 1 - j) * st), ...get(B), ...load(j * st), ...op.f64x2Add, ...tap(v0, 1 + j), ...op.f64x2Mul, ...op.f64x2Add);
        }
        return [
          0x02, 0x40, 0x03, 0x40,
          ...get(TE), ...get(T), op.sub, ...i32const(8 * g), 0x48, 0x0d, 1, // i32.lt_s: fewer than g taps left
          ...Array.from({ length: g }, (_, j) => [...get(T), ...load64Splat(8 * j), ...set(v0 + 1 + j)]).flat(),
          ...sweep([...get(C), ...load(0), ...terms], [...get(LO), ...i32const((g - 1) * st), op.sub, ...set(A), ...get(HI), ...set(B)], [A, B]),
          ...get(LO), ...i32const(g * st), op.sub, ...set(LO), ...get(HI), ...i32const(g * st), op.add, ...set(HI), ...get(T), ...i32const(8 * g), op.add, ...set(T),
          0x0c, 0, 0x0b, 0x0b,
        ];
      };
      const sweep = (body: number[], init: number[], steps: number[]) => [
        ...get(ROW), ...set(C), ...init,
        0x02, 0x40, 0x03, 0x40,
        ...get(C), ...get(E), op.geU, 0x0d, 1,
        ...get(C), ...body, ...store(0),
        ...[C, ...steps].flatMap((l) => [...get(l), ...i32c(16), op.add, ...set(l)]),
        0x0c, 0, 0x0b, 0x0b,
      ];
      return [
        // E: end of the row's pairs (the odd last cell's included).
        ...get(ROW), ...get(LEN), ...i32c(1), op.add, ...i32c(1), I32_SHR_U, ...i32c(4), op.shl, op.add, ...set(E),
        ...sweep([...get(A), ...load(w * st), ...tap(v0, 0), ...op.f64x2Mul], [...get(S), ...set(A)], [A]),
        ...get(S), ...i32const((w - 1) * st), op.add, ...set(LO),
        ...get(S), ...i32const((w + 1) * st), op.add, ...set(HI),
        ...get(TAPS), ...i32c(8), op.add, ...set(T),
        ...taps(GROUP), // while GROUP taps remain: one sweep for all of them
        ...taps(1),
      ];
    },
  };
  const L = (v0: number) => lanes(v0 + nTaps);
  const logTable = withLog ? table.block(logTableBytes()) : 0;
  const work: Work | Split = !withLog ? sum : {
    scratch: SCRATCH,
    spill: (v0) => [L(v0).X, L(v0).K, L(v0).R, L(v0).P],
    head: (p, i32s, v0, k) => [...sum(p, i32s, v0, k), ...set(L(v0).X), ...logTableHead(L(v0), logTable, k)],
    tail: (_p, _i, v0, k) => logTableTail(L(v0), SHIFT, k),
  };
  const extra = withLog ? [I32, F64, I32, I32] : [I32, I32];
  const prologue = (i32s: number, v0: number) => [
    ...(unrolled ? Array.from({ length: w + 1 }, (_, m) => m) : [0]).flatMap((m) => [...get(TAPS), ...load64Splat(8 * m), ...set(v0 + m)]),
    ...(unrolled ? [] : [...get(TAPS), ...i32const(8 * (w + 1)), op.add, ...set(i32s + 6)]),
  ];
  return rowKernel(table, extra, unrolled ? 0 : 8, nV, work, prologue, setup);
}

/** copyIn: dst = src; expIn (extra params: shift, scratch): dst = e^{src − shift}, split in two loops (Split). */
function inKernel(table: ConstantTable, withExp: boolean): Body {
  if (!withExp) return rowKernel(table, [], 0, 0, (p) => [...get(p), ...load(0)]);
  const SHIFT = ROW_PARAMS.length, SCRATCH = SHIFT + 1;
  return rowKernel(table, [F64, I32], 0, 7, {
    scratch: SCRATCH,
    spill: (v0) => [lanes(v0).X, lanes(v0).K, lanes(v0).R],
    head: (p, _i, v0, k) => [...get(p), ...load(0), ...set(lanes(v0).X), ...expHead(lanes(v0), SHIFT, k)],
    tail: (_p, _i, v0, k) => expTail(lanes(v0), k),
  });
}

/**
 * scan(src, end, out): lane-wise max of [src, end) and min of its entries other than −∞
 * (pmax/pmin: a NaN never replaces the running value, as in the JavaScript scan),
 * stored at out (max pair) and out + 16 (min pair). end − src a multiple of 64: four
 * pairs per iteration into four running pairs, so the loop is not one chain of
 * dependent max operations.
 */
function scanKernel(table: ConstantTable): Body {
  const [SRC_, END, OUT, C] = [0, 1, 2, 3];
  const MAX = [4, 5, 6, 7], MIN = [8, 9, 10, 11], X = 12;
  const pool = new V128Constants(table, 13);
  const { k } = pool;
  const pmax = (a: number, b: number) => [...get(a), ...get(b), ...F64X2_PMAX, ...set(a)];
  const pmin = (a: number, b: number) => [...get(a), ...get(b), ...F64X2_PMIN, ...set(a)];
  const code = [
    ...MAX.flatMap((m) => [...k(-Infinity), ...set(m)]), ...MIN.flatMap((m) => [...k(Infinity), ...set(m)]),
    ...get(SRC_), ...set(C),
    0x02, 0x40, 0x03, 0x40,
    ...get(C), ...get(END), op.geU, 0x0d, 1,
    ...[0, 1, 2, 3].flatMap((i) => [
      ...get(C), ...load(16 * i), ...set(X),
      ...pmax(MAX[i], X),
      ...get(MIN[i]), ...k(Infinity), ...get(X), ...get(X), ...k(-Infinity), ...op.f64x2Eq, ...op.bitselect, ...F64X2_PMIN, ...set(MIN[i]),
    ]),
    ...get(C), ...i32const(64), op.add, ...set(C),
    0x0c, 0, 0x0b, 0x0b,
    ...pmax(MAX[0], MAX[1]), ...pmax(MAX[2], MAX[3]), ...pmax(MAX[0], MAX[2]),
    ...pmin(MIN[0], MIN[1]), ...pmin(MIN[2], MIN[3]), ...pmin(MIN[0], MIN[2]),
    ...get(OUT), ...get(MAX[0]), ...store(0), ...get(OUT), ...get(MIN[0]), ...store(16),
  ];
  return { params: [I32, I32, I32], code: [2, 1, I32, 9 + pool.count, V128, ...pool.init(), ...code, 0x0b] };
}

function moduleBytes(axes: ConvAxis[], table: ConstantTable): Uint8Array<ArrayBuffer> {
  const fns: [string, Body][] = [
    ['scan', scanKernel(table)],
    ['copyIn', inKernel(table, false)],
    ['expIn', inKernel(table, true)],
    ['convLog', convKernel(table, axes[0], true)],
    ...axes.map((a, i): [string, Body] => [`conv${i}`, convKernel(table, a)]),
  ];
  const types = fns.flatMap(([, b]) => [0x60, b.params.length, ...b.params, 0]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(fns.length), ...types]),
    ...section(3, [...uleb(fns.length), ...fns.map((_, i) => i)]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [...uleb(fns.length + 1), ...fns.flatMap(([n], i) => [...name(n), 0x00, i]), ...name('memory'), 0x02, 0]),
    ...section(10, [...uleb(fns.length), ...fns.flatMap(([, b]) => [...uleb(b.code.length), ...b.code])]),
    ...table.section(),
  ]);
}

type RowFn = (src: number, dst: number, rows: number, srcPitch: number, dstPitch: number, len: number) => void;

/** The kernels of one grid (byte addresses into `memory`; pitches in bytes, len in cells). */
export interface WasmConvolution {
  memory: WebAssembly.Memory;
  /** Bytes at the start of memory that hold the kernels' constants (wasm-constants.ts): leave them alone. */
  reserved: number;
  /** Lane-wise max and finite min of [src, end) stored at out (4 doubles); end − src a multiple of 64. */
  scan: (src: number, end: number, out: number) => void;
  copyIn: RowFn;
  /** dst = e^{src − shift} (wasm-exp-log.ts); scratch: 48 bytes per pair of a run (64 for convLog). */
  expIn: (...args: [...Parameters<RowFn>, shift: number, scratch: number]) => void;
  /** conv[k]: the pass along axis k; src points w_k strides before the first output; accRow: 16 bytes per pair of a run. */
  conv: ((...args: [...Parameters<RowFn>, taps: number, accRow: number]) => void)[];
  /** conv along axis 0 with dst = shift + log(sum): the fused last pass of the plain soft C-transform. */
  convLog: (...args: [...Parameters<RowFn>, taps: number, shift: number, scratch: number, accRow: number]) => void;
}

/**
 * Compiled modules by grid, with the size of their constant table (null: WebAssembly
 * SIMD unavailable); the most recently made CACHE_SIZE (ε-scaling makes one per ε).
 */
const compiled = new Map<string, { mod: WebAssembly.Module; reserved: number } | null>();
const CACHE_SIZE = 32;

/** A fresh instance (own memory) of the kernels for these axes, or null where WebAssembly SIMD is unavailable. */
export function wasmConvolution(axes: ConvAxis[]): WasmConvolution | null {
  const key = JSON.stringify(axes);
  let entry = compiled.get(key);
  if (entry === undefined) {
    entry = null;
    try {
      const table = new ConstantTable();
      const bytes = moduleBytes(axes, table);
      if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) entry = { mod: new WebAssembly.Module(bytes), reserved: table.size };
    } catch {
      entry = null;
    }
    compiled.set(key, entry);
    if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  }
  if (!entry) return null;
  const ex = new WebAssembly.Instance(entry.mod, {}).exports as Record<string, unknown>;
  return {
    memory: ex.memory as WebAssembly.Memory,
    reserved: entry.reserved,
    scan: ex.scan as WasmConvolution['scan'],
    copyIn: ex.copyIn as RowFn,
    expIn: ex.expIn as WasmConvolution['expIn'],
    conv: axes.map((_, i) => ex[`conv${i}`] as WasmConvolution['conv'][number]),
    convLog: ex.convLog as WasmConvolution['convLog'],
  };
}
