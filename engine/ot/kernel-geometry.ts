import type { SinkhornGeometry } from './geometry.ts';
import { expNeg, LSE_FLOOR } from '../core/exp.ts';
import type { RowExecutor, RowRunner } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import type { PointCloudGeometry } from './point-cloud-geometry.ts';
import { BUILD_ROWS, KTU_ROWS, KV_ROWS, wasmMatvecBase, wasmMatvecModule, type MatvecArgs } from './wasm-matvec.ts';

/** Below this many stored entries a product stays on the calling thread (a pool round trip costs ~0.05–0.1 ms). */
export const MIN_KERNEL_ENTRIES_FOR_THREADS = 1 << 18;

/** How the stored kernel's products run: the SIMD kernel (with `assembler`), split over `rows` when given. */
export interface KernelProducts {
  assembler: WatAssembler | null;
  rows?: RowExecutor | null;
  /**
   * Storage of K (default float64). float32 halves the memory and the traffic of every
   * product (the arithmetic stays float64; each entry carries a relative error ≤ 2⁻²⁴):
   * sinkhorn() picks it by kernelPrecision().
   */
  precision?: 'float64' | 'float32';
}

/**
 * The smallest marginal tolerance for which sinkhorn() stores K as float32: 16 × 2⁻²⁴ ≈ 9.5e−7.
 * Rounding each entry (relative error ≤ 2⁻²⁴) moves the plan's marginals by at most 2⁻²⁴ of
 * its mass in L1, so at least 16 times below the tolerance.
 */
export const F32_KERNEL_MIN_TOL = 16 * 2 ** -24;

/** The fixed rule of K's storage: float32 when the marginal tolerance is at least F32_KERNEL_MIN_TOL. */
export function kernelPrecision(tol: number): 'float64' | 'float32' {
  return tol >= F32_KERNEL_MIN_TOL ? 'float32' : 'float64';
}

/** Distinguishes the shared memories of geometries (a thread keeps the kernel instance of the last one). */
let memories = 0;

/** The stored kernel in a shared WebAssembly memory, with its vectors, and the runners of its products. */
interface WasmStore {
  args: { kv: MatvecArgs; ktu: MatvecArgs; build: MatvecArgs };
  acc: Float64Array;
  col: Float64Array;
  kv: RowRunner<MatvecArgs> | null;
  ktu: RowRunner<MatvecArgs> | null;
  build: RowRunner<MatvecArgs> | null;
}

/** Largest n·m for which a stored kernel is reasonable (2²⁵ doubles = 256 MiB). */
export const KERNEL_MAX_ENTRIES = 1 << 25;

/** Whether the n×m kernel fits in KERNEL_MAX_ENTRIES. */
export function kernelFits(n: number, m: number): boolean {
  return n * m <= KERNEL_MAX_ENTRIES;
}

/** Largest n·m for which `mode: 'auto'` stores the kernel with the JavaScript products (2²¹ doubles = 16 MiB). */
export const KERNEL_AUTO_MAX_ENTRIES = 1 << 21;
/** Largest n·m for which `mode: 'auto'` stores the kernel with the SIMD products (wasm-matvec.ts; 2²⁴ doubles = 128 MiB). */
export const KERNEL_AUTO_MAX_ENTRIES_SIMD = 1 << 24;
/** The same for K stored as float32 (2²⁶ floats = 256 MiB: n = m = 8192). */
export const KERNEL_AUTO_MAX_ENTRIES_F32 = 1 << 26;

/**
 * The fixed rule of `mode: 'auto'` (never a timing): store the kernel for problems up to
 * KERNEL_AUTO_MAX_ENTRIES_SIMD entries when its products (and its build, p = 2) run as
 * the SIMD kernel over the row pool, else up to KERNEL_AUTO_MAX_ENTRIES. Measured on seeded
 * clouds in [0, 1]² (2 threads), time to an L1 error of 1e-6:
 * - JavaScript products: n = 1000, the stored kernel 93 ms vs online 154 ms at ε = 1e-2 and
 *   equal at ε = 1e-3; n = 2000, online 323 vs 372 ms (ε = 1e-2) and 1.50 vs 2.36 s
 *   (ε = 1e-3); n = 4000, 1.33 vs 1.55 s and 4.65 vs 9.91 s: the online kernel with block
 *   culling beats the memory-bound stored matrix from n·m ≈ 2²¹.
 * - SIMD products (one run, machine under a load of 8–10 from other jobs on its 2 cores, so
 *   the ratios, not the times): n = 2000, kernel 1.10 s vs online 2.61 s (ε = 1e-2) and 5.3 vs
 *   7.7 s (ε = 1e-3); n = 4000, 3.8 vs 12.0 s and 19.8 vs 31.3 s.
 * - SIMD products on K as float32 (kernelPrecision): n = 4000, 1.9 vs 7.4 s (ε = 1e-2) and
 *   10.9 vs 17.9 s (ε = 1e-3); n = 8000 at ε = 1e-2, 6.5 s against the online kernel's
 *   78 s and POT's 35 s (all under load): up to 2²⁶ entries (256 MiB) by default.
 * Above these the kernel's memory is not taken by default; `mode: 'kernel'` goes further.
 */
