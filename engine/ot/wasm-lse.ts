import { ConstantTable, V128Constants, i32const } from '../grid/wasm-constants.ts';
import { F64, I32, V128, f64c, get, i32c, name, op, section, set, simd, splat, uleb } from '../grid/wasm-encoding.ts';

/**
 * The online p = 2 log-sum-exp rows of lse-kernel.ts (lseRowsBlocked, and lseRows with
 * one block) as a WebAssembly SIMD kernel on f64x2 lanes, emitted here byte by byte and
 * specialised to the dimension d (the x_i·Ys[j] products are unrolled):
 *
 *   out[i] = log Σ_j exp(e_ij) − base_i,   e_ij = hs[j] + Σ_k x_ik Ys[j][k],   base_i = |x_i|²/(2ε)
 *
 * Layout: the columns are structure-of-arrays (hs, then Ys[·][0], …, Ys[·][d−1], each
 * padded to a multiple of 4 with hs = −∞, Ys = 0: padded terms are e^{−∞} = 0), so one
 * v128 load feeds two columns; rows stay [nr, d] and x_ik is splatted once per row.
 *
 * Per row, as lseRowsBlocked (same bounds, same order, so the same blocks are culled):
 *   1. block bounds ub_b = hmax_b − dist²(x_i, box_b)/(2ε) + base_i; the best block first;
 *   2. pass 1 over the blocks with ub_b > (running max) − 45: e_ij into a row buffer and a
 *      running f64x2 maximum (e_ij itself has the bits of the JavaScript kernel);
 *   3. pass 2 over the surviving blocks: four running sums (two v128 accumulators, four
 *      columns per iteration) of e^{e − max}, added as (s0 + s2) + (s1 + s3) at the end.
 * The exp is lse-kernel.ts's own (fast-exp.ts: 1.5·2^52 rounding, Cody–Waite with ln2/64,
 * 2^{−k/64} from a table, degree-5 Taylor by Horner; ≤ 3 ulp), lane by lane with the same
 * operations in the same order, so every term has the JavaScript kernel's bits; the two
 * table entries of a pair are fetched by scalar loads. A term is skipped (its table entry
 * is 0) when k = round(64(max − e)/ln2) > 4155, i.e. more than 45 ± 0.006 below the max,
 * where lseRows skips e ≤ max − 45: terms within 0.006 of the cut-off may be counted in one
 * kernel and not the other, each < 3e−20 of the sum. So the two kernels differ by the order
 * of the sum only (tests/ot/wasm-lse.test.ts). A degree-13 polynomial exp without a table
 * (wasm-exp-log.ts) took 1.45× as long here (same-process A/B): the exp is most of the work.
 * Every row is one sequential computation of one thread: the same bits for any split.
 *
 * Without blocks (d ≠ 2, or unsorted columns) the glue passes one block with an infinite
 * box and hmax = +∞: it is never culled, and the kernel is the plain two-pass lseRows.
 * WebAssembly spec: SIMD (v128, f64x2); Math.log is imported for the one log per row.
 */

/**
 * Parameters of `rows` (all i32 but inv): rows [r0, r1), nb blocks of `size` columns, ncp
 * padded columns, byte offsets of the arrays, `cols` = doubles between the column arrays.
 */
const [R0, R1, NB, SIZE, NCP, OX, OSQ, OOUT, OH, OROW, OLO, OHI, OHMAX, OUB, COLS, OTAB, INV] = Array.from({ length: 17 }, (_, k) => k);
const NPARAMS = 17;
/** Largest d emitted: local indices stay below 128 (one LEB byte each, as `get`/`set` write them). */
export const WASM_LSE_MAX_D = 16;


