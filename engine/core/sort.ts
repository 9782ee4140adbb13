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

/** Counts the six 11-bit digits of one key (hi, lo) into their histograms. */
function countDigits(counts: Uint32Array, l: number, h: number): void {
  counts[l & MASK]++;
  counts[BINS + ((l >>> 11) & MASK)]++;
  counts[2 * BINS + (l >>> 22)]++;
  counts[3 * BINS + (h & MASK)]++;
  counts[4 * BINS + ((h >>> 11) & MASK)]++;
  counts[5 * BINS + (h >>> 22)]++;
}

/** Stable LSD radix passes: permutes `perm` (indices into hi/lo) into ascending key order. */
function radixPasses(n: number, hi: Uint32Array, lo: Uint32Array, perm: Uint32Array, tmp: Uint32Array, counts: Uint32Array): Uint32Array {
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const l = lo[i], h = hi[i];
    countDigits(counts, l, h);
  }
  let src = perm, dst = tmp;
  for (let d = 0; d < 6; d++) {
    const base = d * BINS;
    const key = d < 3 ? lo : hi;
    const shift = SHIFTS[d];
    // A digit every key shares moves nothing.
    if (!prefixSums(counts, base, n)) continue;
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
 * values in the same order. The values themselves move through the radix passes (their
 * 64-bit keys, two words, read in order and written to 2048 running bins), not an index
 * permutation: an index pass reads the keys at random, which at N = 10⁶ (16 MB of keys,
 * beyond the caches) cost 2.5× the whole sort.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) return a.sort();
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return a.sort();
  // a's own words become the keys (sign flipped, or all bits for negatives: unsigned
  // order = numeric order, −0 below +0), counted in the same pass.
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const counts = scratch.counts.fill(0);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + HI], l = words[2 * i + 1 - HI];
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
      words[2 * i + 1 - HI] = l;
    } else h = (h | 0x80000000) >>> 0;
    words[2 * i + HI] = h;
    countDigits(counts, l, h);
  }
  let src: Uint32Array = words, dst: Uint32Array = new Uint32Array(2 * n);
  const LO = 1 - HI;
  for (let d = 0; d < 6; d++) {
    const base = d * BINS;
    if (!prefixSums(counts, base, n)) continue;
    const word = d < 3 ? LO : HI;
    const shift = SHIFTS[d];
    for (let i = 0; i < n; i++) {
      const l = src[2 * i + LO], h = src[2 * i + HI];
      const j = counts[base + (((word === LO ? l : h) >>> shift) & MASK)]++;
      dst[2 * j + LO] = l;
      dst[2 * j + HI] = h;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== words) words.set(src);
  // Back from keys to values.
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + HI];
    if (h & 0x80000000) words[2 * i + HI] = (h & 0x7fffffff) >>> 0;
    else {
      words[2 * i + HI] = ~h >>> 0;
      words[2 * i + LO] = ~words[2 * i + LO] >>> 0;
    }
  }
  return a;
}

/**
 * Turns digit `base`'s counts into bin starts; false when every key shares the digit
 * (the pass would move nothing).
 */
