import { EXP, expNegWat } from '../core/exp.ts';
import { compileWat, type WatAssembler } from '../wasm/assembler.ts';
import { ConstantTable, whileLoop, type V128Constants } from '../wasm/wat.ts';
import { logTable, logTableHead, logTableTail, type LogLanes } from './wasm-log-table.ts';
import { denseContiguousKernel, denseStridedKernel } from './wasm-dense.ts';

/**
 * The sweeps of the separable convolution (separable-convolution.ts) as WebAssembly
 * SIMD kernels on f64x2 lanes, written as WAT text (assembled by engine/wasm/assembler.ts).
 * Every array they read is zero-padded by w cells on both sides of the axis being
 * convolved (wasm-separable.ts lays the buffers out), so one loop serves interior and
 * edge cells alike:
 *
 *     dst[c] = k_0 src[c] + Σ_{m=1..w} k_m (src[c − mS] + src[c + mS])
 *
 * S the stride of the axis. Each lane performs exactly the JavaScript loop's
 * operations in the same order (s = k_0 x; s = s + k_m (a + b), a missing neighbour
 * being +0), so both paths give the same bits. The module is specialized to the
 * grid: the strides are immediate load offsets and, for w ≤ UNROLL_MAX, the tap loop
 * is unrolled with the taps held in registers — what remains per pair of outputs is
 * the arithmetic and its loads. Where no assembler is loaded or WebAssembly SIMD is
 * missing, `wasmConvolution` returns null and the JavaScript loops run instead.
 * WebAssembly spec: SIMD (v128, f64x2, load64_splat, store64_lane).
 */

/** Half-widths up to this are unrolled (taps in locals); wider kernels are summed tap by tap (convKernel). */
const UNROLL_MAX = 16;
/** Taps per sweep of the accumulator row in the wide kernels (one load and store of it per GROUP taps). */
const GROUP = 4;

/** One axis pass: half-width and the axis stride (bytes) in the layout the pass reads. */
export interface ConvAxis {
  w: number;
  strideBytes: number;
  /**
   * The dense (banded matrix product) form of this axis's pass (wasm-dense.ts): n cells,
   * `inner` cells per row of it (1: the contiguous axis). Absent: the truncated convolution.
   */
  dense?: { n: number; inner: number };
}

const g = (x: string) => `(local.get $${x})`;
const inc = (x: string, by: string | number) => `(local.set $${x} (i32.add ${g(x)} ${typeof by === 'number' ? `(i32.const ${by})` : by}))`;
const load = (at: string, offset = 0) => `(v128.load offset=${offset} ${at})`;

/** The parameters every row kernel starts with (i32 byte addresses / byte pitches, len in cells). */
const ROW_PARAMS = '(param $src i32) (param $dst i32) (param $rows i32) (param $srcPitch i32) (param $dstPitch i32) (param $len i32)';
/** The row loop's own i32 locals: run pointers, pair pointers, end, bytes of whole pairs, scratch pointer. */
const ROW_LOCALS = ['s', 'd', 'p', 'q', 'e', 'pb', 't'].map((n) => `(local $${n} i32)`).join(' ');

/** The result pair (v128) of the source pair at local $p. */
type Work = () => string;

/**
 * A kernel split in two loops per run: `head` (source pair at $p) leaves its results in
 * the v128 locals `spill`, which go to a scratch row (param $scratch, 16·|spill| bytes per
 * pair); `tail` reloads them and leaves the result pair. The log is one long dependency
 * chain per pair: in one loop the out-of-order window holds too few pairs to hide it, in
 * two shorter loops it holds more (measured: the fused log 1.3× faster than in one loop;
 * the scratch row stays in L1).
 */
interface Split {
  spill: string[];
  head: string;
  tail: Work;
}

/**
 * The body of a row kernel: for each of `rows` runs of `len` cells (src + r·srcPitch →
 * dst + r·dstPitch), dst pairs = work(source pair). An odd last cell is computed as a pair
 * and only its low lane stored (the high lane would land on the next run or on padding,
 * which must stay zero). With `setup`, each run first fills the row at `from` (code run
 * with the run's source at $s) and the pairs are read from that row.
 */
