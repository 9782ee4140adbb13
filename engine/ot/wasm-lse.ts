import { EXP, expNegWat } from '../core/exp.ts';
import { compileWat, type WatAssembler } from '../wasm/assembler.ts';
import { ConstantTable, whileLoop } from '../wasm/wat.ts';

/**
 * The online p = 2 log-sum-exp rows of lse-kernel.ts (lseRowsBlocked, and lseRows with
 * one block) as a WebAssembly SIMD kernel on f64x2 lanes, written as WAT text (assembled
 * by engine/wasm/assembler.ts) and specialised to the dimension d (the x_i·Ys[j] products
 * are unrolled):
 *
 *   out[i] = log Σ_j exp(e_ij) − base_i,   e_ij = hs[j] + Σ_k x_ik Ys[j][k],   base_i = |x_i|²/(2ε)
 *
 * Layout: the columns are structure-of-arrays (hs, then Ys[·][0], …, Ys[·][d−1], each
 * padded to a multiple of 4 with hs = −∞, Ys = 0: padded terms are e^{−∞} = 0), so one
 * v128 load feeds two columns; rows stay [nr, d] and x_ik is splatted once per row.
 *
 * Per row, as lseRowsBlocked (same bounds, same order, so the same blocks are culled):
 *   1. block bounds ub_b = hmax_b − dist²(x_i, box_b)/(2ε) + base_i; the best block first;
 *   2. pass 1 over the blocks with ub_b > (running max) + LSE_FLOOR: e_ij into a row buffer
 *      and a running f64x2 maximum (e_ij itself has the bits of the JavaScript kernel);
 *   3. pass 2 over the surviving blocks: four running sums (two v128 accumulators, four
 *      columns per iteration) of e^{e − max} over the terms with e > max + LSE_FLOOR — the
 *      JavaScript test — added as (s0 + s2) + (s1 + s3) at the end.
 * The exp is engine/core/exp.ts's f64x2 form (expNegWat), lane by lane the operations of
 * the JavaScript expNeg, so every term has the JavaScript kernel's bits and the same terms
 * are skipped: the two kernels differ by the order of the sum only (tests/engine/ot/wasm-lse.test.ts).
 * A degree-13 polynomial exp without a table took 1.45× as long here (same-process A/B):
 * the exp is most of the work. Every row is one sequential computation of one thread: the
 * same bits for any split.
 *
 * Without blocks (d ≠ 2, or unsorted columns) the glue passes one block with an infinite
 * box and hmax = +∞: it is never culled, and the kernel is the plain two-pass lseRows.
 * WebAssembly spec: SIMD (v128, f64x2); Math.log is imported for the one log per row.
 */

/** Largest d emitted (the x_i·y_j products are unrolled: d v128 locals and loads per pair). */
export const WASM_LSE_MAX_D = 16;