function prefixSums(counts: Uint32Array, base: number, n: number): boolean {
  for (let b = 0; b < BINS; b++) {
    const c = counts[base + b];
    if (c === n) return false;
    if (c !== 0) break;
  }
  let sum = 0;
  for (let b = 0; b < BINS; b++) {
    const c = counts[base + b];
    counts[base + b] = sum;
    sum += c;
  }
  return true;
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

/**
 * Moves an insertion sort may make per element before it gives up for a full sort (whose
 * radix passes cost ~20 operations per element): 2, so that a failed attempt wastes little.
 */
const HINT_BUDGET = 2;
/** After a failed attempt (the values moved far: early in a flow), calls between retries. */
const HINT_RETRY = 8;

/**
 * Sorts a sequence of arrays that change little from one call to the next (the projections
 * and radii of particles at successive recorded steps): the previous call's order is applied
 * first and an insertion sort finishes the job, O(n + moves) instead of a full sort; when the
 * values moved too far (more than 2 moves per element: then the next 8 calls sort in full
 * before trying again) or hold a NaN, a full sort runs. The
 * result is the values of `Float64Array.prototype.sort` (−0 before +0), bit for bit.
 */
export class SortHint {
  private perm = new Uint32Array(0);
  /** Calls to wait before the next insertion attempt (0: try). */
  private wait = 0;

  /** out (length n) ← the values of src sorted ascending. */
  sortInto(src: Float64Array, out: Float64Array): Float64Array {
    const n = src.length;
    if (this.perm.length === n) {
      if (this.wait > 0) this.wait--;
      else if (this.insertion(src, out)) return out;
      else this.wait = HINT_RETRY;
    }
    if (this.perm.length !== n) this.perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) if (src[i] !== src[i]) {
      this.perm = new Uint32Array(0);
      out.set(src);
      return out.sort();
    }
    // The permutation of the order −0 < +0 (argsort ties ±0 in index order: put −0 first after).
    const perm = argsortFloat64(src, this.perm);
    for (let i = 0; i < n; i++) out[i] = src[perm[i]];
    fixSignedZeros(out, perm);
    return out;
  }

  /**
   * idx (length n) ← the permutation argsortFloat64 gives (ascending, ties in index order:
   * a total order, so the insertion sort from the previous order reaches the same permutation).
   */
  argsortInto(x: ArrayLike<number>, idx: Uint32Array): Uint32Array {
    const n = idx.length;
    if (this.perm.length === n) {
      if (this.wait > 0) this.wait--;
      else if (this.argInsertion(x)) {
        idx.set(this.perm);
        return idx;
      } else this.wait = HINT_RETRY;
    }
    argsortFloat64(x, idx);
    if (this.perm.length !== n) this.perm = new Uint32Array(n);
    this.perm.set(idx);
    return idx;
  }

  private argInsertion(x: ArrayLike<number>): boolean {
    const n = this.perm.length, perm = this.perm;
    let budget = HINT_BUDGET * n;
    for (let i = 0; i < n; i++) if (x[i] !== x[i]) return false;
    for (let i = 1; i < n; i++) {
      const p = perm[i], v = x[p];
      let j = i - 1;
      while (j >= 0) {
        const q = perm[j], u = x[q];
        if (!(v < u || (v === u && p < q))) break;
        perm[j + 1] = q;
        j--;
        if (--budget < 0) return false;
      }
      perm[j + 1] = p;
    }
    return true;
  }

  private insertion(src: Float64Array, out: Float64Array): boolean {
    const n = src.length, perm = this.perm;
    let budget = HINT_BUDGET * n;
    for (let i = 0; i < n; i++) {
      const v = src[perm[i]];
      if (v !== v) return false;
      out[i] = v;
    }
    for (let i = 1; i < n; i++) {
      const v = out[i];
      if (!before(v, out[i - 1])) continue;
      const p = perm[i];
      let j = i - 1;
      while (j >= 0 && before(v, out[j])) {
        out[j + 1] = out[j];
        perm[j + 1] = perm[j];
        j--;
        if (--budget < 0) return false;
      }
      out[j + 1] = v;
      perm[j + 1] = p;
    }
    return true;
  }
}

/** a < b in the order of Float64Array.prototype.sort (−0 before +0; no NaN here). */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && Object.is(a, -0) && !Object.is(b, -0));
}

/** Within each run of zeros of a sorted array, the −0s first (the built-in sort's order), permuting perm alike. */
function fixSignedZeros(out: Float64Array, perm: Uint32Array): void {
  const n = out.length;
  let i = 0;
  while (i < n && out[i] < 0) i++;
  let j = i;
  while (j < n && out[j] === 0) j++;
  if (j - i < 2) return;
  // Stable partition of [i, j): −0 then +0.
  const neg: number[] = [], pos: number[] = [];
  for (let k = i; k < j; k++) (Object.is(out[k], -0) ? neg : pos).push(perm[k]);
  let k = i;
  for (const p of neg) { out[k] = -0; perm[k++] = p; }
  for (const p of pos) { out[k] = 0; perm[k++] = p; }
}