const f64 = { load: (off = 0) => [0x2b, 3, ...uleb(off)], store: [0x39, 3, 0], add: 0xa0, sub: 0xa1, mul: 0xa2, max: 0xa5, gt: 0x64, eq: 0x61 };
const i32 = { mul: 0x6c, ltS: 0x48, geS: 0x4e, eq: 0x46, eqz: 0x45, select: 0x1b };
const v128Load = (off: number) => [...simd(0x00), 3, ...uleb(off)];
const v128Store = (off: number) => [...simd(0x0b), 3, ...uleb(off)];
/** f64x2.pmax: a < b ? b : a per lane (one maxpd on x64). */
const pmax = simd(0xf7);
const lane = (k: number) => [...simd(0x21), k]; // f64x2.extract_lane
const NEG_INF = f64c(-Infinity);
// The constants of lse-kernel.ts's exp: 64/ln2, fdlibm's ln2 head and tail over 64, 1.5·2^52.
/** Largest table index summed: round(64·45/ln2), so terms more than 45 (± 0.006) below the max are skipped. */
const SKIP_INDEX = 4155;
const KS = 92.33248261689366, HI = 6.9314718036912381649e-1 / 64, LO = 1.90821492927058770002e-10 / 64, MAGIC = 6755399441055744;
const addr = (baseLocal: number, index: number[], scale: number) => [...get(baseLocal), ...index, ...i32c(scale), i32.mul, op.add];

