import type { RowEnv, RowKernel } from '../core/row-kernel.ts';
import { MemoryInstance, ModuleCache } from '../wasm/module-instances.ts';
import { whileLoop } from '../wasm/wat.ts';
import { add, columnTiles, g, i32, jLoop, locals, max0, minN, MR, mul, NV, set, store, zero } from './wasm-tile.ts';

export { MR, NV };

/**
 * The dense (banded matrix) form of one axis pass of the separable Gibbs convolution, as
 * WebAssembly SIMD kernels in WAT text: for a wide kernel (ε = 0.01 on [0, 1]: half-width
 * ~0.74 of the axis) the pass is a matrix product Y = K X with the n×n symmetric Toeplitz
 * matrix K_ij = k_|i−j| (zero beyond the truncation w), and a register-blocked product
 * reads each source value once per tile of outputs instead of once per output — what BLAS
 * does for numpy's dense iteration (K B Kᵀ), here on f64x2 lanes.
 *
 * K is never formed: its entries are read from the symmetric tap vector T, T[C + m] =
 * k_|m| for |m| ≤ w and 0 beyond (up to |m| = n + 3), 8·(2n + 8) bytes at most, which
 * stays in L1 with the source panel of a tile. Each tile sums over the band j ∈ [i − w,
 * i + rows + w) ∩ [0, n) of its outputs: entries outside the band are zeros of T and add
 * +0, so the result is the truncated kernel's (the same operator), summed in another
 * order: every term is ≥ 0, so each output differs from the truncated pass by a relative
 * round-off ≤ (2w + 1)·2⁻⁵² (tests/engine/grid/wasm-dense.test.ts).
 *
 * Micro-kernel: a tile of MR output rows × NV pairs of columns held in MR·NV v128
 * accumulators; per source index j, MR splat loads of K (or of X), NV pair loads of X (or
 * of K), MR·NV multiplies and adds. Where MR rows or NV pairs do not remain, tiles of one
 * row / one pair run, and an odd last column is computed as a pair with its low lane
 * stored (the high lane reads the next cell, a finite value or the buffers' spare pair).
 *
 * Both kernels take a range of output rows (strided: rows i0..i1 of the axis; contiguous:
 * `rows` lines from the given addresses), so a row pool splits one pass over threads
 * sharing the grid's memory: DENSE_ROWS below, a module of the one dense kernel importing
 * the grid's shared memory, each thread with its own `pack` panel (RowEnv.thread).
 * Each output is the same sequence of terms whatever its tile (a one-row tile sums the
 * same nonzero terms in the same j order; only +0 terms of the band differ), so results
 * have the same bits for any split and thread count.
 */

/** Padding of the tap vector beyond ±(n − 1): tiles read up to 3 entries past the band's outputs. */
export const TAP_PAD = 4;

/** The symmetric tap vector of an axis of n cells: T[C + m] = taps[|m|] (0 beyond w), C = n − 1 + TAP_PAD. */
export function denseTaps(n: number, taps: Float64Array): { values: Float64Array; centre: number } {
  const C = n - 1 + TAP_PAD;
  const values = new Float64Array(2 * C + 1);
  for (let m = 0; m < taps.length; m++) values[C + m] = values[C - m] = taps[m];
  return { values, centre: C };
}

/**
 * The pass along a strided axis (n cells, `inner` cells per row of it, half-width w):
 * dense(src, dst, taps, pack, i0, i1) writes output rows i0..i1 of one block, Y[i, c] =
 * Σ_j K_ij X[j, c], c < inner; src and dst are the block's cell (0, 0), rows `inner`
 * cells apart; taps the byte address of T[C]; pack a scratch panel of 32·NV·n bytes (one
 * per thread). Column tiles outside, row tiles inside: the tile's column panel of X
 * (n × 2·NV cells), packed, stays in L1 across the rows.
 */
