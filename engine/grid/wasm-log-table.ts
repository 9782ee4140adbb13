import { EXP } from '../core/exp.ts';

/**
 * shift + log(x) on f64x2 lanes by a table (Tang's method for the logarithm, ACM TOMS
 * 16(4), 1990), for the fused last pass of the plain soft C-transform
 * (wasm-convolution.ts), as WAT text: no division and about half the instructions of the table-free
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
 * tests/engine/grid/wasm-convolution.test.ts.
 * Inputs are normal doubles or 0 (log 0 = −∞), as the plain form guarantees.
 */
export const LOG_TABLE_BITS = 7;

/** Rows [1/c_j, log c_j], j = 0..2^BITS − 1. */
export function logTable(): Float64Array {
  const n = 1 << LOG_TABLE_BITS;
  const f = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const c = 1 + (j + 0.5) / n; // exact: 1 + (2j + 1)/2^(BITS+1)
    f[2 * j] = 1 / c;
    f[2 * j + 1] = Math.log(c);
  }
  return f;
}

const TWO52 = 4503599627370496;
/** f64s with the bits of the masks (for v128.and / v128.or on constants from the f64 table). */
const bitsF64 = (b: bigint) => new Float64Array(BigUint64Array.of(b).buffer)[0];
const MANTISSA = bitsF64(0x000fffffffffffffn), ONE = bitsF64(0x3ff0000000000000n);
const TOP = bitsF64(((1n << BigInt(LOG_TABLE_BITS)) - 1n) << BigInt(52 - LOG_TABLE_BITS)); // the top BITS mantissa bits
const ONE_HALF_STEP = bitsF64(0x3ff0000000000000n | (1n << BigInt(51 - LOG_TABLE_BITS)));

/** v128 locals of one pair (names with their `$`): x in, e, r, log c out, and scratch. */
export interface LogLanes { x: string; e: string; r: string; logc: string; y2: string; y4: string; p: string }

/**
 * From x in L.x: e (as a double) in L.e, r in L.r, log c in L.logc (x stays; L.y2 is
 * scratch); `tableAt` the byte address of logTable() in memory.
 */
export function logTableHead(L: LogLanes, c: (v: number, name?: string) => string, tableAt: number): string {
  const g = (x: string) => `(local.get ${x})`;
  // Lane `lane`'s table row: v128.load at tableAt + ((bits >> (52 − BITS)) & (2^BITS − 1))·16.
  const row = (lane: number) => `(v128.load offset=${tableAt} (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (i64x2.extract_lane ${lane} ${g(L.x)}) (i64.const ${52 - LOG_TABLE_BITS}))) (i32.const ${(1 << LOG_TABLE_BITS) - 1})) (i32.const 4)))`;
  return `
    ;; e as a double: exponent bits | bits of 2^52, minus 2^52 + 1023
    (local.set ${L.e} (f64x2.sub (v128.or (i64x2.shr_u ${g(L.x)} (i32.const 52)) ${c(TWO52, '2^52')}) ${c(TWO52 + 1023, '2^52+1023')}))
    ;; the rows (1/c, log c) of both lanes, regrouped: the 1/c pair in y2, the log c pair in logc
    (local.set ${L.r} ${row(0)})
    (local.set ${L.logc} ${row(1)})
    (local.set ${L.y2} (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${g(L.r)} ${g(L.logc)}))
    (local.set ${L.logc} (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 ${g(L.r)} ${g(L.logc)}))
    ;; r = (m − c)·(1/c), m − c exact: m = x's mantissa with exponent 0, c = its top bits, then a 1
    (local.set ${L.r} (f64x2.mul
      (f64x2.sub (v128.or (v128.and ${g(L.x)} ${c(MANTISSA, 'MANTISSA')}) ${c(ONE, 'ONE')}) (v128.or (v128.and ${g(L.x)} ${c(TOP, 'TOP')}) ${c(ONE_HALF_STEP, 'ONE_HALF_STEP')}))
      ${g(L.y2)}))`;
}

/** shift + log x from logTableHead's L.x, L.e, L.r, L.logc (f64 `shift` in local `shift`), left on the stack. */
export function logTableTail(L: LogLanes, c: (v: number, name?: string) => string, shift: string): string {
  const g = (x: string) => `(local.get ${x})`;
  return `
    (local.set ${L.y2} (f64x2.mul ${g(L.r)} ${g(L.r)}))
    (local.set ${L.y4} (f64x2.mul ${g(L.y2)} ${g(L.y2)}))
    ;; q = ((−½ + r/3) + r²(−¼ + r/5)) + r⁴(−1/6) (Estrin), p = r²q + r = log1p(r)
    (local.set ${L.p} (f64x2.add
      (f64x2.mul
        (f64x2.add
          (f64x2.add (f64x2.add ${c(-0.5)} (f64x2.mul ${c(1 / 3, '1/3')} ${g(L.r)})) (f64x2.mul (f64x2.add ${c(-0.25)} (f64x2.mul ${c(0.2)} ${g(L.r)})) ${g(L.y2)}))
          (f64x2.mul ${c(-1 / 6, '-1/6')} ${g(L.y4)}))
        ${g(L.y2)})
      ${g(L.r)}))
    ;; shift + (e·LN2_HI + (log c + (e·LN2_LO + p))): e·LN2_HI is exact; x = 0 → −∞
    (v128.bitselect
      (f64x2.add (f64x2.splat ${g(shift)})
        (f64x2.add (f64x2.mul ${g(L.e)} ${c(EXP.LN2_HI, 'LN2_HI')})
          (f64x2.add ${g(L.logc)} (f64x2.add (f64x2.mul ${g(L.e)} ${c(EXP.LN2_LO, 'LN2_LO')}) ${g(L.p)}))))
      ${c(-Infinity)}
      (f64x2.ne ${g(L.x)} ${c(0)}))`;
}