function rowsBody(d: number, table: ConstantTable): { code: number[]; locals: number[] } {
  // i32 locals
  const [I, B, Q, C, CE, BB, PX] = Array.from({ length: 7 }, (_, k) => NPARAMS + k);
  const PY = Array.from({ length: d }, (_, k) => NPARAMS + 7 + k); // byte address of column array Ys[·][k]
  // f64 locals
  const IDX = NPARAMS + 7 + d; // table index of one lane
  const f0 = NPARAMS + 8 + d;
  const [BASE, BEST, U, MX, DIST, DK] = Array.from({ length: 6 }, (_, k) => f0 + k);
  const XK = Array.from({ length: d }, (_, k) => f0 + 6 + k);
  // v128 locals
  const v0 = f0 + 6 + d;
  const [VMAX, ACC0, ACC1, E, VMX] = Array.from({ length: 5 }, (_, k) => v0 + k);
  const VX = Array.from({ length: d }, (_, k) => v0 + 5 + k);
  const lane4 = (at: number) => ({ X: at, T: at + 1, K: at + 2, R: at + 3 });
  const LA = lane4(v0 + 5 + d), LB = lane4(v0 + 9 + d);
  const pool = new V128Constants(table, v0 + 13 + d);
  const k = pool.k;

  const bytes8 = (l: number) => [...get(l), ...i32c(3), op.shl]; // local · 8
  // c = b·size·8, ce = min(ncp, (b + 1)·size)·8: the byte range of block b in a column array.
  const blockRange = [
    ...get(B), ...get(SIZE), i32.mul, ...i32c(3), op.shl, ...set(C),
    ...get(B), ...i32c(1), op.add, ...get(SIZE), i32.mul, ...get(NCP),
    ...get(B), ...i32c(1), op.add, ...get(SIZE), i32.mul, ...get(NCP), i32.ltS, i32.select, ...i32c(3), op.shl, ...set(CE),
  ];
  // e (two columns at byte offset c + off) = hs + x_0 y_0 + … (the JavaScript order), stored in the row buffer.
  const pass1Pair = (off: number) => [
    ...get(OROW), ...get(C), op.add,
    ...get(OH), ...get(C), op.add, ...v128Load(off),
    ...Array.from({ length: d }, (_, q) => [...get(VX[q]), ...get(PY[q]), ...get(C), op.add, ...v128Load(off), ...op.f64x2Mul, ...op.f64x2Add]).flat(),
    0x22, E, // local.tee
    ...v128Store(off),
    ...get(VMAX), ...get(E), ...pmax, ...set(VMAX),
  ];
  // Entry kk of the table, or its zero entry where kk > SKIP_INDEX (the term is more than ~45 below
  // the max: lseRows skips it). The index test runs on the integer side, off the vector pipes.
  const tableLane = (L: typeof LA, q: number) => [
    ...get(OTAB),
    ...i32const(SKIP_INDEX + 1), ...get(L.K), ...simd(0x1d), q, 0xa7, 0x22, IDX, ...get(IDX), ...i32const(SKIP_INDEX), 0x4b, i32.select, // i64x2.extract_lane, i32.wrap_i64; i32.gt_u
    ...i32c(3), op.shl, op.add, ...f64.load(),
  ];
  // acc += e^{e − max} for two columns: expTable of lse-kernel.ts lane by lane (same operations
  // in the same order, so every term has the bits of the JavaScript kernel).
  const pass2Pair = (L: typeof LA, acc: number, off: number) => [
    ...get(OROW), ...get(C), op.add, ...v128Load(off), ...set(L.X),
    // t = e − max, clamped to ≥ −46 (−∞ for dead columns) so that the table index stays in range; those lanes read the zero entry
    ...k(-46), ...get(L.X), ...get(VMX), ...op.f64x2Sub, ...pmax, ...set(L.T),
    // MAGIC − t·KS holds round(−t·KS) in its low mantissa bits: the table index; kk = that − MAGIC
    ...k(MAGIC), ...get(L.T), ...k(KS), ...op.f64x2Mul, ...op.f64x2Sub, 0x22, L.K, ...k(MAGIC), ...op.f64x2Sub, ...set(L.R),
    ...get(L.T), ...get(L.R), ...k(HI), ...op.f64x2Mul, ...op.f64x2Add, ...get(L.R), ...k(LO), ...op.f64x2Mul, ...op.f64x2Add, ...set(L.R),
    ...get(acc),
    ...tableLane(L, 0), ...op.f64x2Splat, ...tableLane(L, 1), ...simd(0x22), 1, // f64x2.replace_lane 1
    ...k(1), ...get(L.R), ...k(1), ...get(L.R), ...k(0.5), ...get(L.R), ...k(1 / 6), ...get(L.R), ...k(1 / 24), ...get(L.R), ...k(1 / 120),
    ...[0, 1, 2, 3, 4].flatMap(() => [...op.f64x2Mul, ...op.f64x2Add]), // Horner, innermost first
    ...op.f64x2Mul,
    ...op.f64x2Add, ...set(acc),
  ];
  const columnLoop = (body: number[]) => [
    0x02, 0x40, 0x03, 0x40,
    ...get(C), ...get(CE), op.geU, 0x0d, 1,
    ...body,
    ...get(C), ...i32c(32), op.add, ...set(C),
    0x0c, 0, 0x0b, 0x0b,
  ];
  const ubAt = addr(OUB, get(B), 8);

  const row = [
    // x_i, base_i
    ...get(OX), ...get(I), ...i32const(8 * d), i32.mul, op.add, ...set(PX),
    ...XK.flatMap((x, q) => [...get(PX), ...f64.load(8 * q), 0x22, x, ...op.f64x2Splat, ...set(VX[q])]),
    ...f64c(0.5), ...get(INV), f64.mul, ...get(OSQ), ...bytes8(I), op.add, ...f64.load(), f64.mul, ...set(BASE),
    // 1. bounds: dist_k = max(0, lo_k − x_k, x_k − hi_k) (the value of lseRowsBlocked's branches)
    ...NEG_INF, ...set(BEST), 0x41, 0x7f, ...set(BB), // bb = −1
    ...i32c(0), ...set(B),
    0x02, 0x40, 0x03, 0x40,
    ...get(B), ...get(NB), op.geU, 0x0d, 1,
    ...f64c(0), ...set(DIST),
    ...XK.flatMap((x, q) => [
      ...f64c(0),
      ...get(OLO), ...get(B), ...i32const(8 * d), i32.mul, op.add, ...f64.load(8 * q), ...get(x), f64.sub, f64.max,
      ...get(x), ...get(OHI), ...get(B), ...i32const(8 * d), i32.mul, op.add, ...f64.load(8 * q), f64.sub, f64.max,
      0x22, DK, ...get(DK), f64.mul, ...get(DIST), f64.add, ...set(DIST), // 0 + dx² + dy²: lseRowsBlocked's bits
    ]),
    ...addr(OHMAX, get(B), 8), ...f64.load(), ...f64c(0.5), ...get(INV), f64.mul, ...get(DIST), f64.mul, f64.sub, ...get(BASE), f64.add, ...set(U),
    ...ubAt, ...get(U), ...f64.store,
    ...get(U), ...get(BEST), f64.gt, 0x04, 0x40, ...get(U), ...set(BEST), ...get(B), ...set(BB), 0x0b,
    ...get(B), ...i32c(1), op.add, ...set(B),
    0x0c, 0, 0x0b, 0x0b,
    // no block with a finite bound: every term is zero
    ...get(BB), ...i32c(0), i32.ltS, 0x04, 0x40, ...addr(OOUT, get(I), 8), ...NEG_INF, ...f64.store, 0x0c, 1, 0x0b,
    // 2. pass 1: the best block, then the others in order, culled against the running max
    ...splat(-Infinity), ...set(VMAX), ...NEG_INF, ...set(MX),
    0x41, 0x7f, ...set(Q),
    0x02, 0x40, 0x03, 0x40,
    ...get(Q), ...get(NB), i32.geS, 0x0d, 1,
    ...get(BB), ...get(Q), ...get(Q), ...i32c(0), i32.ltS, i32.select, ...set(B),
    0x02, 0x40,
    ...get(Q), ...get(BB), i32.eq, 0x0d, 0,
    ...ubAt, ...f64.load(), ...get(MX), ...f64c(45), f64.sub, f64.gt, i32.eqz,
    0x04, 0x40, ...ubAt, ...NEG_INF, ...f64.store, 0x0c, 1, 0x0b,
    ...blockRange,
    ...columnLoop([...pass1Pair(0), ...pass1Pair(16)]),
    ...get(VMAX), ...lane(0), ...get(VMAX), ...lane(1), f64.max, ...set(MX),
    0x0b,
    ...get(Q), ...i32c(1), op.add, ...set(Q),
    0x0c, 0, 0x0b, 0x0b,
    // all terms −∞ (possible only without blocks: hmax = +∞)
    ...get(MX), ...NEG_INF, f64.eq, 0x04, 0x40, ...addr(OOUT, get(I), 8), ...NEG_INF, ...f64.store, 0x0c, 1, 0x0b,
    // 3. pass 2: Σ e^{e − max} over the blocks whose bound is above max − 45
    ...splat(0), 0x22, ACC0, ...set(ACC1),
    ...get(MX), ...op.f64x2Splat, ...set(VMX),
    ...i32c(0), ...set(B),
    0x02, 0x40, 0x03, 0x40,
    ...get(B), ...get(NB), op.geU, 0x0d, 1,
    ...ubAt, ...f64.load(), ...get(MX), ...f64c(45), f64.sub, f64.gt,
    0x04, 0x40,
    ...blockRange,
    ...columnLoop([...pass2Pair(LA, ACC0, 0), ...pass2Pair(LB, ACC1, 16)]),
    0x0b,
    ...get(B), ...i32c(1), op.add, ...set(B),
    0x0c, 0, 0x0b, 0x0b,
    // out = mx + log(sum) − base
    ...addr(OOUT, get(I), 8),
    ...get(MX),
    ...get(ACC0), ...lane(0), ...get(ACC1), ...lane(0), f64.add,
    ...get(ACC0), ...lane(1), ...get(ACC1), ...lane(1), f64.add, f64.add,
    0x10, 0, // call log (import 0)
    f64.add, ...get(BASE), f64.sub, ...f64.store,
  ];
  const code = [
    ...Array.from({ length: d }, (_, q) => [...get(OH), ...get(COLS), ...i32const(8 * (q + 1)), i32.mul, op.add, ...set(PY[q])]).flat(),
    ...pool.init(),
    ...get(R0), ...set(I),
    0x02, 0x40, 0x03, 0x40,
    ...get(I), ...get(R1), op.geU, 0x0d, 1,
    0x02, 0x40, ...row, 0x0b, // a `br 1` inside `row` ends the row early (branch depth counted from the row's ifs)
    ...get(I), ...i32c(1), op.add, ...set(I),
    0x0c, 0, 0x0b, 0x0b,
    0x0b,
  ];
  return { code, locals: [3, 8 + d, I32, 6 + d, F64, 13 + d + pool.count, V128] };
}

