/**
 * The exponential of wgflow's hot loops, in one place: one set of constants, one scalar
 * JavaScript form, and the generators that write the same algorithm as WebAssembly text
 * (f64x2 lanes) and — in float32 — as gpu.js source.
 *
 * Tang's table method (P. T. P. Tang, ACM TOMS 15(2), 1989), for arguments t ≤ 0:
 *
 *     k = round(−t·64/ln2),   r = t + k·(ln2/64)            (|r| ≤ ln2/128 ≈ 0.0054)
 *     e^t = 2^{−⌊k/64⌋} · 2^{−(k mod 64)/64} · P5(r)
 *
 * with P5 the degree-5 Taylor polynomial by Horner (truncation r⁶/720 < 3.5e−17). k is
 * rounded by the 1.5·2^52 trick (adding and subtracting it rounds to an integer, and
 * leaves k in the low mantissa bits, where the WebAssembly form reads it); ln2/64 is
 * fdlibm's split of ln 2 over 64 — a head with 32 trailing zero bits, so k·STEP_HI is
 * exact, and a tail (Cody–Waite). 2^{−(k mod 64)/64} comes from a 64-entry table, and
 * 2^{−⌊k/64⌋} from a table of powers of two in JavaScript and from the exponent bits in
 * WebAssembly: both exact, so the two forms give the same bits. Within 3 ulp of Math.exp
 * on [EXP_FLOOR, 0] (tests/engine/core/exp.test.ts).
 *
 * Floors — one convention: the floor is the smallest argument whose exponential is
 * computed; below it e^t is taken as 0.
 *   EXP_FLOOR = −708: e^{−708} ≈ 3.3e−308 is the last normal double.
 *   LSE_FLOOR = −45: log-sum-exp loops skip terms below max + LSE_FLOOR (each < 2.9e−20
 *     of the largest term).
 *   F32_EXP_FLOOR = −37: the float32 gpu.js form (e^{−37} ≈ 8.5e−17, far below float32's
 *     resolution; the particle blob loops cut at the same place).
 */

/** The constants and tables of the method, and the JavaScript form over them. */
export interface ExpMethod {
  /** fdlibm's ln 2 = LN2_HI + LN2_LO; LN2_HI has 32 trailing zero bits. */
  LN2_HI: number;
  LN2_LO: number;
  /** 64/ln 2: t·K_SCALE = −k up to rounding. */
  K_SCALE: number;
  /** ln2/64 = STEP_HI + STEP_LO (divisions by 64 are exact). */
  STEP_HI: number;
  STEP_LO: number;
  /** 1.5·2^52: (ROUND + x) − ROUND is x rounded to an integer, for |x| < 2^51. */
  ROUND: number;
  /** 2^{−j/64}, j = 0..63. */
  FRAC: Float64Array;
  /** 2^{−q}, q = 0..1023 (exact powers of two). */
  OCT: Float64Array;
  /** The floors (see above). */
  EXP_FLOOR: number;
  LSE_FLOOR: number;
  F32_EXP_FLOOR: number;
  /** e^t for EXP_FLOOR ≤ t ≤ 0; 0 below EXP_FLOOR and for −∞ (and NaN). */
  expNeg(t: number): number;
}

/**
 * Builds the method (its tables are made here: EXP below is the one instance).
 */
export function makeExpMethod(): ExpMethod {
  const LN2_HI = 6.93147180369123816490e-1, LN2_LO = 1.90821492927058770002e-10;
  const K_SCALE = 64 / Math.LN2, STEP_HI = LN2_HI / 64, STEP_LO = LN2_LO / 64, ROUND = 6755399441055744;
  const FRAC = new Float64Array(64);
  for (let j = 0; j < 64; j++) FRAC[j] = Math.pow(2, -j / 64);
  const OCT = new Float64Array(1024);
  for (let q = 0; q < 1024; q++) OCT[q] = Math.pow(2, -q);
  const EXP_FLOOR = -708, LSE_FLOOR = -45, F32_EXP_FLOOR = -37;
  const expNeg = (t: number): number => {
    if (!(t >= EXP_FLOOR)) return 0;
    const k = ROUND - t * K_SCALE - ROUND;
    const r = t + k * STEP_HI + k * STEP_LO;
    const ki = k | 0;
    return OCT[ki >> 6] * FRAC[ki & 63] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))))));
  };
  return { LN2_HI, LN2_LO, K_SCALE, STEP_HI, STEP_LO, ROUND, FRAC, OCT, EXP_FLOOR, LSE_FLOOR, F32_EXP_FLOOR, expNeg };
}

