import type { RowEnv, RowKernel } from '../core/row-kernel.ts';
import { MemoryInstance, ModuleCache } from '../wasm/module-instances.ts';
import { whileLoop } from '../wasm/wat.ts';
import type { LowRankTaps } from './low-rank-taps.ts';
import { add, columnTiles, g, i32, jLoop, locals, MR, mul, NV, set, store, zero } from './wasm-tile.ts';

/**
 * The low-rank form of one axis pass of the separable Gibbs kernel (plain `apply` only), as
 * WebAssembly SIMD kernels in WAT text: with the axis's Gibbs matrix G ≈ L Lᵀ (L n×r,
 * low-rank-taps.ts), the pass Y = G X runs as two thin matrix products, 2·r multiply–adds
 * per cell instead of the dense pass's ~n (wasm-dense.ts): at ε = 0.01 on [0, 1] r ≈ 32
 * whatever n, 4× fewer terms at 256², 8× at 512².
 * - strided axis (rows of X `inner` cells apart): Z = Lᵀ X (r × inner), Y = L Z;
 * - contiguous axis (lines of n cells): Z = X L (lines × r), Y = Z Lᵀ.
 * Both use the register tile of wasm-tile.ts (MR rows × NV pairs; splats from a row-major
 * matrix, pairs from a packed panel). r is padded with zero columns to RANK_STEP (whole
 * tiles; the zero columns add +0 terms).
 *
 * Clamp: L Lᵀ b can be < 0 where the exact output is tiny (the residual's entries are
 * within ±δ). Every output is raised to b_i: (G b)_i ≥ G_ii b_i = b_i for b ≥ 0 (all terms
 * ≥ 0, k₀ = G_ii = 1), so the clamp is at a valid lower bound — it never increases the
 * error, and outputs stay > 0 where b_i > 0 (a Sinkhorn division never sees a zero there).
 *
 * Split and bits: the strided kernel takes a range of column pairs (each thread packs its
 * own panels: per column tile the X panel, n × 2·NV cells, and the Z panel, r × 2·NV, both
 * in L1), the contiguous one a range of lines (each thread its own MR × r tile of Z). Every
 * output is the same sequence of terms (j then q in order) in any tile, so a row pool's
 * split (LOW_RANK_ROWS below) gives the same bits for any thread count.
 *
 * The contiguous kernel also comes in halves (`mode`: Z = X L alone, Y = Z Lᵀ alone) for
 * WasmSeparable's reduced form, where every axis is low-rank and the other axes' passes run
 * on Z's rp-cell lines in between (2D: 4n²r + 4nr² multiply–adds instead of 8n²r).
 */

/** The padded rank is a multiple of this (whole MR-row and NV-pair tiles over r). */
export const RANK_STEP = 2 * NV; // = MR as well
if (RANK_STEP % MR) throw new Error('RANK_STEP must be whole row tiles');

/** The rank padded to RANK_STEP. */
export function paddedRank(r: number): number {
  return Math.ceil(r / RANK_STEP) * RANK_STEP;
}

/**
 * The column panels of a K×N row-major matrix B, in the contiguous kernel's tile order
 * (wasm-tile.ts columnTiles): per tile of 2·nv columns, K rows of 2·nv cells; the odd last
 * column as a pair with a zero high lane.
 */
export function packPanels(B: Float64Array, K: number, N: number): Float64Array {
  const out: number[] = [];
  let c = 0;
  for (const { nv, half, count } of columnTiles(N)) {
    for (let t = 0; t < count; t++) {
      for (let k = 0; k < K; k++) for (let x = 0; x < 2 * nv; x++) out.push(half && x > 0 ? 0 : B[k * N + c + x]);
      c += half ? 1 : 2 * nv;
    }
  }
  return Float64Array.from(out);
}

/**
 * The factor data of a low-rank axis as the kernel reads it (doubles), at two offsets:
 * strided: L (n × rp) then Lᵀ (rp × n), row-major; contiguous: L's panels (packPanels, n × rp)
 * then Lᵀ's (rp × n). rp: the padded rank.
 */
