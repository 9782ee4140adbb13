import type { V128Const } from './wasm-constants.ts';
import { F64, I32, V128, breakIf, get, i32c, loopClose, loopOpen, op, set, simd, splat } from './wasm-encoding.ts';

/**
 * Function bodies (params src, dst, end: i32 byte offsets; shift: f64) of two SIMD
 * kernels on f64x2 lanes, for the plain form of the soft C-transform
 * (gibbs-geometry.ts): dst = e^{src − shift} before the convolution and
 * dst = shift + log(src) after it.
 *
 * exp: t ≥ −708 (else 0): k = round(t/ln2), r = t − k ln2 (Cody–Waite, fdlibm's head and
 * tail of ln2), e^r by its degree-13 Taylor polynomial (Estrin's scheme) (|r| ≤ 0.347: remainder < 4e−18),
 * 2^k built in the exponent bits.
 * log: x = 2^e m with m ∈ [√½, √2) from the bits, log m = 2 atanh s = 2(s + s³/3 + … + s²³/23),
 * s = (m − 1)/(m + 1), |s| ≤ 0.172 (first omitted term < 2e−21); log 0 = −∞. Inputs are
 * normal doubles or 0 (the plain form guarantees it). Both within a few ulp of Math.exp /
 * Math.log (tests/grid/wasm-exp-log.test.ts).
 */
const [SRC, DST, END, SHIFT, C] = [0, 1, 2, 3, 4];
/** v128 locals of one lane pair; two sets (A, B) so one loop iteration carries two independent pairs. */
export interface Lanes { X: number; K: number; R: number; P: number; Y2: number; Y4: number; Y8: number }
/** Seven consecutive v128 locals from `base`. */
export const lanes = (base: number): Lanes => ({ X: base, K: base + 1, R: base + 2, P: base + 3, Y2: base + 4, Y4: base + 5, Y8: base + 6 });
const A = lanes(5), B = lanes(12);
const LN2_HI = 6.93147180369123816490e-1, LN2_LO = 1.90821492927058770002e-10;
const TWO52 = 4503599627370496;

/**
 * Estrin's scheme for Σ c_i y^i (coefficients low → high, at most 16) with y in local
 * `y` and y², y⁴, y⁸ in Y2, Y4, Y8: a tree of depth 4 instead of Horner's chain of 13
 * dependent multiply-adds, so the pipeline is not latency-bound.
 */
function estrin(L: Lanes, y: number, coeffs: number[], k: V128Const = splat): number[] {
  const powers = [y, L.Y2, L.Y4, L.Y8];
  const rec = (c: number[]): number[] => {
    if (c.length === 1) return k(c[0]);
    let half = 1, level = 0;
    while (half * 2 < c.length) {
      half *= 2;
      level++;
    }
    return [...rec(c.slice(0, half)), ...rec(c.slice(half)), ...get(powers[level]), ...op.f64x2Mul, ...op.f64x2Add];
  };
  return rec(coeffs);
}

/** Y2 = y², Y4 = y⁴, Y8 = y⁸. */
function powersOf(L: Lanes, y: number): number[] {
  return [
    ...get(y), ...get(y), ...op.f64x2Mul, ...set(L.Y2),
    ...get(L.Y2), ...get(L.Y2), ...op.f64x2Mul, ...set(L.Y4),
    ...get(L.Y4), ...get(L.Y4), ...op.f64x2Mul, ...set(L.Y8),
  ];
}

/**
 * Loop over c = 0, 32, … < end: two independent pairs per iteration (x = load(src + c)
 * and load(src + c + 16)), so the out-of-order core overlaps their dependency chains.
 * `work(L)` reads L.X and leaves the result on the stack. `end` is a multiple of 32.
 */
function quadLoop(work: (L: Lanes) => number[]): number[] {
  const one = (L: Lanes, at: number) => [
    ...get(DST), ...get(C), op.add,
    ...get(SRC), ...get(C), op.add, ...simd(0x00), 3, at, ...set(L.X), // v128.load offset=at
    ...work(L),
    ...simd(0x0b), 3, at, // v128.store offset=at
  ];
  return [
    ...i32c(0), ...set(C),
    ...loopOpen,
    ...get(C), ...get(END), op.geU, ...breakIf,
    ...one(A, 0), ...one(B, 16),
    ...get(C), ...i32c(32), op.add, ...set(C),
    ...loopClose,
  ];
}

export function expBody(): number[] {
  return [2, 1, I32, 14, V128, ...quadLoop((L) => expWork(L, SHIFT)), 0x0b];
}