export function denseStridedKernel(name: string, n: number, w: number, inner: number): string {
  const rowBytes = inner * 8;
  const tile = (label: string, mr: number, nv: number, half: boolean) => `
        ${set('jlo', max0(`(i32.sub ${g('i')} ${i32(w)})`))}
        ${set('jhi', minN(add(g('i'), i32(mr + w)), n))}
        ${set('pa', add(g('taps'), `(i32.shl (i32.sub ${g('i')} ${g('jlo')}) ${i32(3)})`))}
        ${set('pb', add(g('pack'), mul(g('jlo'), i32(16 * nv))))}
        ${set('pe', add(g('pack'), mul(g('jhi'), i32(16 * nv))))}
        ${zero(mr, nv)}
        ${jLoop(label, mr, nv, `(i32.ge_u ${g('pb')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${8 * a} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', `(i32.sub ${g('pa')} ${i32(8)})`)} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}
        ${store(mr, nv, half, (a, v) => a * rowBytes + 16 * v, add(g('dst'), add(mul(g('i'), i32(rowBytes)), g('c'))))}`;
  // The panel X[0..n, c..c + 2nv) packed contiguously: rows of a strided axis are `inner`
  // cells apart, and at power-of-two strides the panel's lines would share a few L1 sets.
  const pack = (label: string, nv: number) => `
      ${set('pa', add(g('src'), g('c')))} ${set('pb', g('pack'))} ${set('pe', add(g('pack'), i32(16 * nv * n)))}
      ${whileLoop(label, `(i32.ge_u ${g('pb')} ${g('pe')})`, `${Array.from({ length: nv }, (_, v) => `(v128.store offset=${16 * v} ${g('pb')} (v128.load offset=${16 * v} ${g('pa')}))`).join(' ')}
        ${set('pa', add(g('pa'), i32(rowBytes)))} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}`;
  const body = columnTiles(inner).map(({ nv, half, count }, t) => `
    ;; ${count} column tile(s) of ${half ? 'one cell' : `${2 * nv} cells`}
    ${set('k', i32(count))}
    ${whileLoop(`cols${t}`, `(i32.eqz ${g('k')})`, `${pack(`pack${t}`, nv)}
      ${set('i', g('i0'))}
      ${whileLoop(`rows${t}`, `(i32.gt_s (i32.add ${g('i')} ${i32(MR)}) ${g('i1')})`, `${tile(`j${t}m`, MR, nv, half)}
        ${set('i', add(g('i'), i32(MR)))}`)}
      ${whileLoop(`rest${t}`, `(i32.ge_s ${g('i')} ${g('i1')})`, `${tile(`j${t}r`, 1, nv, half)}
        ${set('i', add(g('i'), i32(1)))}`)}
      ${set('c', add(g('c'), i32(16 * nv)))}
      ${set('k', `(i32.sub ${g('k')} ${i32(1)})`)}`)}`).join('');
  return `(func (export "${name}") (param $src i32) (param $dst i32) (param $taps i32) (param $pack i32) (param $i0 i32) (param $i1 i32)
    ${locals(['i', 'c', 'k', 'jlo', 'jhi', 'pa', 'pb', 'pe'])}
    ${set('c', i32(0))}
    ${body})`;
}

/**
 * The pass along the contiguous axis (n cells, half-width w): dense(src, dst, taps, rows)
 * writes `rows` lines, Y[r, i] = Σ_j X[r, j] K_ji, lines n cells apart in src and dst;
 * taps the byte address of T[C]. Row tiles outside, column tiles inside: the MR source
 * lines stay in L1 across the columns.
 */
export function denseContiguousKernel(name: string, n: number, w: number): string {
  const rowBytes = n * 8;
  const tile = (label: string, mr: number, nv: number, half: boolean) => `
        ${set('jlo', max0(`(i32.sub ${g('i')} ${i32(w)})`))}
        ${set('jhi', minN(add(g('i'), i32((half ? 1 : 2 * nv) + w)), n))}
        ${set('pa', add(g('ps'), `(i32.shl ${g('jlo')} ${i32(3)})`))}
        ${set('pe', add(g('ps'), `(i32.shl ${g('jhi')} ${i32(3)})`))}
        ${set('pb', add(g('taps'), `(i32.shl (i32.sub ${g('i')} ${g('jlo')}) ${i32(3)})`))}
        ${zero(mr, nv)}
        ${jLoop(label, mr, nv, `(i32.ge_u ${g('pa')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${a * rowBytes} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', add(g('pa'), i32(8)))} ${set('pb', `(i32.sub ${g('pb')} ${i32(8)})`)}`)}
        ${store(mr, nv, half, (a, v) => a * rowBytes + 16 * v, add(g('pd'), `(i32.shl ${g('i')} ${i32(3)})`))}`;
  const lines = (mr: number, prefix: string) => columnTiles(n).map(({ nv, half, count }, t) => `
        ${set('k', i32(count))}
        ${whileLoop(`${prefix}cols${t}`, `(i32.eqz ${g('k')})`, `${tile(`${prefix}j${t}`, mr, nv, half)}
          ${set('i', add(g('i'), i32(half ? 1 : 2 * nv)))}
          ${set('k', `(i32.sub ${g('k')} ${i32(1)})`)}`)}`).join('');
  return `(func (export "${name}") (param $src i32) (param $dst i32) (param $taps i32) (param $rows i32)
    ${locals(['i', 'k', 'r', 'ps', 'pd', 'jlo', 'jhi', 'pa', 'pb', 'pe'])}
    ${set('ps', g('src'))} ${set('pd', g('dst'))} ${set('r', g('rows'))}
    ${whileLoop('tiles', `(i32.lt_s ${g('r')} ${i32(MR)})`, `
      ${set('i', i32(0))} ${lines(MR, 'm')}
      ${set('ps', add(g('ps'), i32(MR * rowBytes)))} ${set('pd', add(g('pd'), i32(MR * rowBytes)))}
      ${set('r', `(i32.sub ${g('r')} ${i32(MR)})`)}`)}
    ${whileLoop('single', `(i32.eqz ${g('r')})`, `
      ${set('i', i32(0))} ${lines(1, 's')}
      ${set('ps', add(g('ps'), i32(rowBytes)))} ${set('pd', add(g('pd'), i32(rowBytes)))}
      ${set('r', `(i32.sub ${g('r')} ${i32(1)})`)}`)})`;
}

/**
 * The module of one dense pass over an imported shared memory (what a row pool's threads
 * instantiate): `dense`, and with `next` (the 2D plane, both axes dense) `dense1`, the
 * contiguous axis's pass of next.n cells, half-width next.w.
 */
export function denseModuleWat(n: number, w: number, inner: number, next?: { n: number; w: number }): string {
  const fn = inner === 1 ? denseContiguousKernel('dense', n, w) : denseStridedKernel('dense', n, w, inner);
  const fn1 = next ? denseContiguousKernel('dense1', next.n, next.w) : '';
  return `(module\n  (import "m" "memory" (memory 1 65536 shared))\n  ${fn}\n  ${fn1})`;
}

const denseModules = new ModuleCache();

/** The compiled module of denseModuleWat(n, w, inner, next) for this assembler (cached), or null. */
export function denseModule(assembler: RowEnv['assembler'], n: number, w: number, inner: number, next?: { n: number; w: number }): WebAssembly.Module | null {
  return denseModules.get(assembler, `${n}|${w}|${inner}|${next ? `${next.n}|${next.w}` : ''}`, () => denseModuleWat(n, w, inner, next));
}

/**
 * One dense pass as a row-pool call (engine/core/row-kernel.ts). The pool's rows are the
 * pass's output rows, block after block: row r is line r mod `lines` of block ⌊r / lines⌋.
 * - strided axis (inner > 1): `lines` = n, a block is one index of the axes before it;
 *   each thread packs its panels at pack + thread·packBytes;
 * - contiguous axis (inner = 1): `lines` lines per block, `lineBytes` apart.
 * `blocks` holds each block's [src, dst] byte addresses; `taps` is the address of T[C].
 *
 * The 2D plane (`next` > 0: both axes dense, one block): rows i ∈ [r0, r1) of axis 0's pass
 * (n × inner, into dst), then the same lines of axis 1's pass (next = its n, nextW its
 * half-width, nextTaps its T[C]) from dst into nextDst. Output row i of the plane needs
 * only row i of the first pass, so a whole application K u is one pool call (one barrier,
 * not two), the axes in the order 0 then 1 (WasmSeparable does the same without a pool).
 */
export type DenseArgs = {
  memory: WebAssembly.Memory;
  /** Distinguishes memories: a thread keeps the instance of the last one it ran on. */
  memoryId: number;
  n: number;
  w: number;
  inner: number;
  lines: number;
  lineBytes: number;
  blocks: Int32Array;
  taps: number;
  pack: number;
  packBytes: number;
  next: number;
  nextW: number;
  nextTaps: number;
  nextDst: number;
};

type DenseFn = (src: number, dst: number, taps: number, a: number, b?: number, c?: number) => void;

/** The output rows of one dense axis pass (wasm-dense.ts), split over the row pool's threads. */
export const DENSE_ROWS: RowKernel<DenseArgs> = {
  name: 'grid-dense',
  outputs: [],
  create(env) {
    const instance = new MemoryInstance();
    const thread = env.thread ?? 0;
    return (a, r0, r1) => {
      const next = a.next > 0 ? { n: a.next, w: a.nextW } : undefined;
      const ex = instance.exports(a.memory, a.memoryId, `${a.n}|${a.w}|${a.inner}|${a.next}|${a.nextW}`, () => denseModule(env.assembler, a.n, a.w, a.inner, next), 'the dense grid pass');
      const dense = ex.dense as DenseFn;
      const dense1 = (ex.dense1 ?? null) as DenseFn | null;
      const pack = a.pack + thread * a.packBytes;
      if (next) {
        const src = a.blocks[0], mid = a.blocks[1];
        dense(src, mid, a.taps, pack, r0, r1);
        dense1!(mid + r0 * a.lineBytes, a.nextDst + r0 * a.lineBytes, a.nextTaps, r1 - r0);
        return;
      }
      for (let r = r0; r < r1; ) {
        const b = Math.floor(r / a.lines);
        const l0 = r - b * a.lines;
        const l1 = Math.min(a.lines, r1 - b * a.lines);
        const src = a.blocks[2 * b], dst = a.blocks[2 * b + 1];
        if (a.inner === 1) dense(src + l0 * a.lineBytes, dst + l0 * a.lineBytes, a.taps, l1 - l0);
        else dense(src, dst, a.taps, pack, l0, l1);
        r += l1 - l0;
      }
    };
  },
  prepare: (env, a) => void denseModule(env.assembler, a.n, a.w, a.inner, a.next > 0 ? { n: a.next, w: a.nextW } : undefined),
};
