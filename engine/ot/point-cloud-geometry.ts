import type { LseExecutor } from '../core/accelerator.ts';
import { UsageError } from '../core/simulation.ts';
import type { SinkhornGeometry } from './geometry.ts';
import { sequentialLse } from './lse-executor.ts';
import { mortonOrder } from './morton.ts';

export type { LseExecutor };

/** The default executor: this thread, the float64 JavaScript rows (no accelerator). */
const reference = sequentialLse(null);

/** Points per block of the culled 2D kernel: bounds cost ~10 flops per block and row. */
export const BLOCK_SIZE = 32;

/** A cloud sorted along a Morton curve, with its blocks' bounding boxes (2D, p = 2 path). */
interface SortedCloud {
  perm: Uint32Array;
  z: Float64Array;
  sq: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
}

function sortedCloud(z: Float64Array, sq: Float64Array, k: number): SortedCloud {
  const perm = mortonOrder(z, k);
  const zs = new Float64Array(2 * k);
  const sqs = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    zs[2 * i] = z[2 * perm[i]];
    zs[2 * i + 1] = z[2 * perm[i] + 1];
    sqs[i] = sq[perm[i]];
  }
  const nb = Math.ceil(k / BLOCK_SIZE);
  const lo = new Float64Array(2 * nb).fill(Infinity);
  const hi = new Float64Array(2 * nb).fill(-Infinity);
  for (let i = 0; i < k; i++) {
    const b = Math.floor(i / BLOCK_SIZE);
    for (let c = 0; c < 2; c++) {
      lo[2 * b + c] = Math.min(lo[2 * b + c], zs[2 * i + c]);
      hi[2 * b + c] = Math.max(hi[2 * b + c], zs[2 * i + c]);
    }
  }
  return { perm, z: zs, sq: sqs, lo, hi };
}

/**
 * Point clouds x [n, d], y [m, d] with cost c(x, y) = |x − y|^p / p, evaluated on the
 * fly: O(n + m) memory whatever n·m (GeomLoss "online" / KeOps mode). Each output is a
 * log-sum-exp over one row (lse-kernel.ts; for p = 2 in WebAssembly SIMD, wasm-lse.ts):
 * terms far below the row's maximum skip their exponential, so the small-ε regime saves
 * most of them.
 *
 * For p = 2 the exponent is h_j − |x_i − y_j|²/(2ε) = [h_j − |y_j|²/(2ε)] + x_i·(y_j/ε)
 * − |x_i|²/(2ε): two multiply-adds per pair in 2D. Both clouds are first translated by
 * the centre of their common bounding box (the cost is translation invariant), so the
 * cancellation error is about 1e−16·R²/ε with R the half-diameter: 1e−12 at ε = 1e−4 R².
 */
export class PointCloudGeometry implements SinkhornGeometry {
  readonly n: number;
  readonly m: number;
  readonly d: number;
  readonly p: number;
  readonly costScale: number;
  /** Centered copies of the clouds, [n, d] and [m, d]. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  private readonly sqX: Float64Array;
  private readonly sqY: Float64Array;
  private readonly hs: Float64Array;
  private readonly scaled: Float64Array;
  private readonly row: Float64Array;
  private readonly executor: LseExecutor;
  /** Morton-sorted copies for the culled kernel (p = 2, d = 2), else null. */
  private readonly sortedX: SortedCloud | null;
  private readonly sortedY: SortedCloud | null;
  private readonly hmax: Float64Array;
  private readonly outSorted: Float64Array;