function rowLoop(work: Work | Split, setup?: { from: string; code: string }): string {
  const from = setup ? setup.from : g('s');
  let run: string;
  if (typeof work === 'function') {
    run = `
      (local.set $p ${from}) (local.set $q ${g('d')}) (local.set $e (i32.add ${g('p')} ${g('pb')}))
      ${whileLoop('pairs', `(i32.ge_u ${g('p')} ${g('e')})`, `(v128.store ${g('q')} ${work()})
        ${inc('p', 16)} ${inc('q', 16)}`)}
      (if (i32.and ${g('len')} (i32.const 1)) (then (v128.store64_lane 0 ${g('q')} ${work()})))`;
  } else {
    const n = work.spill.length;
    const save = work.spill.map((l, j) => `(v128.store offset=${16 * j} ${g('t')} (local.get ${l}))`).join(' ');
    const reload = work.spill.map((l, j) => `(local.set ${l} ${load(g('t'), 16 * j)})`).join(' ');
    run = `
      ;; head over every pair, the odd last cell's included
      (local.set $p ${from}) (local.set $t ${g('scratch')})
      (local.set $e (i32.add ${g('p')} (i32.shl (i32.shr_u (i32.add ${g('len')} (i32.const 1)) (i32.const 1)) (i32.const 4))))
      ${whileLoop('heads', `(i32.ge_u ${g('p')} ${g('e')})`, `${work.head}
        ${save}
        ${inc('p', 16)} ${inc('t', 16 * n)}`)}
      ;; tail
      (local.set $q ${g('d')}) (local.set $t ${g('scratch')}) (local.set $e (i32.add ${g('q')} ${g('pb')}))
      ${whileLoop('tails', `(i32.ge_u ${g('q')} ${g('e')})`, `${reload}
        (v128.store ${g('q')} ${work.tail()})
        ${inc('q', 16)} ${inc('t', 16 * n)}`)}
      (if (i32.and ${g('len')} (i32.const 1)) (then ${reload} (v128.store64_lane 0 ${g('q')} ${work.tail()})))`;
  }
  return `
    (local.set $pb (i32.shl (i32.shr_u ${g('len')} (i32.const 1)) (i32.const 4))) ;; bytes of whole pairs
    (local.set $s ${g('src')}) (local.set $d ${g('dst')})
    ${whileLoop('runs', `(i32.eqz ${g('rows')})`, `${setup ? setup.code : ''}
      ${run}
      ${inc('s', g('srcPitch'))} ${inc('d', g('dstPitch'))}
      (local.set $rows (i32.sub ${g('rows')} (i32.const 1)))`)}`;
}

