/**
 * Sorting of float64 keys by their bits (LSD radix, 11-bit digits), for the recorded
 * metrics that sort N projections or radii per record (sliced W2, radial CDFs): several
 * times faster than `TypedArray.prototype.sort` and than an index sort with a comparator
 * at N in the thousands, and with the same result — the same sorted values, and ties in
 * index order (the radix passes are stable), so metrics keep their bits.
 *
 * Keys with a NaN fall back to the built-in sorts (a comparator is not a total order there).
 */

/** Below this length the built-in sorts are as fast (the radix passes clear 2048 bins each). */
const RADIX_MIN = 512;
const BITS = 11;
const BINS = 1 << BITS;
const MASK = BINS - 1;
/** Digit d covers bits [SHIFT[d], SHIFT[d] + 11) of the 64-bit key: three digits of the low word, three of the high. */
const SHIFTS = [0, 11, 22, 0, 11, 22];

let scratch = { n: 0, hi: new Uint32Array(0), lo: new Uint32Array(0), tmp: new Uint32Array(0), counts: new Uint32Array(6 * BINS) };

function buffers(n: number) {
  if (scratch.n < n) scratch = { n, hi: new Uint32Array(n), lo: new Uint32Array(n), tmp: new Uint32Array(n), counts: scratch.counts };
  return scratch;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Which Uint32 of a float64 holds the sign and exponent (little-endian: the second). */
const HI = (() => {
  f64[0] = -1;
  return u32[1] === 0xbff00000 ? 1 : 0;
})();

/**
 * Order-preserving unsigned keys (hi, lo) of x's values; -0 → +0 when `signedZero` is
 * false (a comparator a − b ties them). Returns false if some value is NaN.
 */
function keys(x: ArrayLike<number>, n: number, hi: Uint32Array, lo: Uint32Array, signedZero: boolean): boolean {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) return false;
    f64[0] = v === 0 && !signedZero ? 0 : v;
    const h = u32[HI], l = u32[1 - HI];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  return true;
}

/** Stable LSD radix passes: permutes `perm` (indices into hi/lo) into ascending key order. */
function radixPasses(n: number, hi: Uint32Array, lo: Uint32Array, perm: Uint32Array, tmp: Uint32Array, counts: Uint32Array): Uint32Array {
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const l = lo[i], h = hi[i];
    counts[l & MASK]++;
    counts[BINS + ((l >>> 11) & MASK)]++;
    counts[2 * BINS + (l >>> 22)]++;
    counts[3 * BINS + (h & MASK)]++;
    counts[4 * BINS + ((h >>> 11) & MASK)]++;
    counts[5 * BINS + (h >>> 22)]++;
  }
  let src = perm, dst = tmp;
  for (let d = 0; d < 6; d++) {
    const base = d * BINS;
    const key = d < 3 ? lo : hi;
    const shift = SHIFTS[d];
    // A digit every key shares moves nothing.
    let skip = false;
    for (let b = 0; b < BINS; b++) {
      const c = counts[base + b];
      if (c === n) skip = true;
      if (c !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let b = 0; b < BINS; b++) {
      const c = counts[base + b];
      counts[base + b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const p = src[i];
      const b = base + ((key[p] >>> shift) & MASK);
      dst[counts[b]++] = p;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/**
 * Sorts a in place ascending, exactly as `a.sort()` does (−0 before +0): the same
 * values in the same order.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) return a.sort();
  const { hi, lo, tmp, counts } = buffers(n);
  if (!keys(a, n, hi, lo, true)) return a.sort();
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const out = radixPasses(n, hi, lo, perm, tmp.subarray(0, n), counts);
  // Rebuild the values from the sorted keys' source values.
  const copy = a.slice();
  for (let i = 0; i < n; i++) a[i] = copy[out[i]];
  return a;
}

/**
 * idx = 0..n−1 sorted by x ascending with ties in index order: the permutation that
 * `idx.sort((i, j) => x[i] − x[j])` gives (a stable sort; ±0 tie). idx has length n.
 */
export function argsortFloat64(x: ArrayLike<number>, idx: Uint32Array): Uint32Array {
  const n = idx.length;
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < RADIX_MIN) return idx.sort((i, j) => x[i] - x[j]);
  const { hi, lo, tmp, counts } = buffers(n);
  if (!keys(x, n, hi, lo, false)) return idx.sort((i, j) => x[i] - x[j]);
  const out = radixPasses(n, hi, lo, idx, tmp.subarray(0, n), counts);
  if (out !== idx) idx.set(out);
  return idx;
}