function moduleBytes(d: number): Uint8Array<ArrayBuffer> {
  const table = new ConstantTable();
  const { code, locals } = rowsBody(d, table);
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, NPARAMS, ...Array(NPARAMS - 1).fill(I32), F64, 0, 0x60, 1, F64, 1, F64]),
    ...section(2, [1, ...name('m'), ...name('log'), 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(6, [1, I32, 0x00, ...i32const(table.size), 0x0b]), // `base`: first byte after the constants
    ...section(7, [3, ...name('rows'), 0x00, 1, ...name('memory'), 0x02, 0, ...name('base'), 0x03, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
    ...table.section(),
  ]);
}

/** One instance of the kernel (own memory) with the views its glue keeps between calls. */
export interface WasmLseInstance {
  rows: (...args: number[]) => void;
  memory: WebAssembly.Memory;
  /** Byte address of the exp table, and the first byte after it. */
  table: number;
  base: number;
  /** Views X, sqX, out, hs, Ys[·][0 … d−1], block lo, hi, hmax; null until the first call. */
  views: Float64Array[] | null;
  /** Capacities (rows, padded columns, blocks) of the current layout, and its byte offsets. */
  caps: number[];
  offsets: number[];
}

/**
 * A fresh instance of a compiled kernel. Self-contained (no module references):
 * engine/node/ot-pool.ts inlines its source into the worker threads.
 */
export function instantiateWasmLse(mod: WebAssembly.Module): WasmLseInstance {
  const ex = new WebAssembly.Instance(mod, { m: { log: Math.log } }).exports;
  const memory = ex.memory as WebAssembly.Memory;
  // The exp table after the constants: 2^{−j/64} for j = 0 … 4250 (t ≥ −46), entry 1478 + j
  // of makeExpTable computed by the same expression, so the same bits.
  const table = Math.ceil((ex.base as WebAssembly.Global).value / 16) * 16, size = 4157;
  if (table + 8 * size > memory.buffer.byteLength) memory.grow(Math.ceil((table + 8 * size - memory.buffer.byteLength) / 65536));
  const t = new Float64Array(memory.buffer, table, size);
  for (let j = 0; j < size - 1; j++) t[j] = Math.pow(2, (1478 - (1478 + j)) / 64);
  return { rows: ex.rows as (...args: number[]) => void, memory, table, base: table + 8 * size, views: null, caps: [0, 0, 0], offsets: [] };
}

/**
 * Rows [r0, r1) of lseRowsBlocked (size > 0, a multiple of 4: blocks of `size` columns, boxes
 * bLo, bHi [nb, d], hmax [nb]) or of lseRows for p = 2 (size = 0; bLo, bHi, hmax unused), in the
 * instance `w` of the kernel for this d. Copies the rows [r0, r1) and all columns into
 * the instance memory (O((n + m) d) per call; the columns transposed to structure-of-
 * arrays), runs it, copies out[r0, r1) back. The layout only grows, so the views are
 * made once per size. Self-contained (no module references): inlined into the workers.
 */
export function wasmLseRows(
  w: WasmLseInstance, d: number, inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array, nr: number, nc: number,
  r0: number, r1: number, out: Float64Array, size: number, bLo: Float64Array | null, bHi: Float64Array | null, hmax: Float64Array | null,
): void {
  const ncp = (nc + 3) & ~3; // the kernel takes four columns per step
  const nb = size > 0 ? Math.ceil(nc / size) : 1;
  const caps = w.caps;
  if (w.views === null || nr > caps[0] || ncp > caps[1] || nb > caps[2]) {
    const rc = Math.max(nr, caps[0]), cc = Math.max(ncp, caps[1]), bc = Math.max(nb, caps[2]);
    // X | sqX | out | hs, Ys[·][0], …, Ys[·][d−1] | row buffer | lo | hi | hmax | ub (doubles; each start 16-byte aligned)
    const lens = [rc * d, rc, rc, (d + 1) * cc, cc, bc * d, bc * d, bc, bc];
    const offsets: number[] = [];
    let at = Math.ceil(w.base / 16) * 2;
    for (const len of lens) {
      offsets.push(8 * at);
      at += len + (len & 1);
    }
    const have = w.memory.buffer.byteLength;
    if (8 * at > have) w.memory.grow(Math.ceil((8 * at - have) / 65536));
    const buf = w.memory.buffer;
    // (No named inner functions: a bundler's keep-names helper would not exist in the workers.)
    const parts = [[0, 0, lens[0]], [1, 0, rc], [2, 0, rc], [3, 0, cc]];
    for (let q = 0; q < d; q++) parts.push([3, (q + 1) * cc, cc]);
    parts.push([5, 0, lens[5]], [6, 0, lens[6]], [7, 0, bc]);
    w.views = parts.map(([k, from, len]) => new Float64Array(buf, offsets[k] + 8 * from, len));
    w.caps = [rc, cc, bc];
    w.offsets = offsets;
  }
  const v = w.views;
  const cc = w.caps[1];
  v[0].set(X.subarray(r0 * d, r1 * d), r0 * d);
  v[1].set(sqX.subarray(r0, r1), r0);
  v[3].set(hs.subarray(0, nc));
  v[3].fill(-Infinity, nc, ncp); // padded columns: e^{−∞} = 0
  for (let q = 0; q < d; q++) {
    const y = v[4 + q];
    for (let j = 0; j < nc; j++) y[j] = Ys[j * d + q];
    y.fill(0, nc, ncp);
  }
  const [lo, hi, hm] = [v[4 + d], v[5 + d], v[6 + d]];
  if (size > 0) {
    lo.set(bLo!.subarray(0, nb * d));
    hi.set(bHi!.subarray(0, nb * d));
    hm.set(hmax!.subarray(0, nb));
  } else {
    // One block over all columns, never culled: an infinite box and an infinite bound.
    lo.fill(-Infinity, 0, d);
    hi.fill(Infinity, 0, d);
    hm[0] = Infinity;
  }
  const o = w.offsets;
  w.rows(r0, r1, nb, size > 0 ? size : ncp, ncp, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], cc, w.table, inv);
  out.set(v[2].subarray(r0, r1), r0);
}

const modules = new Map<number, WebAssembly.Module | null>();
const instances = new Map<number, WasmLseInstance>();
let enabled = true;

/** false forces the JavaScript kernels everywhere (tests; the path taken where SIMD is missing). */
export function setWasmLseEnabled(on: boolean): void {
  enabled = on;
}

/** The compiled kernel for dimension d, or null: disabled, d out of range, or WebAssembly SIMD unavailable. */
export function wasmLseModule(d: number): WebAssembly.Module | null {
  if (!enabled || !Number.isInteger(d) || d < 1 || d > WASM_LSE_MAX_D) return null;
  let mod = modules.get(d);
  if (mod === undefined) {
    try {
      const bytes = moduleBytes(d);
      mod = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      mod = null;
    }
    modules.set(d, mod);
  }
  return mod;
}

/** This thread's instance of the kernel for dimension d, or null where wasmLseModule(d) is. */
export function wasmLseInstance(d: number): WasmLseInstance | null {
  const mod = wasmLseModule(d);
  if (!mod) return null;
  let w = instances.get(d);
  if (!w) instances.set(d, (w = instantiateWasmLse(mod)));
  return w;
}
