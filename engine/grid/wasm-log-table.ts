import { get, op, set, simd, splat, uleb } from './wasm-encoding.ts';
import { i32const, type V128Const } from './wasm-constants.ts';
import type { Lanes } from './wasm-exp-log.ts';

/**
 * shift + log(x) on f64x2 lanes by a table (Tang's method for the logarithm, ACM TOMS
 * 16(4), 1990), for the fused last pass of the plain soft C-transform
 * (wasm-convolution.ts): no division and about half the instructions of the table-free
 * log by the series 2 atanh((m − 1)/(m + 1)) (measured 1.4× faster in the same split loop; the log
 * was the costliest sweep of that form).
 *
 * x = 2^e m, m ∈ [1, 2). With j the top BITS bits of m's mantissa, c = 1 + (j + ½)/2^BITS
 * is m with the lower bits replaced by a 1 and zeros — built from the bits, exact — so
 * m − c is exact (Sterbenz) and r = (m − c)·(1/c) has |r| ≤ 2^−(BITS+1) with a relative
 * error of two roundings. Then
 *
 *     log x = e·ln2 + log c + log1p(r),   log1p(r) = r + r²(−½ + r/3 − r²/4 + r³/5 − r⁴/6)
 *
 * (the first omitted term r⁷/7 < 3e−18). The table holds 1/c and log c for each j
 * (16 bytes a row); each lane's row is read with one v128.load (wasm has no gather) and
 * the two rows are regrouped by shuffles. Error, absolute: the rounding of log c (Math.log,
 * < 1 ulp) and of the final sums — a few 1e−16, checked against Math.log in
 * tests/grid/wasm-exp-log.test.ts.
 * Inputs are normal doubles or 0 (log 0 = −∞), as the plain form guarantees.
 */
export const LOG_TABLE_BITS = 7;

/** Rows [1/c_j, log c_j], j = 0..2^BITS − 1, as little-endian bytes. */
export function logTableBytes(): number[] {
  const n = 1 << LOG_TABLE_BITS;
  const f = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const c = 1 + (j + 0.5) / n; // exact: 1 + (2j + 1)/2^(BITS+1)
    f[2 * j] = 1 / c;
    f[2 * j + 1] = Math.log(c);
  }
  return Array.from(new Uint8Array(f.buffer));
}

const LN2_HI = 6.93147180369123816490e-1, LN2_LO = 1.90821492927058770002e-10; // fdlibm's split of ln 2
const TWO52 = 4503599627370496;
const MANTISSA = 0x000fffffffffffffn, ONE = 0x3ff0000000000000n;
const TOP = ((1n << BigInt(LOG_TABLE_BITS)) - 1n) << BigInt(52 - LOG_TABLE_BITS); // the top BITS mantissa bits
const HALF_STEP = 1n << BigInt(51 - LOG_TABLE_BITS);

const I64X2_EXTRACT = (lane: number) => [...simd(0x1d), lane];
const I64_SHR_U = 0x88, I32_WRAP_I64 = 0xa7, I32_AND = 0x71;
const SHUFFLE = (lanes: number[]) => [...simd(0x0d), ...lanes];

/**
 * From x in L.X: e (as a double) in L.K, r in L.R, log c in L.P (x stays in L.X; L.Y2
 * is scratch); `tableAt` the byte address of logTableBytes() in memory.
 */
export function logTableHead(L: Lanes, tableAt: number, k: V128Const = splat): number[] {
  const { X, K, R, P, Y2 } = L;
  // Lane `lane`'s table row: v128.load at tableAt + ((bits >> (52 − BITS)) & (2^BITS − 1))·16.
  const row = (lane: number) => [
    ...get(X), ...I64X2_EXTRACT(lane), 0x42, 52 - LOG_TABLE_BITS, I64_SHR_U, I32_WRAP_I64,
    ...i32const((1 << LOG_TABLE_BITS) - 1), I32_AND, ...i32const(4), op.shl,
    ...simd(0x00), 3, ...uleb(tableAt),
  ];
  const low = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]; // low doubles of the two rows
  const high = low.map((b) => b + 8);
  return [
    // e as a double: exponent bits | bits of 2^52, minus 2^52 + 1023.
    ...get(X), 0x41, 52, ...op.i64x2ShrU, ...k(TWO52), ...op.v128Or, ...k(TWO52 + 1023), ...op.f64x2Sub, ...set(K),
    // The rows (1/c, log c) of both lanes, regrouped: 1/c pair in Y2, log c pair in P.
    ...row(0), ...set(R), ...row(1), ...set(P),
    ...get(R), ...get(P), ...SHUFFLE(low), ...set(Y2),
    ...get(R), ...get(P), ...SHUFFLE(high), ...set(P),
    // r = (m − c)·(1/c), m − c exact.
    ...get(X), ...k(MANTISSA), ...op.v128And, ...k(ONE), ...op.v128Or,
    ...get(X), ...k(TOP), ...op.v128And, ...k(ONE | HALF_STEP), ...op.v128Or,
    ...op.f64x2Sub, ...get(Y2), ...op.f64x2Mul, ...set(R),
  ];
}

/** shift + log x from logTableHead's L.X, L.K, L.R, L.P (f64 `shift` in local `shiftLocal`), left on the stack. */
export function logTableTail(L: Lanes, shiftLocal: number, k: V128Const = splat): number[] {
  const { X, K, R, P, Y2, Y4, Y8 } = L;
  return [
    ...get(R), ...get(R), ...op.f64x2Mul, ...set(Y2),
    ...get(Y2), ...get(Y2), ...op.f64x2Mul, ...set(Y4),
    // q = (−½ + r/3) + r²(−¼ + r/5) + r⁴(−1/6) (Estrin), p = r + r² q = log1p(r).
    ...k(-0.5), ...k(1 / 3), ...get(R), ...op.f64x2Mul, ...op.f64x2Add,
    ...k(-0.25), ...k(0.2), ...get(R), ...op.f64x2Mul, ...op.f64x2Add, ...get(Y2), ...op.f64x2Mul, ...op.f64x2Add,
    ...k(-1 / 6), ...get(Y4), ...op.f64x2Mul, ...op.f64x2Add,
    ...get(Y2), ...op.f64x2Mul, ...get(R), ...op.f64x2Add, ...set(Y8),
    // shift + (e·LN2_HI + (log c + (e·LN2_LO + p))): e·LN2_HI is exact.
    ...get(shiftLocal), ...op.f64x2Splat,
    ...get(K), ...k(LN2_HI), ...op.f64x2Mul,
    ...get(P),
    ...get(K), ...k(LN2_LO), ...op.f64x2Mul, ...get(Y8), ...op.f64x2Add,
    ...op.f64x2Add, ...op.f64x2Add, ...op.f64x2Add,
    // x = 0 → −∞
    ...k(-Infinity), ...get(X), ...k(0), ...op.f64x2Ne, ...op.bitselect,
  ];
}