  /**
   * `executor` runs the rows (core/accelerator.ts: the accelerator's row pool, or this
   * thread's SIMD kernel, engine/ot/lse-executor.ts); absent: the JavaScript reference here.
   */
  constructor(x: Float64Array, y: Float64Array, d: number, p = 2, executor?: LseExecutor | null) {
    this.executor = executor ?? reference;
    if (!(p >= 1)) throw new UsageError(`cost exponent p must be ≥ 1; got ${p}`);
    this.d = d;
    this.p = p;
    this.n = x.length / d;
    this.m = y.length / d;
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (const z of [x, y])
      for (let i = 0; i < z.length; i++) {
        const k = i % d;
        if (z[i] < lo[k]) lo[k] = z[i];
        if (z[i] > hi[k]) hi[k] = z[i];
      }
    let diam2 = 0;
    for (let k = 0; k < d; k++) diam2 += (hi[k] - lo[k]) ** 2;
    this.costScale = Math.max(Math.pow(diam2, p / 2) / p, 1e-300);
    const centre = (z: Float64Array) => z.map((v, i) => v - 0.5 * (lo[i % d] + hi[i % d]));
    this.x = centre(x);
    this.y = centre(y);
    const sq = (z: Float64Array, k: number) => {
      const out = new Float64Array(k);
      for (let i = 0; i < k; i++) for (let c = 0; c < d; c++) out[i] += z[i * d + c] ** 2;
      return out;
    };
    this.sqX = sq(this.x, this.n);
    this.sqY = sq(this.y, this.m);
    const big = Math.max(this.n, this.m);
    this.hs = new Float64Array(big);
    this.scaled = new Float64Array(big * d);
    this.row = new Float64Array(big);
    const blocked = p === 2 && d === 2;
    this.sortedX = blocked ? sortedCloud(this.x, this.sqX, this.n) : null;
    this.sortedY = blocked ? sortedCloud(this.y, this.sqY, this.m) : null;
    this.hmax = new Float64Array(blocked ? Math.ceil(big / BLOCK_SIZE) : 0);
    this.outSorted = new Float64Array(blocked ? big : 0);
  }

  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    if (this.sortedX && this.sortedY) return this.applyBlocked(eps, this.sortedX, this.n, this.sortedY, this.m, h, out);
    this.apply(eps, this.x, this.sqX, this.n, this.y, this.sqY, this.m, h, out);
  }

  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    if (this.sortedX && this.sortedY) return this.applyBlocked(eps, this.sortedY, this.m, this.sortedX, this.n, h, out);
    this.apply(eps, this.y, this.sqY, this.m, this.x, this.sqX, this.n, h, out);
  }

  /** p = 2, 2D: both clouds in Morton order, columns culled by blocks (lseRowsBlocked). */
  private applyBlocked(eps: number, R: SortedCloud, nr: number, C: SortedCloud, nc: number, h: Float64Array, out: Float64Array): void {
    const inv = 1 / eps;
    const hs = this.hs.subarray(0, nc);
    const Ys = this.scaled.subarray(0, 2 * nc);
    const nb = Math.ceil(nc / BLOCK_SIZE);
    const hmax = this.hmax.subarray(0, nb).fill(-Infinity);
    for (let j = 0; j < nc; j++) {
      const hj = h[C.perm[j]];
      hs[j] = hj - 0.5 * inv * C.sq[j];
      const b = Math.floor(j / BLOCK_SIZE);
      if (hj > hmax[b]) hmax[b] = hj;
    }
    for (let k = 0; k < 2 * nc; k++) Ys[k] = C.z[k] * inv;
    const o = this.outSorted.subarray(0, nr);
    this.executor.run({ d: 2, p: 2, inv, X: R.z, sqX: R.sq, Ys, hs, nr, nc, out: o, blocks: { size: BLOCK_SIZE, lo: C.lo, hi: C.hi, hmax } });
    for (let i = 0; i < nr; i++) out[R.perm[i]] = o[i];
  }

  private apply(eps: number, X: Float64Array, sqX: Float64Array, nr: number, Y: Float64Array, sqY: Float64Array, nc: number, h: Float64Array, out: Float64Array): void {
    const { d, p } = this;
    const inv = 1 / eps;
    if (p !== 2) return this.executor.run({ d, p, inv, X, sqX, Ys: Y, hs: h, nr, nc, out });
    const hs = this.hs.subarray(0, nc);
    const Ys = this.scaled.subarray(0, nc * d);
    for (let j = 0; j < nc; j++) hs[j] = h[j] - 0.5 * inv * sqY[j];
    for (let k = 0; k < nc * d; k++) Ys[k] = Y[k] * inv;
    this.executor.run({ d, p, inv, X, sqX, Ys, hs, nr, nc, out });
  }

  /**
   * Gradient of the soft C-transform f(x_i) = −ε log Σ_j e^{h_j − c(x_i, y_j)/ε}:
   * grad[i] = Σ_j P_ij ∇_x c(x_i, y_j), P_ij = softmax_j(h_j − C_ij/ε), [n, d] (rows = x;
   * `transpose` swaps the roles of x and y). For p = 2 this is x_i − Σ_j P_ij y_j.
   */
  softminGradient(eps: number, h: Float64Array, grad: Float64Array, transpose = false): void {
    const [X, sqX, nr, Y, sqY, nc] = transpose
      ? [this.y, this.sqY, this.m, this.x, this.sqX, this.n]
      : [this.x, this.sqX, this.n, this.y, this.sqY, this.m];
    this.gradient(eps, X, sqX, nr, Y, sqY, nc, h, grad);
  }

  /** Softmax-weighted cost gradients for rows X against columns Y (two passes, Math.exp; terms below max − 45 skipped). */
  private gradient(
    eps: number, X: Float64Array, _sqX: Float64Array, nr: number, Y: Float64Array, _sqY: Float64Array, nc: number,
    h: Float64Array, grad: Float64Array,
  ): void {
    const { d, p, row } = this;
    const c = 1 / (p * eps);
    const gsum = new Float64Array(d);
    for (let i = 0; i < nr; i++) {
      const o = i * d;
      let mx = -Infinity;
      for (let j = 0; j < nc; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (X[o + k] - Y[j * d + k]) ** 2;
        const e = h[j] - c * (p === 2 ? r2 : Math.pow(r2, 0.5 * p));
        row[j] = e;
        if (e > mx) mx = e;
      }
      gsum.fill(0);
      if (mx === -Infinity) {
        grad.fill(0, o, o + d);
        continue;
      }
      let s = 0;
      for (let j = 0; j < nc; j++) {
        if (row[j] <= mx - 45) continue;
        const w = Math.exp(row[j] - mx);
        s += w;
        let r2 = 0;
        if (p !== 2) for (let k = 0; k < d; k++) r2 += (X[o + k] - Y[j * d + k]) ** 2;
        // ∇_x |x − y|^p / p = |x − y|^{p−2} (x − y)
        const scale = p === 2 ? w : r2 > 0 ? w * Math.pow(r2, 0.5 * p - 1) : 0;
        for (let k = 0; k < d; k++) gsum[k] += scale * (X[o + k] - Y[j * d + k]);
      }
      for (let k = 0; k < d; k++) grad[o + k] = gsum[k] / s;
    }
  }
}