export function kernelPreferred(n: number, m: number, simd = false, float32 = false): boolean {
  return n * m <= (simd ? (float32 ? KERNEL_AUTO_MAX_ENTRIES_F32 : KERNEL_AUTO_MAX_ENTRIES_SIMD) : KERNEL_AUTO_MAX_ENTRIES);
}

/** Whether a KernelGeometry of dimension d built with `products` would run the SIMD kernel. */
export function simdProducts(products: KernelProducts | undefined, d: number): boolean {
  return wasmMatvecModule(products?.assembler ?? null, d, CUT) !== null;
}

/** A log-scaling may drift this far from the absorbed one before the kernel is rebuilt. */
const DRIFT = 30;
/** Row/column sums below this are too close to underflow: that call falls back to the online pass. */
const TINY = 1e-280;
/**
 * Entries below e^{−CUT} of their row maximum are stored as 0: with |h − β̂| ≤ DRIFT they
 * stay below e^{−CUT + 2·DRIFT} = e^{−45} of a row's largest term (< m·e^{−45} relative).
 */
const CUT = -LSE_FLOOR + 2 * DRIFT;

/**
 * Stored, *absorbed* Gibbs kernel (Schmitzer 2019, "stabilized sparse scaling"):
 *
 *   K̃_ij = exp(β̂_j − C_ij/ε − ρ_i),   ρ_i = max_j (β̂_j − C_ij/ε),   [n, m] Float64
 *
 * where β̂ is the column log-scaling at the last rebuild. Then, in the plain domain,
 *   log Σ_j e^{h_j − C_ij/ε} = ρ_i + s + log Σ_j K̃_ij e^{h_j − β̂_j − s},   s = max_j (h_j − β̂_j)
 *   log Σ_i e^{h_i − C_ij/ε} = −β̂_j + t + log Σ_i K̃_ij e^{h_i + ρ_i − t}, t = max_i (h_i + ρ_i)
 * Each row of K̃ has a 1, so no row underflows whatever ε (unlike exp(−C/ε), which
 * underflows for C/ε > 745). The kernel is rebuilt when ε changes or when |h − β̂|
 * exceeds DRIFT; a sum that still comes out tiny (< TINY) makes that call fall back
 * to the exact online pass, so the answer never depends on the mode beyond round-off.
 * Each application is one streaming pass over n·m doubles: memory-bound, no exp.
 */
export class KernelGeometry implements SinkhornGeometry {
  readonly n: number;
  readonly m: number;
  readonly costScale: number;
  private readonly K: Float64Array | Float32Array;
  /** K's storage: float32 only with the SIMD kernel (KernelProducts.precision). */
  readonly precision: 'float64' | 'float32';
  private readonly rho: Float64Array;
  private readonly betaHat: Float64Array;
  private readonly vj: Float64Array;
  private readonly wi: Float64Array;
  /** Row sums of the JavaScript path. */
  private readonly acc: Float64Array;
  /** The SIMD products' memory and runners; null: the JavaScript loops below. */
  private readonly wasm: WasmStore | null;
  private readonly rows: RowExecutor | null;
  private builtEps = NaN;
  /** Which form of the products runs: the SIMD kernel (wasm-matvec.ts) or the JavaScript loops. */
  readonly products: 'wasm' | 'js';
  /** Number of kernel rebuilds and of online fall-backs (for benchmarks and tests). */
  rebuilds = 0;
  fallbacks = 0;

