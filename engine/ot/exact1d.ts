import { argsortFloat64, type SortHint } from '../core/sort.ts';
import { checkCloud, checkWeights } from './validate.ts';

/**
 * Exact W_p^p between weighted measures on the line, α = Σ a_i δ_{x_i}, β = Σ b_j δ_{y_j}:
 * the monotone (quantile) coupling is optimal for convex costs, so
 *   W_p^p = ∫_0^1 |F_α^{-1}(t) − F_β^{-1}(t)|^p dt,
 * computed by sorting both supports and merging their cumulative weights:
 * O(n log n + m log m) time, O(n + m) memory (Santambrogio 2015, §2.2).
 * x [n], y [m]; weights default to uniform and are normalized.
 */
export function wassersteinPower1d(x: ArrayLike<number>, y: ArrayLike<number>, p = 2, wx?: ArrayLike<number>, wy?: ArrayLike<number>): number {
  if (!(p >= 1)) throw new Error(`p must be ≥ 1; got ${p}`);
  const n = checkCloud('x', x, 1);
  const m = checkCloud('y', y, 1);
  const a = checkWeights('wx', wx, n);
  const b = checkWeights('wy', wy, m);
  return sortedWassersteinPower(sortedSupport(x, a), sortedSupport(y, b), p);
}

/** Support sorted ascending with the weights carried along: [values, weights]. */
export function sortedSupport(x: ArrayLike<number>, w: Float64Array, hint?: SortHint): [Float64Array, Float64Array] {
  // The permutation of idx.sort((i, j) => x[i] − x[j]) (stable: ties in index order), by radix
  // passes or from the previous order of a hint (values that moved little since).
  const idx = hint ? hint.argsortInto(x, new Uint32Array(x.length)) : argsortFloat64(x, new Uint32Array(x.length));
  const xs = new Float64Array(x.length);
  const ws = new Float64Array(x.length);
  for (let k = 0; k < idx.length; k++) {
    xs[k] = x[idx[k]];
    ws[k] = w[idx[k]];
  }
  return [xs, ws];
}

/** W_p^p between two sorted weighted supports (weights summing to 1): merge of the quantile functions. */
export function sortedWassersteinPower([xs, a]: [Float64Array, Float64Array], [ys, b]: [Float64Array, Float64Array], p: number): number {
  if (p === 2) return sortedW2Power(xs, a, ys, b);
  let i = 0;
  let j = 0;
  let ra = a[0];
  let rb = b[0];
  let total = 0;
  while (i < xs.length && j < ys.length) {
    const mass = Math.min(ra, rb);
    const gap = Math.abs(xs[i] - ys[j]);
    total += mass * (p === 1 ? gap : Math.pow(gap, p));
    ra -= mass;
    rb -= mass;
    // Advance the side with less mass left (the used-up one; round-off leftovers ~1e−16 are dropped).
    if (ra <= rb) {
      i++;
      if (i < xs.length) ra = a[i];
    } else {
      j++;
      if (j < ys.length) rb = b[j];
    }
  }
  return total;
}

/**
 * The merge above for p = 2, with the same arithmetic (the same bits) in one branch per
 * atom: the side with less mass left (ra ≤ rb, as above) gives its mass and is used up —
 * its rest ra − ra is 0, so it advances — and the other keeps rb − ra ≥ 0. Several times
 * faster than the general loop (a sliced distance over a grid's cells is one such merge
 * per direction and record).
 */
function sortedW2Power(xs: Float64Array, a: Float64Array, ys: Float64Array, b: Float64Array): number {
  const n = xs.length, m = ys.length;
  let i = 0, j = 0;
  let ra = a[0], rb = b[0];
  let total = 0;
  while (i < n && j < m) {
    const gap = xs[i] - ys[j];
    if (ra <= rb) {
      total += ra * (gap * gap);
      rb -= ra;
      if (++i < n) ra = a[i];
    } else {
      total += rb * (gap * gap);
      ra -= rb;
      if (++j < m) rb = b[j];
    }
  }
  return total;
}