export function lowRankData(f: LowRankTaps, contiguous: boolean): { values: Float64Array; second: number; rank: number } {
  const { n, rank: r } = f;
  const rp = paddedRank(r);
  const L = new Float64Array(n * rp), Lt = new Float64Array(rp * n);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < r; q++) {
      L[i * rp + q] = f.factor[i * r + q];
      Lt[q * n + i] = f.factor[i * r + q];
    }
  }
  const [a, b] = contiguous ? [packPanels(L, n, rp), packPanels(Lt, rp, n)] : [L, Lt];
  const values = new Float64Array(a.length + b.length);
  values.set(a);
  values.set(b, a.length);
  return { values, second: a.length, rank: rp };
}

/** Bytes of one thread's scratch: the X and Z panels of the strided kernel (≥ the contiguous kernel's MR × rp tile). */
export function lowRankScratchBytes(n: number, rp: number): number {
  return 16 * NV * (n + rp);
}

/**
 * The pass along a strided axis (n cells, padded rank rp, `inner` cells per row):
 * lowrank(src, dst, L, Lt, scratch, p0, p1) writes the column pairs p0..p1 of one block,
 * Y[i, c] = max(X[i, c], Σ_q L[i, q] Σ_j Lᵀ[q, j] X[j, c]); src and dst are the block's
 * cell (0, 0), rows `inner` cells apart. Column tiles outside; per tile the X panel is packed
 * (power-of-two strides would put its lines in a few L1 sets, wasm-dense.ts), Z = Lᵀ X panel
 * computed into the scratch, then Y = L Z row tile by row tile.
 */