  /**
   * `products`: the SIMD kernel (wasm-matvec.ts; the same bits as the loops below) and the
   * row pool that splits it; absent or without an assembler: the JavaScript loops.
   */
  constructor(private readonly base: PointCloudGeometry, products?: KernelProducts) {
    const n = (this.n = base.n);
    const m = (this.m = base.m);
    const d = base.d;
    this.costScale = base.costScale;
    this.acc = new Float64Array(n);
    this.rows = products?.rows ?? null;
    const mod = wasmMatvecModule(products?.assembler ?? null, d, CUT);
    // K | v | acc | w | col | β̂ | ρ | x [n, d] | y transposed [d, m] (doubles, each 16-aligned), after the kernel's table
    const f32 = products?.precision === 'float32' && mod !== null && base.p === 2; // (the JavaScript build keeps e in K: float64 only)
    // (K is counted in doubles: as float32 it takes half of its slot)
    const lens = [f32 ? Math.ceil((n * m) / 2) : n * m, m, n, n, m, m, n, n * d, d * m];
    const bytes = lens.reduce((t, l) => t + 8 * (l + (l & 1)), 0);
    const TABLE_ROOM = 4096;
    const memory = mod ? sharedMemory(bytes + TABLE_ROOM) : null;
    this.products = memory ? 'wasm' : 'js';
    this.precision = memory && f32 ? 'float32' : 'float64';
    if (memory) {
      const offsets: number[] = [];
      let at = Math.ceil(wasmMatvecBase(mod!, memory) / 16) * 16;
      if (at > TABLE_ROOM) throw new Error(`the stored-kernel SIMD table takes ${at} bytes (room for ${TABLE_ROOM})`);
      for (const len of lens) {
        offsets.push(at);
        at += 8 * (len + (len & 1));
      }
      const [oK, oV, oA, oW, oC, oB, oRho, oX, oY] = offsets;
      const buf = memory.buffer;
      const view = (o: number, len: number) => new Float64Array(buf, o, len);
      this.K = f32 ? new Float32Array(buf, oK, n * m) : view(oK, n * m);
      this.vj = view(oV, m);
      this.wi = view(oW, n);
      this.betaHat = view(oB, m);
      this.rho = view(oRho, n);
      view(oX, n * d).set(base.x.subarray(0, n * d));
      const yT = view(oY, d * m);
      for (let k = 0; k < d; k++) for (let j = 0; j < m; j++) yT[k * m + j] = base.y[j * d + k];
      const common = { memory, memoryId: ++memories, d, cut: CUT, oK, n, m, oX, oY, inv: 0, f32: this.precision === 'float32' };
      const env = { assembler: products!.assembler };
      this.wasm = {
        args: { kv: { ...common, oIn: oV, oOut: oA }, ktu: { ...common, oIn: oW, oOut: oC }, build: { ...common, oIn: oB, oOut: oRho } },
        acc: view(oA, n),
        col: view(oC, m),
        kv: this.rows ? null : KV_ROWS.create(env),
        ktu: this.rows ? null : KTU_ROWS.create(env),
        build: this.rows ? null : BUILD_ROWS.create(env),
      };
    } else {
      this.K = new Float64Array(n * m);
      this.vj = new Float64Array(m);
      this.wi = new Float64Array(n);
      this.betaHat = new Float64Array(m);
      this.rho = new Float64Array(n);
      this.wasm = null;
    }
  }

  /** The stored entries K̃ (tests and benchmarks read them; the geometry owns them). */
  get kernel(): Readonly<Float64Array | Float32Array> {
    return this.K;
  }

  /** Threads worth a product over the stored kernel. */
  private threads(): number {
    return this.rows && this.n * this.m >= MIN_KERNEL_ENTRIES_FOR_THREADS ? this.rows.threads : 1;
  }