export const EXP: ExpMethod = makeExpMethod();
export const { EXP_FLOOR, LSE_FLOOR, F32_EXP_FLOOR } = EXP;

/** e^t for EXP_FLOOR ≤ t ≤ 0, 0 below (the scalar form for hot loops). */
export const expNeg: (t: number) => number = EXP.expNeg;

/** out[i] = e^{u[i] − shift} for values ≤ shift (−∞ → 0) [n]. */
export function expShifted(u: Float64Array, shift: number, out: Float64Array): void {
  for (let i = 0; i < u.length; i++) out[i] = expNeg(u[i] - shift);
}

/** A f64 whose bits are the integer n (for i64x2 arithmetic on constants from the f64 table). */
function bitsAsF64(n: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(n), true);
  return dv.getFloat64(0, true);
}

/** v128 locals an expansion of expNegWat uses (names with their `$`). */
export interface ExpWatLocals {
  /** In: t in both lanes (t ≤ 0). */
  t: string;
  /** Scratch. */
  k: string;
  r: string;
  s: string;
}

/**
 * The f64x2 form of expNeg: WAT statements that leave e^t (both lanes of `L.t`) on the
 * stack. Each lane performs expNeg's operations in the same order, so the same bits.
 * `c(v)` yields a v128 constant with both lanes v (wat.ts V128Constants); `fracAt` is the
 * byte address of EXP.FRAC in memory. `keep` (an i64x2 mask; default t ≥ EXP_FLOOR, false
 * for −∞ and NaN) selects the lanes that are kept; the others are +0 — their intermediate
 * values may be garbage (the FRAC index is masked to 0..63, so every load is in range).
 */
export function expNegWat(L: ExpWatLocals, c: (v: number, name?: string) => string, fracAt: number, keep?: string): string {
  const { t, k, r, s } = L;
  const g = (x: string) => `(local.get ${x})`;
  /** Lane `lane`'s FRAC entry address: fracAt + 8·(k & 63), k's integer bits in L.s. */
  const frac = (lane: number) => `(i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane ${lane} ${g(s)})) (i32.const 63)) (i32.const 3))`;
  return `
    ;; k = (ROUND − t·K_SCALE) − ROUND; the first difference holds k in its low mantissa bits
    (local.set ${s} (f64x2.sub ${c(EXP.ROUND, 'ROUND')} (f64x2.mul ${g(t)} ${c(EXP.K_SCALE, 'K_SCALE')})))
    (local.set ${k} (f64x2.sub ${g(s)} ${c(EXP.ROUND, 'ROUND')}))
    ;; r = (t + k·STEP_HI) + k·STEP_LO
    (local.set ${r} (f64x2.add (f64x2.add ${g(t)} (f64x2.mul ${g(k)} ${c(EXP.STEP_HI, 'STEP_HI')})) (f64x2.mul ${g(k)} ${c(EXP.STEP_LO, 'STEP_LO')})))
    ;; integer k = bits − bits(ROUND)
    (local.set ${s} (i64x2.sub ${g(s)} ${c(EXP.ROUND, 'ROUND')}))
    ;; (2^{−⌊k/64⌋} · FRAC[k & 63]) · P5(r): the power of two from exponent bits 1023 − ⌊k/64⌋
    (v128.and
      (f64x2.mul
        (f64x2.mul
          (i64x2.shl (i64x2.sub ${c(bitsAsF64(1023), 'bits_1023')} (i64x2.shr_u ${g(s)} (i32.const 6))) (i32.const 52))
          (v128.load64_lane offset=${fracAt} 1 ${frac(1)} (v128.load64_zero offset=${fracAt} ${frac(0)})))
        (f64x2.add ${c(1)} (f64x2.mul ${g(r)}
        (f64x2.add ${c(1)} (f64x2.mul ${g(r)}
        (f64x2.add ${c(0.5)} (f64x2.mul ${g(r)}
        (f64x2.add ${c(1 / 6, '1/6')} (f64x2.mul ${g(r)}
        (f64x2.add ${c(1 / 24, '1/24')} (f64x2.mul ${g(r)} ${c(1 / 120, '1/120')})))))))))))
      ${keep ?? `(f64x2.ge ${g(t)} ${c(EXP_FLOOR, 'EXP_FLOOR')})`})`;
}