export function lowRankStridedKernel(name: string, n: number, rp: number, inner: number, clamp = true): string {
  const rowBytes = inner * 8;
  const fullPairs = Math.floor(inner / 2);
  const tile = (t: string, nv: number, half: boolean) => `
      ;; pack X[0..n, c..c + ${2 * nv}) at $xp
      ${set('pa', add(g('src'), g('c')))} ${set('pb', g('xp'))} ${set('pe', add(g('xp'), i32(16 * nv * n)))}
      ${whileLoop(`pack${t}`, `(i32.ge_u ${g('pb')} ${g('pe')})`, `${Array.from({ length: nv }, (_, v) => `(v128.store offset=${16 * v} ${g('pb')} (v128.load offset=${16 * v} ${g('pa')}))`).join(' ')}
        ${set('pa', add(g('pa'), i32(rowBytes)))} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}
      ;; Z panel (rp × ${2 * nv}) = Lᵀ · X panel, MR rows of Lᵀ at a time
      ${set('q', i32(0))}
      ${whileLoop(`z${t}`, `(i32.ge_u ${g('q')} ${i32(rp)})`, `
        ${set('pa', add(g('Lt'), mul(g('q'), i32(8 * n))))} ${set('pb', g('xp'))} ${set('pe', add(g('xp'), i32(16 * nv * n)))}
        ${zero(MR, nv)}
        ${jLoop(`zj${t}`, MR, nv, `(i32.ge_u ${g('pb')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${8 * n * a} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', add(g('pa'), i32(8)))} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}
        ${store(MR, nv, false, (a, v) => 16 * nv * a + 16 * v, add(g('zp'), mul(g('q'), i32(16 * nv))))}
        ${set('q', add(g('q'), i32(MR)))}`)}
      ;; Y rows = L · Z panel, clamped at X
      ${set('i', i32(0))}
      ${whileLoop(`y${t}`, `(i32.gt_s ${add(g('i'), i32(MR))} ${i32(n)})`, `${yTile(`yj${t}`, MR, nv, half)}
        ${set('i', add(g('i'), i32(MR)))}`)}
      ${whileLoop(`yr${t}`, `(i32.ge_s ${g('i')} ${i32(n)})`, `${yTile(`yrj${t}`, 1, nv, half)}
        ${set('i', add(g('i'), i32(1)))}`)}`;
  const yTile = (label: string, mr: number, nv: number, half: boolean) => `
        ${set('pa', add(g('L'), mul(g('i'), i32(8 * rp))))} ${set('pb', g('zp'))} ${set('pe', add(g('zp'), i32(16 * nv * rp)))}
        ${zero(mr, nv)}
        ${jLoop(label, mr, nv, `(i32.ge_u ${g('pb')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${8 * rp * a} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', add(g('pa'), i32(8)))} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}
        ${set('at', add(mul(g('i'), i32(rowBytes)), g('c')))}
        ${store(mr, nv, half, (a, v) => a * rowBytes + 16 * v, add(g('dst'), g('at')), clamp ? add(g('src'), g('at')) : undefined)}`;
  // Column pairs p0..p1: NV-pair tiles, then one-pair tiles, then (inner odd, p1 past the
  // whole pairs) the odd last column as a half tile.
  const e = `(select ${g('p1')} ${i32(fullPairs)} (i32.lt_s ${g('p1')} ${i32(fullPairs)}))`;
  return `(func (export "${name}") (param $src i32) (param $dst i32) (param $L i32) (param $Lt i32) (param $scratch i32) (param $p0 i32) (param $p1 i32)
    ${locals(['p', 'e', 'c', 'q', 'i', 'at', 'xp', 'zp', 'pa', 'pb', 'pe'])}
    ${set('xp', g('scratch'))} ${set('zp', add(g('scratch'), i32(16 * NV * n)))}
    ${set('p', g('p0'))} ${set('e', e)}
    ${whileLoop('full', `(i32.gt_s ${add(g('p'), i32(NV))} ${g('e')})`, `${set('c', `(i32.shl ${g('p')} ${i32(4)})`)}${tile('f', NV, false)}
      ${set('p', add(g('p'), i32(NV)))}`)}
    ${whileLoop('one', `(i32.ge_s ${g('p')} ${g('e')})`, `${set('c', `(i32.shl ${g('p')} ${i32(4)})`)}${tile('o', 1, false)}
      ${set('p', add(g('p'), i32(1)))}`)}
    ${inner % 2 ? `(if (i32.gt_s ${g('p1')} ${i32(fullPairs)}) (then ${set('c', i32(16 * fullPairs))}${tile('h', 1, true)}))` : ''})`;
}

/**
 * The pass along the contiguous axis (n cells, padded rank rp): lowrank(src, dst, Lp, Ltp,
 * aux, rows) over `rows` lines, Z[l, q] = Σ_j X[l, j] L[j, q], Y[l, i] = max(X[l, i],
 * Σ_q Z[l, q] L[i, q]); Lp and Ltp are L's and Lᵀ's panels (packPanels). `mode`:
 * - 'full': src = X, dst = Y (lines n cells apart); per tile of MR lines (then single lines)
 *   its Z tile (MR × rp) in the scratch `aux`, then its Y lines;
 * - 'reduce': the first half, src = X, dst = Z (lines rp cells apart);
 * - 'expand': the second half, src = Z, dst = Y, aux = X (the clamp's lower bound).
 */
export function lowRankContiguousKernel(name: string, n: number, rp: number, mode: 'full' | 'reduce' | 'expand' = 'full'): string {
  const rowBytes = n * 8;
  const [srcLine, dstLine] = [mode === 'expand' ? rp * 8 : rowBytes, mode === 'reduce' ? rp * 8 : rowBytes];
  const zTile = mode === 'reduce' ? 'pd' : mode === 'expand' ? 'ps' : 'aux'; // where the Z tile lies (lines rp cells apart)
  const floor = mode === 'expand' ? 'px' : 'ps';
  const group = (p: string, mr: number) => {
    // Z tile: rp / (2·NV) column tiles of L's panels, each a sum over the n cells of the lines.
    const z = `
      ${set('pt', g('Lp'))} ${set('q', i32(0))}
      ${whileLoop(`${p}z`, `(i32.ge_u ${g('q')} ${i32(rp * 8)})`, `
        ${set('pa', g('ps'))} ${set('pe', add(g('ps'), i32(rowBytes)))} ${set('pb', g('pt'))}
        ${zero(mr, NV)}
        ${jLoop(`${p}zj`, mr, NV, `(i32.ge_u ${g('pa')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${a * rowBytes} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', add(g('pa'), i32(8)))} ${set('pb', add(g('pb'), i32(16 * NV)))}`)}
        ${store(mr, NV, false, (a, v) => a * rp * 8 + 16 * v, add(g(zTile), g('q')))}
        ${set('pt', add(g('pt'), i32(16 * NV * n)))} ${set('q', add(g('q'), i32(16 * NV)))}`)}`;
    // Y lines: the column tiles of Lᵀ's panels, each a sum over the rp columns of the Z tile.
    const y = columnTiles(n).map(({ nv, half, count }, t) => `
      ${set('k', i32(count))}
      ${whileLoop(`${p}y${t}`, `(i32.eqz ${g('k')})`, `
        ${set('pa', g(zTile))} ${set('pe', add(g(zTile), i32(rp * 8)))} ${set('pb', g('pt'))}
        ${zero(mr, nv)}
        ${jLoop(`${p}yj${t}`, mr, nv, `(i32.ge_u ${g('pa')} ${g('pe')})`,
          (a) => `(v128.load64_splat offset=${a * rp * 8} ${g('pa')})`,
          (v) => `(v128.load offset=${16 * v} ${g('pb')})`,
          `${set('pa', add(g('pa'), i32(8)))} ${set('pb', add(g('pb'), i32(16 * nv)))}`)}
        ${store(mr, nv, half, (a, v) => a * rowBytes + 16 * v, add(g('pd'), g('i')), add(g(floor), g('i')))}
        ${set('pt', add(g('pt'), i32(16 * nv * rp)))} ${set('i', add(g('i'), i32(half ? 8 : 16 * nv)))}
        ${set('k', `(i32.sub ${g('k')} ${i32(1)})`)}`)}`).join('');
    return `${mode === 'expand' ? '' : z}
      ${mode === 'reduce' ? '' : `${set('pt', g('Ltp'))} ${set('i', i32(0))}${y}`}`;
  };
  const step = (mr: number) => `${set('ps', add(g('ps'), i32(mr * srcLine)))} ${set('pd', add(g('pd'), i32(mr * dstLine)))} ${set('px', add(g('px'), i32(mr * rowBytes)))}`;
  return `(func (export "${name}") (param $src i32) (param $dst i32) (param $Lp i32) (param $Ltp i32) (param $aux i32) (param $rows i32)
    ${locals(['r', 'k', 'q', 'i', 'ps', 'pd', 'px', 'pt', 'pa', 'pb', 'pe'])}
    ${set('ps', g('src'))} ${set('pd', g('dst'))} ${set('px', g('aux'))} ${set('r', g('rows'))}
    ${whileLoop('tiles', `(i32.lt_s ${g('r')} ${i32(MR)})`, `${group('m', MR)}
      ${step(MR)}
      ${set('r', `(i32.sub ${g('r')} ${i32(MR)})`)}`)}
    ${whileLoop('single', `(i32.eqz ${g('r')})`, `${group('s', 1)}
      ${step(1)}
      ${set('r', `(i32.sub ${g('r')} ${i32(1)})`)}`)})`;
}

/** The module of one low-rank pass over an imported memory (shared: a row pool's); mode: LowRankArgs.mode. */
export function lowRankModuleWat(n: number, rp: number, inner: number, shared: boolean, mode: LowRankMode = 0, clamp = true): string {
  const fn = inner === 1 ? lowRankContiguousKernel('lowrank', n, rp, MODES[mode]) : lowRankStridedKernel('lowrank', n, rp, inner, clamp);
  return `(module\n  (import "m" "memory" ${shared ? '(memory 1 65536 shared)' : '(memory 1)'})\n  ${fn})`;
}

const modules = new ModuleCache();

/** The compiled module of lowRankModuleWat for this assembler (cached), or null. */
export function lowRankModule(assembler: RowEnv['assembler'], n: number, rp: number, inner: number, shared: boolean, mode: LowRankMode = 0, clamp = true): WebAssembly.Module | null {
  return modules.get(assembler, `${n}|${rp}|${inner}|${shared}|${mode}|${clamp}`, () => lowRankModuleWat(n, rp, inner, shared, mode, clamp));
}

/** LowRankArgs.mode: 0 the whole pass, 1 its first half (Z = X L), 2 its second half (Y = Z Lᵀ, clamped at `floor`). */
export type LowRankMode = 0 | 1 | 2;
const MODES = ['full', 'reduce', 'expand'] as const;

/**
 * One low-rank pass as a row-pool call (engine/core/row-kernel.ts), or run by the calling
 * thread (`create(env)(args, 0, rows)`) on the grid's own memory. The pool's rows:
 * - strided axis (inner > 1): the column pairs ⌈inner/2⌉ of each block, block after block;
 * - contiguous axis (inner = 1): `lines` lines per block, `lineBytes` apart.
 * `blocks` holds each block's [src, dst] byte addresses; `first`/`second` the factor data
 * (lowRankData); each thread's scratch at scratch + thread·scratchBytes.
 * The contiguous axis's halves (`mode` 1, 2: WasmSeparable's reduced form) have Z lines of
 * rp cells; the expand half clamps at X from `floor`. `clamp` false: a strided pass on Z
 * (no lower bound there: the reduced form clamps once, at the end).
 */
export type LowRankArgs = {
  memory: WebAssembly.Memory;
  /** Distinguishes memories: a thread keeps the instance of the last one it ran on. */
  memoryId: number;
  shared: boolean;
  mode: LowRankMode;
  clamp: boolean;
  floor: number;
  n: number;
  rank: number;
  inner: number;
  lines: number;
  lineBytes: number;
  blocks: Int32Array;
  first: number;
  second: number;
  scratch: number;
  scratchBytes: number;
};

/** Rows of a LowRankArgs call: column pairs of every block (strided) or lines of every block (contiguous). */
export function lowRankRows(a: Pick<LowRankArgs, 'inner' | 'lines' | 'blocks'>): number {
  return (a.blocks.length / 2) * (a.inner === 1 ? a.lines : Math.ceil(a.inner / 2));
}

type LowRankFn = (src: number, dst: number, first: number, second: number, scratch: number, a: number, b?: number) => void;

/** The rows of one low-rank axis pass (wasm-low-rank.ts), split over the row pool's threads. */
export const LOW_RANK_ROWS: RowKernel<LowRankArgs> = {
  name: 'grid-low-rank',
  outputs: [],
  create(env) {
    const instance = new MemoryInstance();
    const thread = env.thread ?? 0;
    return (a, r0, r1) => {
      const key = `${a.n}|${a.rank}|${a.inner}|${a.shared}|${a.mode}|${a.clamp}`;
      const fn = instance.exports(a.memory, a.memoryId, key, () => lowRankModule(env.assembler, a.n, a.rank, a.inner, a.shared, a.mode, a.clamp), 'the low-rank grid pass').lowrank as LowRankFn;
      const scratch = a.scratch + thread * a.scratchBytes;
      const per = a.inner === 1 ? a.lines : Math.ceil(a.inner / 2);
      for (let r = r0; r < r1; ) {
        const b = Math.floor(r / per);
        const l0 = r - b * per;
        const l1 = Math.min(per, r1 - b * per);
        const src = a.blocks[2 * b], dst = a.blocks[2 * b + 1];
        if (a.inner === 1) {
          const [srcLine, dstLine] = [a.mode === 2 ? 8 * a.rank : a.lineBytes, a.mode === 1 ? 8 * a.rank : a.lineBytes];
          fn(src + l0 * srcLine, dst + l0 * dstLine, a.first, a.second, a.mode === 2 ? a.floor + l0 * a.lineBytes : scratch, l1 - l0);
        }
        else fn(src, dst, a.first, a.second, scratch, l0, l1);
        r += l1 - l0;
      }
    };
  },
  prepare: (env, a) => void lowRankModule(env.assembler, a.n, a.rank, a.inner, a.shared, a.mode, a.clamp),
};