/** A function of the module: name, extra params, extra locals, body; the constants' locals and their loads are added. */
function func(name: string, K: V128Constants, params: string, locals: string, body: string): string {
  return `(func (export "${name}") ${params}
    ${locals} ${K.decls()}
    ${K.init()}
    ${body})`;
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
function convKernel(name: string, table: ConstantTable, { w, strideBytes: st }: ConvAxis, logAt?: number): string {
  const K = table.locals();
  const unrolled = w <= UNROLL_MAX;
  const nTaps = unrolled ? w + 1 : 1 + GROUP; // wide: k_0 and the current group of taps
  const taps = Array.from({ length: nTaps }, (_, m) => `tap${m}`);
  /** The sum of the pair at $p: unrolled, or the accumulator row's pair filled by `setup`. */
  const sum: Work = () => {
    if (!unrolled) return load(g('p'));
    let code = `(f64x2.mul ${load(g('p'), w * st)} ${g('tap0')})`;
    for (let m = 1; m <= w; m++) code = `(f64x2.add ${code} (f64x2.mul (f64x2.add ${load(g('p'), (w - m) * st)} ${load(g('p'), (w + m) * st)}) ${g(`tap${m}`)}))`;
    return code;
  };
  let setup: { from: string; code: string } | undefined;
  if (!unrolled) {
    /** One sweep over the row's pairs (C from $acc to $ce): acc[C] = body, the pointers `steps` moving along. */
    const sweep = (label: string, init: string, body: string, steps: string[]) => `
      (local.set $c ${g('acc')}) ${init}
      ${whileLoop(label, `(i32.ge_u ${g('c')} ${g('ce')})`, `(v128.store ${g('c')} ${body})
        ${['c', ...steps].map((l) => inc(l, 16)).join(' ')}`)}`;
    /** Taps m..m+n−1 (locals tap1..tapn) from one sweep of the row each, while n of them remain. */
    const group = (label: string, n: number) => {
      let body = load(g('c'));
      // Source a of tap m + j at A + (n − 1 − j)·st (A = LO − (n − 1)·st), b at B + j·st.
      for (let j = 0; j < n; j++) body = `(f64x2.add ${body} (f64x2.mul (f64x2.add ${load(g('a'), (n - 1 - j) * st)} ${load(g('b'), j * st)}) ${g(`tap${1 + j}`)}))`;
      return whileLoop(label, `(i32.lt_s (i32.sub ${g('te')} ${g('tp')}) (i32.const ${8 * n}))`, `
        ${Array.from({ length: n }, (_, j) => `(local.set $tap${1 + j} (v128.load64_splat offset=${8 * j} ${g('tp')}))`).join(' ')}
        ${sweep(`${label}_sweep`, `(local.set $a (i32.sub ${g('lo')} (i32.const ${(n - 1) * st}))) (local.set $b ${g('hi')})`, body, ['a', 'b'])}
        (local.set $lo (i32.sub ${g('lo')} (i32.const ${n * st}))) ${inc('hi', n * st)} ${inc('tp', 8 * n)}`);
    };
    setup = {
      from: g('acc'),
      code: `
      ;; ce: end of the row's pairs (the odd last cell's included)
      (local.set $ce (i32.add ${g('acc')} (i32.shl (i32.shr_u (i32.add ${g('len')} (i32.const 1)) (i32.const 1)) (i32.const 4))))
      ${sweep('centre', `(local.set $a ${g('s')})`, `(f64x2.mul ${load(g('a'), w * st)} ${g('tap0')})`, ['a'])}
      (local.set $lo (i32.add ${g('s')} (i32.const ${(w - 1) * st})))
      (local.set $hi (i32.add ${g('s')} (i32.const ${(w + 1) * st})))
      (local.set $tp (i32.add ${g('taps')} (i32.const 8)))
      ${group('groups', GROUP)} ;; while GROUP taps remain: one sweep for all of them
      ${group('singles', 1)}`,
    };
  }
  const L: LogLanes = { x: '$lx', e: '$le', r: '$lr', logc: '$lc', y2: '$ly2', y4: '$ly4', p: '$lp' };
  const work: Work | Split = logAt === undefined ? sum : {
    spill: [L.x, L.e, L.r, L.logc],
    head: `(local.set ${L.x} ${sum()}) ${logTableHead(L, K.c, logAt)}`,
    tail: () => logTableTail(L, K.c, '$shift'),
  };
  const params = logAt === undefined ? '(param $taps i32) (param $acc i32)' : '(param $taps i32) (param $shift f64) (param $scratch i32) (param $acc i32)';
  const locals = [
    ROW_LOCALS,
    unrolled ? '' : ['c', 'ce', 'a', 'b', 'lo', 'hi', 'tp', 'te'].map((n) => `(local $${n} i32)`).join(' '),
    taps.map((n) => `(local $${n} v128)`).join(' '),
    logAt === undefined ? '' : Object.values(L).map((n) => `(local ${n} v128)`).join(' '),
  ].join(' ');
  const prologue = [
    ...(unrolled ? taps : ['tap0']).map((n, m) => `(local.set $${n} (v128.load64_splat offset=${8 * m} ${g('taps')}))`),
    unrolled ? '' : `(local.set $te (i32.add ${g('taps')} (i32.const ${8 * (w + 1)})))`,
  ].join('\n    ');
  return func(name, K, `${ROW_PARAMS} ${params}`, locals, `${prologue}\n${rowLoop(work, setup)}`);
}

/**
 * logOut (extra params: shift, scratch): dst = shift + log(src), the table log of
 * wasm-log-table.ts split in two loops per run as in convLog — the last step of the plain
 * soft C-transform when axis 0's pass is dense (no log fused into it).
 */
function logKernel(table: ConstantTable, logAt: number): string {
  const K = table.locals();
  const L: LogLanes = { x: '$lx', e: '$le', r: '$lr', logc: '$lc', y2: '$ly2', y4: '$ly4', p: '$lp' };
  const work: Split = {
    spill: [L.x, L.e, L.r, L.logc],
    head: `(local.set ${L.x} ${load(g('p'))}) ${logTableHead(L, K.c, logAt)}`,
    tail: () => logTableTail(L, K.c, '$shift'),
  };
  return func('logOut', K, `${ROW_PARAMS} (param $shift f64) (param $scratch i32)`, `${ROW_LOCALS} ${Object.values(L).map((n) => `(local ${n} v128)`).join(' ')}`, rowLoop(work));
}

/** copyIn: dst = src. */
function copyKernel(table: ConstantTable): string {
  return func('copyIn', table.locals(), ROW_PARAMS, ROW_LOCALS, rowLoop(() => load(g('p'))));
}

/**
 * expIn (extra param: shift): dst = e^{src − shift} by engine/core/exp.ts's f64x2 form —
 * the bits of expShifted. One loop: the table exp's chain is short enough (the degree-13
 * polynomial it replaced ran in two loops, and ~5% slower, same-process A/B).
 */
function expKernel(table: ConstantTable, fracAt: number): string {
  const K = table.locals();
  const work: Work = () => `(local.set $x (f64x2.sub ${load(g('p'))} (f64x2.splat ${g('shift')})))
        ${expNegWat({ t: '$x', k: '$k', r: '$r', s: '$bits' }, K.c, fracAt)}`;
  return func('expIn', K, `${ROW_PARAMS} (param $shift f64)`, `${ROW_LOCALS} (local $x v128) (local $k v128) (local $r v128) (local $bits v128)`, rowLoop(work));
}

/**
 * scan(src, end, out): lane-wise max of [src, end) and min of its entries other than −∞
 * (pmax/pmin: a NaN never replaces the running value, as in the JavaScript scan),
 * stored at out (max pair) and out + 16 (min pair). end − src a multiple of 64: four
 * pairs per iteration into four running pairs, so the loop is not one chain of
 * dependent max operations.
 */
function scanKernel(table: ConstantTable): string {
  const K = table.locals();
  const { c } = K;
  const four = [0, 1, 2, 3];
  const body = four.map((i) => `
      (local.set $x ${load(g('c'), 16 * i)})
      (local.set $max${i} (f64x2.pmax ${g(`max${i}`)} ${g('x')}))
      (local.set $min${i} (f64x2.pmin ${g(`min${i}`)} (v128.bitselect ${c(Infinity)} ${g('x')} (f64x2.eq ${g('x')} ${c(-Infinity)}))))`).join('');
  return func('scan', K, '(param $src i32) (param $end i32) (param $out i32)',
    `(local $c i32) ${four.map((i) => `(local $max${i} v128) (local $min${i} v128)`).join(' ')} (local $x v128)`, `
    ${four.map((i) => `(local.set $max${i} ${c(-Infinity)}) (local.set $min${i} ${c(Infinity)})`).join(' ')}
    (local.set $c ${g('src')})
    ${whileLoop('scan', `(i32.ge_u ${g('c')} ${g('end')})`, `${body}
      ${inc('c', 64)}`)}
    (v128.store ${g('out')} (f64x2.pmax (f64x2.pmax ${g('max0')} ${g('max1')}) (f64x2.pmax ${g('max2')} ${g('max3')})))
    (v128.store offset=16 ${g('out')} (f64x2.pmin (f64x2.pmin ${g('min0')} ${g('min1')}) (f64x2.pmin ${g('min2')} ${g('min3')})))`);
}

/**
 * The module's WAT text for these axes; `shared`: it imports a shared memory ("m" "memory"),
 * which a row pool's threads share for the dense passes (wasm-dense.ts DENSE_ROWS), instead
 * of making its own.
 */
export function wasmConvolutionWat(axes: ConvAxis[], shared = false): { wat: string; reserved: number } {
  const table = new ConstantTable();
  const fracAt = table.block(EXP.FRAC);
  const logAt = table.block(logTable());
  const fns = [
    scanKernel(table),
    copyKernel(table),
    expKernel(table, fracAt),
    logKernel(table, logAt),
    ...(axes[0].dense ? [] : [convKernel('convLog', table, axes[0], logAt)]),
    ...axes.map((a, i) => {
      if (!a.dense) return convKernel(`conv${i}`, table, a);
      return a.dense.inner === 1 ? denseContiguousKernel(`dense${i}`, a.dense.n, a.w) : denseStridedKernel(`dense${i}`, a.dense.n, a.w, a.dense.inner);
    }),
  ];
  const memory = shared ? '(import "m" "memory" (memory 1 65536 shared))' : '(memory (export "memory") 1)';
  return { wat: `(module\n  ${memory}\n  ${fns.join('\n  ')}\n  ${table.data()})`, reserved: table.bytes };
}

type RowFn = (src: number, dst: number, rows: number, srcPitch: number, dstPitch: number, len: number) => void;

/** The kernels of one grid (byte addresses into `memory`; pitches in bytes, len in cells). */
export interface WasmConvolution {
  memory: WebAssembly.Memory;
  /** Bytes at the start of memory that hold the kernels' constants and tables: leave them alone. */
  reserved: number;
  /** Lane-wise max and finite min of [src, end) stored at out (4 doubles); end − src a multiple of 64. */
  scan: (src: number, end: number, out: number) => void;
  copyIn: RowFn;
  /** dst = e^{src − shift} (engine/core/exp.ts). */
  expIn: (...args: [...Parameters<RowFn>, shift: number]) => void;
  /** conv[k]: the pass along axis k (null where it is dense); src points w_k strides before the first output; accRow: 16 bytes per pair of a run. */
  conv: (((...args: [...Parameters<RowFn>, taps: number, accRow: number]) => void) | null)[];
  /** conv along axis 0 with dst = shift + log(sum): the fused last pass of the plain soft C-transform; scratch: 64 bytes per pair of a run. Absent when axis 0 is dense. */
  convLog: ((...args: [...Parameters<RowFn>, taps: number, shift: number, scratch: number, accRow: number]) => void) | null;
  /** dst = shift + log(src); scratch: 64 bytes per pair of a run. */
  logOut: (...args: [...Parameters<RowFn>, shift: number, scratch: number]) => void;
  /**
   * dense[k]: the dense pass along axis k (wasm-dense.ts), null where the axis is truncated.
   * Strided axes: (src, dst, taps, pack, i0, i1) over one block (pack: 32·n bytes of scratch);
   * the contiguous axis: (src, dst, taps, rows).
   */
  dense: (((src: number, dst: number, taps: number, a: number, b?: number, c?: number) => void) | null)[];
}

/**
 * Compiled modules by grid, with the size of their constant table; the most recently
 * made CACHE_SIZE (ε-scaling makes one per ε).
 */
const compiled = new Map<string, { mod: WebAssembly.Module; reserved: number }>();
const CACHE_SIZE = 32;

/**
 * A fresh instance of the kernels for these axes, or null without an assembler or
 * WebAssembly SIMD (or, with `shared`, where shared memories are unavailable). Without
 * `shared` it has its own memory (grown by the caller); with it, a shared memory of
 * `shared(reserved)` bytes (fixed size; null: none), made here and imported.
 */
export function wasmConvolution(axes: ConvAxis[], assembler: WatAssembler | null | undefined, shared?: (reserved: number) => number | null): WasmConvolution | null {
  if (!assembler) return null; // none given: the JavaScript loops, cached modules included
  const key = JSON.stringify(axes) + (shared ? '|shared' : '');
  let entry = compiled.get(key);
  if (entry === undefined) {
    const { wat, reserved } = wasmConvolutionWat(axes, !!shared);
    const mod = compileWat(wat, assembler);
    if (!mod) return null; // not cached while no assembler is loaded: a later load takes effect
    compiled.set(key, (entry = { mod, reserved }));
    if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  }
  let memory: WebAssembly.Memory | null = null;
  if (shared) {
    const bytes = shared(entry.reserved);
    if (bytes === null) return null;
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    } catch {
      return null; // no shared memories here (a page that is not cross-origin isolated), or too large
    }
  }
  const ex = new WebAssembly.Instance(entry.mod, memory ? { m: { memory } } : {}).exports as Record<string, unknown>;
  return {
    memory: memory ?? (ex.memory as WebAssembly.Memory),
    reserved: entry.reserved,
    scan: ex.scan as WasmConvolution['scan'],
    copyIn: ex.copyIn as RowFn,
    expIn: ex.expIn as WasmConvolution['expIn'],
    conv: axes.map((_, i) => (ex[`conv${i}`] ?? null) as WasmConvolution['conv'][number]),
    convLog: (ex.convLog ?? null) as WasmConvolution['convLog'],
    logOut: ex.logOut as WasmConvolution['logOut'],
    dense: axes.map((_, i) => (ex[`dense${i}`] ?? null) as WasmConvolution['dense'][number]),
  };
}