/** The WAT text of the kernel for dimension d. */
export function wasmLseWat(d: number): string {
  const table = new ConstantTable();
  const fracAt = table.block(EXP.FRAC);
  const K = table.locals();
  const { c } = K;
  const ks = Array.from({ length: d }, (_, k) => k);
  const g = (x: string) => `(local.get $${x})`;
  const f64At = (base: string, index: string, offset = 0) => `(f64.load offset=${offset} (i32.add ${g(base)} (i32.shl ${index} (i32.const 3))))`;
  /** ub[b] (address). */
  const ubAt = `(i32.add ${g('oUb')} (i32.shl ${g('b')} (i32.const 3)))`;
  /** c = b·size·8, ce = min(ncp, (b + 1)·size)·8: the byte range of block b in a column array. */
  const blockRange = `
        (local.set $c (i32.shl (i32.mul ${g('b')} ${g('size')}) (i32.const 3)))
        (local.set $ce (i32.mul (i32.add ${g('b')} (i32.const 1)) ${g('size')}))
        (local.set $ce (i32.shl (select ${g('ce')} ${g('ncp')} (i32.lt_s ${g('ce')} ${g('ncp')})) (i32.const 3)))`;
  const columns = (label: string, body: string) =>
    whileLoop(label, `(i32.ge_u ${g('c')} ${g('ce')})`, `${body}
        (local.set $c (i32.add ${g('c')} (i32.const 32)))`);
  /** e (two columns at byte c + off) = hs + x_0 y_0 + … (the JavaScript order), into the row buffer and the running max. */
  const pass1Pair = (off: number) => {
    let e = `(v128.load offset=${off} (i32.add ${g('oH')} ${g('c')}))`;
    for (const k of ks) e = `(f64x2.add ${e} (f64x2.mul ${g(`vx${k}`)} (v128.load offset=${off} (i32.add ${g(`py${k}`)} ${g('c')}))))`;
    return `
          (local.set $e ${e})
          (v128.store offset=${off} (i32.add ${g('oRow')} ${g('c')}) ${g('e')})
          (local.set $vmax (f64x2.pmax ${g('vmax')} ${g('e')}))`;
  };
  /** acc += e^{e − max} for two columns, the terms with e > max + LSE_FLOOR only (others add +0). */
  const pass2Pair = (L: string, acc: string, off: number) => `
          (local.set $e${L} (v128.load offset=${off} (i32.add ${g('oRow')} ${g('c')})))
          (local.set $t${L} (f64x2.sub ${g(`e${L}`)} ${g('vmx')}))
          (local.set $${acc} (f64x2.add ${g(acc)} ${expNegWat({ t: `$t${L}`, k: `$k${L}`, r: `$r${L}`, s: `$s${L}` }, c, fracAt, `(f64x2.gt ${g(`e${L}`)} ${g('vlo')})`)}))`;
  const negInf = '(f64.const -inf)';
  const rowBody = `
      ;; x_i, splatted; base_i = (0.5·inv)·|x_i|²
      (local.set $px (i32.add ${g('oX')} (i32.mul ${g('i')} (i32.const ${8 * d}))))
      ${ks.map((k) => `(local.set $x${k} (f64.load offset=${8 * k} ${g('px')})) (local.set $vx${k} (f64x2.splat ${g(`x${k}`)}))`).join('\n      ')}
      (local.set $base (f64.mul (f64.mul (f64.const 0.5) ${g('inv')}) ${f64At('oSq', g('i'))}))
      ;; 1. bounds ub_b = hmax_b − (0.5·inv)·dist² + base, dist_k = max(0, lo_k − x_k, x_k − hi_k); bb = the best block
      (local.set $best ${negInf})
      (local.set $bb (i32.const -1))
      (local.set $b (i32.const 0))
      ${whileLoop('bounds', `(i32.ge_u ${g('b')} ${g('nb')})`, `
        (local.set $box (i32.add ${g('oLo')} (i32.mul ${g('b')} (i32.const ${8 * d}))))
        (local.set $box2 (i32.add ${g('oHi')} (i32.mul ${g('b')} (i32.const ${8 * d}))))
        (local.set $dist (f64.const 0))
        ${ks.map((k) => `(local.set $dk (f64.max (f64.max (f64.const 0) (f64.sub (f64.load offset=${8 * k} ${g('box')}) ${g(`x${k}`)})) (f64.sub ${g(`x${k}`)} (f64.load offset=${8 * k} ${g('box2')}))))
        (local.set $dist (f64.add (f64.mul ${g('dk')} ${g('dk')}) ${g('dist')}))`).join('\n        ')}
        (local.set $u (f64.add (f64.sub ${f64At('oHmax', g('b'))} (f64.mul (f64.mul (f64.const 0.5) ${g('inv')}) ${g('dist')})) ${g('base')}))
        (f64.store ${ubAt} ${g('u')})
        (if (f64.gt ${g('u')} ${g('best')}) (then (local.set $best ${g('u')}) (local.set $bb ${g('b')})))
        (local.set $b (i32.add ${g('b')} (i32.const 1)))`)}
      ;; no block with a finite bound: every term is zero
      (if (i32.lt_s ${g('bb')} (i32.const 0)) (then (f64.store ${`(i32.add ${g('oOut')} (i32.shl ${g('i')} (i32.const 3)))`} ${negInf}) (br $row)))
      ;; 2. pass 1: block bb, then the others in order, each unless its bound is below (running max) + LSE_FLOOR
      (local.set $vmax (f64x2.splat ${negInf}))
      (local.set $mx ${negInf})
      (local.set $q (i32.const -1))
      ${whileLoop('pass1', `(i32.ge_s ${g('q')} ${g('nb')})`, `
        (block $skip
          (br_if $skip (i32.eq ${g('q')} ${g('bb')}))
          (local.set $b (select ${g('bb')} ${g('q')} (i32.lt_s ${g('q')} (i32.const 0))))
          (if (i32.eqz (f64.gt (f64.load ${ubAt}) (f64.add ${g('mx')} (f64.const ${EXP.LSE_FLOOR}))))
            (then (f64.store ${ubAt} ${negInf}) (br $skip)))
          ${blockRange}
          ${columns('cols1', `${pass1Pair(0)}${pass1Pair(16)}`)}
          (local.set $mx (f64.max (f64x2.extract_lane 0 ${g('vmax')}) (f64x2.extract_lane 1 ${g('vmax')}))))
        (local.set $q (i32.add ${g('q')} (i32.const 1)))`)}
      ;; all terms −∞ (possible only without blocks: hmax = +∞)
      (if (f64.eq ${g('mx')} ${negInf}) (then (f64.store ${`(i32.add ${g('oOut')} (i32.shl ${g('i')} (i32.const 3)))`} ${negInf}) (br $row)))
      ;; 3. pass 2: Σ e^{e − max} over the terms with e > lo = max + LSE_FLOOR, in the blocks whose bound is above lo
      (local.set $acc0 (v128.const i64x2 0 0))
      (local.set $acc1 (v128.const i64x2 0 0))
      (local.set $vmx (f64x2.splat ${g('mx')}))
      (local.set $lo (f64.add ${g('mx')} (f64.const ${EXP.LSE_FLOOR})))
      (local.set $vlo (f64x2.splat ${g('lo')}))
      (local.set $b (i32.const 0))
      ${whileLoop('pass2', `(i32.ge_u ${g('b')} ${g('nb')})`, `
        (if (f64.gt (f64.load ${ubAt}) ${g('lo')}) (then
          ${blockRange}
          ${columns('cols2', `${pass2Pair('a', 'acc0', 0)}${pass2Pair('b', 'acc1', 16)}`)}))
        (local.set $b (i32.add ${g('b')} (i32.const 1)))`)}
      ;; out = (mx + log((s0 + s2) + (s1 + s3))) − base
      (f64.store (i32.add ${g('oOut')} (i32.shl ${g('i')} (i32.const 3)))
        (f64.sub
          (f64.add ${g('mx')} (call $log (f64.add
            (f64.add (f64x2.extract_lane 0 ${g('acc0')}) (f64x2.extract_lane 0 ${g('acc1')}))
            (f64.add (f64x2.extract_lane 1 ${g('acc0')}) (f64x2.extract_lane 1 ${g('acc1')})))))
          ${g('base')}))`;
  const body = `
    ${ks.map((k) => `(local.set $py${k} (i32.add ${g('oH')} (i32.mul ${g('cols')} (i32.const ${8 * (k + 1)}))))`).join('\n    ')}
    ${K.init()}
    (local.set $i ${g('r0')})
    ${whileLoop('rows', `(i32.ge_u ${g('i')} ${g('r1')})`, `(block $row ${rowBody})
      (local.set $i (i32.add ${g('i')} (i32.const 1)))`)}`;
  const params = ['r0', 'r1', 'nb', 'size', 'ncp', 'oX', 'oSq', 'oOut', 'oH', 'oRow', 'oLo', 'oHi', 'oHmax', 'oUb', 'cols'].map((p) => `(param $${p} i32)`).join(' ');
  const locals = [
    ...['i', 'b', 'q', 'c', 'ce', 'bb', 'px', 'box', 'box2', ...ks.map((k) => `py${k}`)].map((n) => `(local $${n} i32)`),
    ...['base', 'best', 'u', 'mx', 'lo', 'dist', 'dk', ...ks.map((k) => `x${k}`)].map((n) => `(local $${n} f64)`),
    ...['vmax', 'acc0', 'acc1', 'e', 'vmx', 'vlo', ...ks.map((k) => `vx${k}`), ...['a', 'b'].flatMap((L) => [`e${L}`, `t${L}`, `k${L}`, `r${L}`, `s${L}`])].map((n) => `(local $${n} v128)`),
  ].join(' ');
  return `(module
  (import "m" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 1)
  ;; the first byte after the constants and the exp table
  (global (export "base") i32 (i32.const ${table.bytes}))
  (func (export "rows") ${params} (param $inv f64)
    ${locals} ${K.decls()}
    ${body})
  ${table.data()})`;
}