  private rebuild(eps: number, h: Float64Array): void {
    const { n, m, K, rho, betaHat } = this;
    const { x, y, d, p } = this.base;
    for (let j = 0; j < m; j++) betaHat[j] = Number.isFinite(h[j]) ? h[j] : 0;
    const inv = 1 / (p * eps);
    const w = this.wasm;
    if (w && p === 2) {
      w.args.build.inv = inv;
      if (this.rows) this.rows.run(BUILD_ROWS, w.args.build, n, this.threads());
      else w.build!(w.args.build, 0, n);
      this.builtEps = eps;
      this.rebuilds++;
      return;
    }
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const z = x[i * d + k] - y[j * d + k];
          r2 += z * z;
        }
        const e = betaHat[j] - inv * (p === 2 ? r2 : Math.pow(r2, 0.5 * p));
        K[o + j] = e;
        if (e > mx) mx = e;
      }
      rho[i] = mx;
      for (let j = 0; j < m; j++) {
        const t = K[o + j] - mx;
        K[o + j] = t < -CUT ? 0 : expNeg(t);
      }
    }
    this.builtEps = eps;
    this.rebuilds++;
  }

  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, K, rho, betaHat, vj } = this;
    let drift = eps !== this.builtEps;
    for (let j = 0; j < m && !drift; j++) if (Number.isFinite(h[j]) && Math.abs(h[j] - betaHat[j]) > DRIFT) drift = true;
    if (drift) this.rebuild(eps, h);
    let s = -Infinity;
    for (let j = 0; j < m; j++) if (h[j] - betaHat[j] > s) s = h[j] - betaHat[j];
    for (let j = 0; j < m; j++) vj[j] = Math.exp(h[j] - betaHat[j] - s);
    const w = this.wasm;
    const acc = w ? w.acc : this.acc;
    if (!w) kernelRowSums(K, vj, n, m, acc);
    else if (this.rows) this.rows.run(KV_ROWS, w.args.kv, n, this.threads());
    else w.kv!(w.args.kv, 0, n);
    for (let i = 0; i < n; i++) {
      if (!(acc[i] > TINY)) {
        this.fallbacks++;
        this.base.logApply(eps, h, out);
        return;
      }
      out[i] = rho[i] + s + Math.log(acc[i]);
    }
  }

  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, rho, betaHat, wi } = this;
    if (eps !== this.builtEps) {
      this.fallbacks++;
      this.base.logApplyT(eps, h, out);
      return;
    }
    let t = -Infinity;
    for (let i = 0; i < n; i++) if (h[i] + rho[i] > t) t = h[i] + rho[i];
    for (let i = 0; i < n; i++) wi[i] = Math.exp(h[i] + rho[i] - t);
    const w = this.wasm;
    if (w) {
      if (this.rows) this.rows.run(KTU_ROWS, w.args.ktu, m, this.threads());
      else w.ktu!(w.args.ktu, 0, m);
      out.set(w.col);
    } else kernelColumnSums(this.K, wi, n, m, out);
    for (let j = 0; j < m; j++) {
      if (!(out[j] > TINY)) {
        this.fallbacks++;
        this.base.logApplyT(eps, h, out);
        return;
      }
      out[j] = -betaHat[j] + t + Math.log(out[j]);
    }
  }
}

/**
 * acc_i = Σ_j K_ij v_j (K [n, m] row-major): four running sums over j mod 4 (one dependent
 * add chain would bound the loop by the add latency), the tail into the first, then
 * a0 + a1 + (a2 + a3). The reference of wasm-matvec.ts's kv, which has these bits.
 */
export function kernelRowSums(K: Float64Array | Float32Array, v: Float64Array, n: number, m: number, acc: Float64Array): void {
  const m4 = m - (m % 4);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let j = 0; j < m4; j += 4) {
      a0 += K[o + j] * v[j];
      a1 += K[o + j + 1] * v[j + 1];
      a2 += K[o + j + 2] * v[j + 2];
      a3 += K[o + j + 3] * v[j + 3];
    }
    for (let j = m4; j < m; j++) a0 += K[o + j] * v[j];
    acc[i] = a0 + a1 + (a2 + a3);
  }
}

/**
 * out_j = Σ_i K_ij w_i, two rows per sweep over `out` (half the loads and stores of the
 * accumulator; a pair of zero weights skipped), the last odd row alone. The reference of
 * wasm-matvec.ts's ktu, which has these bits.
 */
export function kernelColumnSums(K: Float64Array | Float32Array, w: Float64Array, n: number, m: number, out: Float64Array): void {
  out.fill(0, 0, m);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const w0 = w[i], w1 = w[i + 1];
    if (w0 === 0 && w1 === 0) continue;
    const o0 = i * m, o1 = o0 + m;
    for (let j = 0; j < m; j++) out[j] += w0 * K[o0 + j] + w1 * K[o1 + j];
  }
  if (i < n && w[i] !== 0) for (let j = 0, o = i * m, wl = w[i]; j < m; j++) out[j] += wl * K[o + j];
}

/** A shared WebAssembly memory of at least `bytes`, or null where the runtime has none (a page that is not cross-origin isolated). */
function sharedMemory(bytes: number): WebAssembly.Memory | null {
  const pages = Math.ceil(bytes / 65536);
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
}
