import { whileLoop } from '../wasm/wat.ts';

/**
 * The register tile of the SIMD matrix products of the grid passes (wasm-dense.ts: the banded
 * Toeplitz product; wasm-low-rank.ts: the low-rank factor products): MR output rows × NV
 * pairs of columns in v128 accumulators, fed per summed index by MR splats and NV pair loads.
 */

/**
 * Accumulator tile: MR output rows × NV pairs of output columns (8 v128 accumulators, 2 pair
 * loads, 1 splat live: 11 of the 16 xmm registers V8 has on x64). Measured per pass (min of
 * 20, 2-core AMD EPYC under load ~9): 4 × 2 pairs 23–24 GF/s at 128² and 256², 4 × 3 and
 * 6 × 2 ~14 GF/s (spills), and the j loop unrolled by two ~14 GF/s too; 24 GF/s is about the
 * machine's f64x2 peak without fused multiply–add (two multiplies and two adds per cycle).
 */
export const MR = 4;
export const NV = 2;

export const g = (x: string) => `(local.get $${x})`;
export const set = (x: string, v: string) => `(local.set $${x} ${v})`;
export const i32 = (v: number) => `(i32.const ${v})`;
export const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
export const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
export const max0 = (x: string) => `(select ${x} ${i32(0)} (i32.gt_s ${x} ${i32(0)}))`;
export const minN = (x: string, n: number) => `(select ${x} ${i32(n)} (i32.lt_s ${x} ${i32(n)}))`;

const accName = (a: number, v: number) => `acc${a}_${v}`;

/** Zeroes the accumulators of a mr × nv tile. */
export function zero(mr: number, nv: number): string {
  const out: string[] = [];
  for (let a = 0; a < mr; a++) for (let v = 0; v < nv; v++) out.push(set(accName(a, v), '(v128.const i64x2 0 0)'));
  return out.join(' ');
}

/**
 * The j loop of a tile: while $pb (or $pa) has not reached $pe, acc[a][v] += splat(a) · pair(v);
 * `splat(a)` and `pair(v)` are the loads, `steps` the pointer updates.
 */
export function jLoop(label: string, mr: number, nv: number, until: string, splat: (a: number) => string, pair: (v: number) => string, steps: string): string {
  const body: string[] = [];
  for (let v = 0; v < nv; v++) body.push(set(`b${v}`, pair(v)));
  for (let a = 0; a < mr; a++) {
    body.push(set('s', splat(a)));
    for (let v = 0; v < nv; v++) body.push(set(accName(a, v), `(f64x2.add ${g(accName(a, v))} (f64x2.mul ${g('s')} ${g(`b${v}`)}))`));
  }
  return whileLoop(label, until, `${body.join('\n      ')}\n      ${steps}`);
}

/**
 * Stores a tile: row a's pair v at `at` + offset(a, v); `half`: only the low lane (the odd
 * last column). `floor`: each value is first raised to the pair at `floor` + the same offset
 * (f64x2.max: the low-rank pass's clamp at a lower bound, wasm-low-rank.ts).
 */
export function store(mr: number, nv: number, half: boolean, offset: (a: number, v: number) => number, at: string, floor?: string): string {
  const out: string[] = [];
  for (let a = 0; a < mr; a++) {
    for (let v = 0; v < nv; v++) {
      const o = `offset=${offset(a, v)}`;
      const x = floor ? `(f64x2.max ${g(accName(a, v))} (v128.load ${o} ${floor}))` : g(accName(a, v));
      out.push(half ? `(v128.store64_lane ${o} 0 ${at} ${x})` : `(v128.store ${o} ${at} ${x})`);
    }
  }
  return out.join(' ');
}

/** Column tiles of a pass over `cols` cells: [pairs per tile, half, count], NV pairs first. */
export function columnTiles(cols: number): { nv: number; half: boolean; count: number }[] {
  const pairs = Math.floor(cols / 2);
  const out = [{ nv: NV, half: false, count: Math.floor(pairs / NV) }, { nv: 1, half: false, count: pairs % NV }];
  if (cols % 2) out.push({ nv: 1, half: true, count: 1 });
  return out.filter((t) => t.count > 0);
}

export function locals(extra: string[]): string {
  const accs: string[] = [];
  for (let a = 0; a < MR; a++) for (let v = 0; v < NV; v++) accs.push(`(local $${accName(a, v)} v128)`);
  return [
    ...extra.map((n) => `(local $${n} i32)`),
    ...accs,
    ...Array.from({ length: NV }, (_, v) => `(local $b${v} v128)`),
    '(local $s v128)',
  ].join(' ');
}

