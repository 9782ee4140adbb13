import type { V128Const } from './wasm-constants.ts';
import { get, i32c, op, set, splat } from './wasm-encoding.ts';

/**
 * The f64x2 exponential of the grid kernels (wasm-convolution.ts: the exp sweep of the
 * shifted plain form of the soft C-transform, dst = e^{src − shift}), as two halves that
 * the kernel runs in separate loops.
 *
 * t ≥ −708 (else 0): k = round(t/ln2), r = t − k ln2 (Cody–Waite, fdlibm's head and tail of
 * ln2), e^r by its degree-13 Taylor polynomial (Estrin's scheme) (|r| ≤ 0.347: remainder
 * < 4e−18), 2^k built in the exponent bits. Within 2 ulp of Math.exp
 * (tests/grid/wasm-exp-log.test.ts). The log of the fused last pass is wasm-log-table.ts.
 */
/** v128 locals of one lane pair. */
export interface Lanes { X: number; K: number; R: number; P: number; Y2: number; Y4: number; Y8: number }
/** Seven consecutive v128 locals from `base`. */
export const lanes = (base: number): Lanes => ({ X: base, K: base + 1, R: base + 2, P: base + 3, Y2: base + 4, Y4: base + 5, Y8: base + 6 });
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
 * The two halves of e^{x − shift}, for kernels that run them in separate loops — shorter
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

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