/** One instance of the kernel (own memory) with the views its glue keeps between calls. */
export interface WasmLseInstance {
  rows: (...args: number[]) => void;
  memory: WebAssembly.Memory;
  /** The first byte after the kernel's constants and exp table. */
  base: number;
  /** Views X, sqX, out, hs, Ys[·][0 … d−1], block lo, hi, hmax; null until the first call. */
  views: Float64Array[] | null;
  /** Capacities (rows, padded columns, blocks) of the current layout, and its byte offsets. */
  caps: number[];
  offsets: number[];
}

/**
 * A fresh instance of a compiled kernel (one per thread: each row-pool thread keeps its own).
 */
export function instantiateWasmLse(mod: WebAssembly.Module): WasmLseInstance {
  const ex = new WebAssembly.Instance(mod, { m: { log: Math.log } }).exports;
  return { rows: ex.rows as (...args: number[]) => void, memory: ex.memory as WebAssembly.Memory, base: (ex.base as WebAssembly.Global).value as number, views: null, caps: [0, 0, 0], offsets: [] };
}

/**
 * Rows [r0, r1) of lseRowsBlocked (size > 0, a multiple of 4: blocks of `size` columns, boxes
 * bLo, bHi [nb, d], hmax [nb]) or of lseRows for p = 2 (size = 0; bLo, bHi, hmax unused), in the
 * instance `w` of the kernel for this d. Copies the rows [r0, r1) and all columns into
 * the instance memory (O((n + m) d) per call; the columns transposed to structure-of-
 * arrays), runs it, copies out[r0, r1) back. The layout only grows, so the views are
 * made once per size.
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
  w.rows(r0, r1, nb, size > 0 ? size : ncp, ncp, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], cc, inv);
  out.set(v[2].subarray(r0, r1), r0);
}

/**
 * Compiled kernels by d, per assembler (a cache, not a switch: which kernel runs is decided
 * by the assembler a caller passes, i.e. by its accelerator).
 */
const modules = new WeakMap<WatAssembler, Map<number, WebAssembly.Module | null>>();
const instances = new WeakMap<WebAssembly.Module, WasmLseInstance>();

/** The compiled kernel for dimension d, or null: no assembler, d out of range, or no WebAssembly SIMD. */
export function wasmLseModule(d: number, assembler: WatAssembler | null | undefined): WebAssembly.Module | null {
  if (!assembler || !Number.isInteger(d) || d < 1 || d > WASM_LSE_MAX_D) return null;
  let byD = modules.get(assembler);
  if (!byD) modules.set(assembler, (byD = new Map()));
  if (!byD.has(d)) byD.set(d, compileWat(wasmLseWat(d), assembler));
  return byD.get(d) ?? null;
}

/** This thread's instance of the kernel for dimension d, or null where wasmLseModule(d, assembler) is. */
export function wasmLseInstance(d: number, assembler: WatAssembler | null | undefined): WasmLseInstance | null {
  const mod = wasmLseModule(d, assembler);
  if (!mod) return null;
  let w = instances.get(mod);
  if (!w) instances.set(mod, (w = instantiateWasmLse(mod)));
  return w;
}