/** Squarings of the range reduction and degree of the Taylor polynomial of the float32 form. */
const F32_SQUARINGS = 6;
const F32_DEGREE = 8;

/**
 * The float32 form, as gpu.js source: e^y for y ≤ 0 with arithmetic only. gpu.js kernels
 * have no lookup tables and no bit casts, and its WebAssembly backend has no exp opcode
 * (Math.exp is one import call per pair, outside SIMD: measured ~10× slower than this), so
 * here the range is reduced by scaling instead of by a table:
 *
 *     e^y = (P8(u))^{2^6},   u = max(y, F32_EXP_FLOOR)/64 ∈ [−37/64, 0]
 *
 * P8 the degree-8 Taylor polynomial (truncation |u|⁹/9! < 3e−8); the six squarings
 * multiply its rounding by 64: relative error < 2e−5 (measured 1.0e−5,
 * tests/engine/backend/exp-source.test.ts), on a par with casting positions to float32 for the
 * pairs that matter. Below F32_EXP_FLOOR the value is 0.
 *
 * Returns statements that declare `const <name> = e^(<arg>)`; locals are prefixed with
 * `name` so several expansions can share a loop body. `lit` writes a float literal that
 * every gpu.js target reads as float (engine/backend/literal.ts).
 */
export function expNegF32Source(name: string, arg: string, lit: (v: number) => string): string {
  const p = `${name}_`;
  let poly = '1.0';
  for (let q = F32_DEGREE; q >= 1; q--) poly = `(1.0 + ${p}u * ${lit(1 / q)} * ${poly})`;
  const lines = [
    `const ${p}y = ${arg};`,
    `const ${p}u = Math.max(${p}y, ${lit(F32_EXP_FLOOR)}) * ${lit(2 ** -F32_SQUARINGS)};`,
    `let ${p}e = ${poly};`,
  ];
  for (let i = 0; i < F32_SQUARINGS; i++) lines.push(`${p}e = ${p}e * ${p}e;`);
  lines.push(`const ${name} = ${p}y > ${lit(F32_EXP_FLOOR)} ? ${p}e : 0.0;`);
  return lines.map((l) => `    ${l}\n`).join('');
}

/**
 * log z for 2^-127 ≤ z ≤ 1 (a row sum of weights summing to one, each term ≤ its weight)
 * as float32 kernel source, where WebAssembly has no log opcode and Math.log is a call
 * into JavaScript (engine/backend/rule.ts). Exact range reduction by powers of two to
 * r ∈ [1/2, 1], then log r = 2 atanh u, u = (r − 1)/(r + 1) ∈ [−1/3, 0], by its odd
 * series to u^13 (truncation ≤ 2·3^−15/15 ≈ 1e−8, below float32's 6e−8). Returns
 * statements that declare `const <name> = log(<arg>)`; locals are prefixed with `name`.
 */
export function logUnitF32Source(name: string, arg: string, lit: (v: number) => string): string {
  const p = `${name}_`;
  const lines = [`let ${p}r = ${arg};`, `let ${p}k = 0.0;`];
  for (const s of [32, 32, 32, 16, 8, 4, 2, 1]) lines.push(`if (${p}r < ${lit(2 ** -s)}) { ${p}r = ${p}r * ${lit(2 ** s)}; ${p}k = ${p}k + ${lit(s)}; }`);
  lines.push(`const ${p}u = (${p}r - 1.0) / (${p}r + 1.0);`, `const ${p}u2 = ${p}u * ${p}u;`);
  let poly = lit(1 / 13);
  for (let q = 11; q >= 1; q -= 2) poly = `(${lit(1 / q)} + ${p}u2 * ${poly})`;
  lines.push(`const ${name} = 2.0 * ${p}u * ${poly} - ${p}k * ${lit(Math.LN2)};`);
  return lines.map((l) => `  ${l}\n`).join('');
}