/** e^{x − shift} for x in L.X (f64 `shift` in local `shiftLocal`), result left on the stack. */
function expWork(L: Lanes, shiftLocal: number, k: V128Const = splat): number[] {
  return [...expHead(L, shiftLocal, k), ...expTail(L, k)];
}

/**
 * The two halves of expWork, for kernels that run them in separate loops — shorter
 * dependency chains overlap better in an out-of-order core (wasm-convolution.ts). The
 * head leaves its results in L.X, L.K, L.R; the tail reads only those.
 */
export function expHead(L: Lanes, shiftLocal: number, k: V128Const = splat): number[] {
  const { X, K, R } = L;
  return [
    // Lanes below −708 (and −∞) compute garbage that the final select replaces by 0.
    ...get(X), ...get(shiftLocal), ...op.f64x2Splat, ...op.f64x2Sub, ...set(X),
    ...get(X), ...k(1 / Math.LN2), ...op.f64x2Mul, ...op.f64x2Nearest, ...set(K),
    ...get(X), ...get(K), ...k(LN2_HI), ...op.f64x2Mul, ...op.f64x2Sub,
    ...get(K), ...k(LN2_LO), ...op.f64x2Mul, ...op.f64x2Sub, ...set(R),
  ];
}

export function expTail(L: Lanes, k: V128Const = splat): number[] {
  const taylor = Array.from({ length: 14 }, (_, i) => 1 / factorial(i)); // low → high
  const { X, K, R, P } = L;
  return [
    ...powersOf(L, R), ...estrin(L, R, taylor, k), ...set(P),
    // 2^k: (k + 1023 + 2^52) has k + 1023 in its low mantissa bits; shift them into the exponent.
    ...get(P),
    ...get(K), ...k(1023 + TWO52), ...op.f64x2Add, ...i32c(52), ...op.i64x2Shl,
    ...op.f64x2Mul,
    ...k(0),
    ...get(X), ...k(-708), ...op.f64x2Ge, // false for x < −708, −∞ and NaN
    ...op.bitselect, // those lanes take 0
  ];
}

/** shift + log(x) for x in L.X (f64 `shift` in local `shiftLocal`), result left on the stack. */
export function logWork(L: Lanes, shiftLocal: number): number[] {
  const { X, K, R, P } = L;
  const atanh = Array.from({ length: 12 }, (_, i) => 1 / (2 * i + 1)); // 1, 1/3, …, 1/23
  return [
    // e as a double: exponent bits | bits of 2^52, minus 2^52 + 1023.
    ...get(X), ...i32c(52), ...op.i64x2ShrU, ...splat(TWO52), ...op.v128Or,
    ...splat(TWO52 + 1023), ...op.f64x2Sub, ...set(K),
    // m ∈ [1, 2): mantissa bits with the exponent of 1.
    ...get(X), ...splat(0x000fffffffffffffn), ...op.v128And, ...splat(0x3ff0000000000000n), ...op.v128Or, ...set(R),
    // m > √2: m/2 and e + 1.
    ...get(R), ...splat(0.5), ...op.f64x2Mul, ...get(R), ...get(R), ...splat(Math.SQRT2), ...op.f64x2Gt, ...op.bitselect, ...set(R),
    ...get(K), ...splat(1), ...splat(0), ...get(R), ...splat(1), ...op.f64x2Lt, ...op.bitselect, ...op.f64x2Add, ...set(K), // halved lanes are now < 1
    // s = (m − 1)/(m + 1) in R, z = s² in P.
    ...get(R), ...splat(1), ...op.f64x2Sub, ...get(R), ...splat(1), ...op.f64x2Add, ...op.f64x2Div, ...set(R),
    ...get(R), ...get(R), ...op.f64x2Mul, ...set(P),
    // shift + (e·LN2_HI + (e·LN2_LO + 2 s p(z)))
    ...get(shiftLocal), ...op.f64x2Splat,
    ...get(K), ...splat(LN2_HI), ...op.f64x2Mul,
    ...get(K), ...splat(LN2_LO), ...op.f64x2Mul,
    ...splat(2), ...get(R), ...op.f64x2Mul, ...powersOf(L, P), ...estrin(L, P, atanh), ...op.f64x2Mul,
    ...op.f64x2Add, ...op.f64x2Add, ...op.f64x2Add,
    // x = 0 → −∞
    ...splat(-Infinity), ...get(X), ...splat(0), ...op.f64x2Ne, ...op.bitselect,
  ];
}

export function logBody(): number[] {
  return [2, 1, I32, 14, V128, ...quadLoop((L) => logWork(L, SHIFT)), 0x0b];
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

export const EXP_LOG_PARAMS = [I32, I32, I32, F64];
