import type { LseExecutor } from '../core/accelerator.ts';
import { UsageError } from '../core/simulation.ts';
import type { SinkhornGeometry } from './geometry.ts';
import { KERNEL_MAX_ENTRIES, KernelGeometry, kernelPrecision, kernelPreferred, simdProducts, type KernelProducts } from './kernel-geometry.ts';
import { balancedMarginal } from './marginals.ts';
import { PointCloudGeometry } from './point-cloud-geometry.ts';
import { sinkhornLoop, type SinkhornLoopOptions } from './sinkhorn-loop.ts';
import { checkCloud, checkEpsilon, checkWeights } from './validate.ts';

/** How the kernel is applied: on the fly (O(n + m) memory) or stored n×m (faster, memory-bound). */
export type SinkhornMode = 'auto' | 'online' | 'kernel';

/** Options of `sinkhorn`: ε, the cost exponent, weights, the stopping rule, the kernel mode and what to return (docs/design.md §2). */
export interface SinkhornOptions extends Omit<SinkhornLoopOptions, 'eps' | 'potentialB'> {
  /** Regularization ε > 0 (same units as the cost |x−y|^p/p). */
  eps: number;
  /** Cost exponent p ≥ 1: c(x, y) = |x − y|^p / p. Default 2. */
  p?: number;
  /** Weights of x [n] and y [m] (non-negative, normalized to mass 1); uniform by default. */
  wx?: ArrayLike<number>;
  wy?: ArrayLike<number>;
  /** Default 'auto': 'kernel' for small problems (kernelPreferred: n·m ≤ 2²⁶ with the SIMD products on a float32 K, 2²⁴ on a float64 one, else 2²¹), else 'online'. */
  mode?: SinkhornMode;
  /** Warm start: potential g on y, [m]. */
  potentialG?: Float64Array;
  /** Also return the dense coupling π [n, m] (only for n·m ≤ COUPLING_MAX_ENTRIES). */
  coupling?: boolean;
  /**
   * Who runs the online kernel's rows: the accelerator's (`acc.lse()`, threads and SIMD)
   * or this thread's SIMD kernel (`sequentialLse(acc.assembler)`); absent: the float64
   * JavaScript rows in this thread.
   */
  lse?: LseExecutor | null;
  /**
   * How the stored kernel's build and products run (mode 'kernel'): the SIMD kernel with
   * `assembler` (`acc.assembler`), split over `rows` (`acc.rows()`), K stored as float32 where
   * kernelPrecision(tol) allows (unless `precision` is given); absent: JavaScript loops in
   * this thread, float64.
   */
  products?: KernelProducts;
}

/**
 * Result of entropic OT between weighted point clouds (immutable by convention).
 * value = OT_ε(α, β) = ⟨f, a⟩ + ⟨g, b⟩ = ⟨C, π⟩ + ε KL(π | a⊗b) at convergence
 * (OTT-JAX / GeomLoss convention, not POT's ⟨C, π⟩; docs/design.md §2).
 */
export interface SinkhornResult {
  value: number;
  /** Dual potentials f [n] and g [m]; g is the exact soft C-transform of f. */
  f: Float64Array;
  g: Float64Array;
  eps: number;
  iterations: number;
  /** ‖π1 − a‖₁ at the last iteration (π1ᵀ = b holds exactly for the returned g). */
  marginalError: number;
  errorHistory: number[];
  converged: boolean;
  diverged: boolean;
  mode: 'online' | 'kernel';
  /** The stored kernel's storage (mode 'kernel'): float32 where the rule allows it with the SIMD products. */
  kernelPrecision?: 'float64' | 'float32';
  /** π [n, m] row-major, when asked for. */
  coupling?: Float64Array;
  /** Normalized weights used. */
  a: Float64Array;
  b: Float64Array;
}

/** Largest dense plan n·m that `sinkhorn` returns (2²⁴ float64 entries = 128 MiB); larger requests are refused before solving. */
export const COUPLING_MAX_ENTRIES = 1 << 24;

/**
 * Entropic OT between α = Σ a_i δ_{x_i} and β = Σ b_j δ_{y_j} (x [n, d], y [m, d]):
 * log-domain Sinkhorn with ε-scaling (sinkhornLoop) on a point-cloud geometry.
 * Stops when ‖π1 − a‖₁ < tol (default 1e−6); non-convergence and divergence are
 * flagged in the result, never silent. Over-relaxation defaults to 'auto' here (the
 * loop's default is plain Sinkhorn); ε-scaling (factor 0.8) is the default in the online
 * mode and off in the stored-kernel mode (see below). Cuturi 2013; Feydy et al. 2019.
 */
export function sinkhorn(x: Float64Array, y: Float64Array, d: number, opts: SinkhornOptions): SinkhornResult {
  const n = checkCloud('x', x, d);
  const m = checkCloud('y', y, d);
  const eps = checkEpsilon(opts.eps);
  const a = checkWeights('wx', opts.wx, n);
  const b = checkWeights('wy', opts.wy, m);
  const p = opts.p ?? 2;
  if (opts.coupling) checkCouplingSize(n, m); // before solving, not after
  const mode = opts.mode ?? 'auto';
  if (!['auto', 'online', 'kernel'].includes(mode)) throw new UsageError(`mode must be auto, online or kernel; got '${mode}'`);
  const online = new PointCloudGeometry(x, y, d, p, opts.lse);
  const { products, kernel: useKernel } = sinkhornPlan(n, m, d, { ...opts, mode });
  if (useKernel && n * m > 8 * KERNEL_MAX_ENTRIES) {
    throw new UsageError(`the stored kernel of ${n}×${m} points would take ${((8 * n * m) / 2 ** 30).toFixed(1)} GiB; use mode online (O(n + m) memory)`);
  }
  const kernel = useKernel ? new KernelGeometry(online, products) : null;
  const geometry: SinkhornGeometry = kernel ?? online;
  const r = sinkhornLoop(geometry, balancedMarginal(a), balancedMarginal(b), {
    ...opts, eps, potentialB: opts.potentialG, relaxation: opts.relaxation ?? 'auto',
    scaling: opts.scaling ?? defaultScaling(useKernel, eps, geometry.costScale),
  });
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  let value = 0;
  for (let i = 0; i < n; i++) {
    f[i] = -r.eps * r.logKv[i];
    if (a[i] > 0) value += a[i] * f[i];
  }
  for (let j = 0; j < m; j++) {
    g[j] = -r.eps * r.logKtu[j];
    if (b[j] > 0) value += b[j] * g[j];
  }
  const out: SinkhornResult = {
    value: r.diverged ? NaN : value, f, g, eps: r.eps, iterations: r.iterations, marginalError: r.marginalError,
    errorHistory: r.errorHistory, converged: r.converged, diverged: r.diverged, mode: useKernel ? 'kernel' : 'online', a, b,
    ...(kernel ? { kernelPrecision: kernel.precision } : {}),
  };
  if (opts.coupling) out.coupling = couplingOf(online, a, b, f, g, r.eps);
  return out;
}

/** How sinkhorn() runs an n×m problem: what `sinkhornPlan` says. */
export interface SinkhornPlan {
  /** The stored kernel (KernelGeometry) rather than the online rows. */
  kernel: boolean;
  /** The stored kernel's products as sinkhorn() passes them (K's storage by the rule filled in). */
  products: KernelProducts | undefined;
  /** With the stored kernel: whether its products run as the SIMD kernel, and K's storage. */
  simd: boolean;
  precision: 'float64' | 'float32';
}

/**
 * The fixed rules sinkhorn() applies to an n×m problem in dimension d (never a timing): the
 * mode (kernelPreferred under 'auto'), whether the stored kernel's products run in SIMD, and
 * K's storage (kernelPrecision of the tolerance, float32 only for p = 2 with the SIMD kernel).
 * Callers that record where a solve runs (scene.json) ask here, so the record is what runs.
 */
export function sinkhornPlan(n: number, m: number, d: number, opts: Pick<SinkhornOptions, 'mode' | 'p' | 'tol' | 'products'>): SinkhornPlan {
  const p = opts.p ?? 2;
  const mode = opts.mode ?? 'auto';
  // K's storage by the fixed rule (kernelPrecision: float32 when the tolerance allows), unless the caller chose it.
  const products = opts.products && { precision: kernelPrecision(opts.tol ?? 1e-6), ...opts.products };
  const simd = simdProducts(products, d);
  const float32 = simd && p === 2 && products?.precision === 'float32';
  const kernel = mode === 'kernel' || (mode === 'auto' && kernelPreferred(n, m, simd, float32));
  return { kernel, products, simd, precision: float32 ? 'float32' : 'float64' };
}

/**
 * The fixed rule for ε-scaling when none is given (measured on seeded clouds in [0, 1]², n = 1000):
 * - stored kernel: none — each ε change costs a rebuild (n·m exponentials, ~5 matrix–vector
 *   products), more than over-relaxed Sinkhorn gains from annealing (ε = 1e−3: 289 iterations
 *   without, 221 with, 32 rebuilds);
 * - online: factor 0.8 when ε < costScale/100; above, the annealing stages cost more than they
 *   save (ε = 1e−2·costScale: 35 iterations without, 64 with).
 */
export function defaultScaling(kernel: boolean, eps: number, costScale: number): number | false {
  return !kernel && eps < costScale / 100 ? 0.8 : false;
}

/** Refuses a dense coupling above COUPLING_MAX_ENTRIES, saying how much memory it would need. */
export function checkCouplingSize(n: number, m: number): void {
  if (n * m > COUPLING_MAX_ENTRIES) {
    throw new UsageError(`the coupling has ${n}×${m} = ${n * m} entries (${((8 * n * m) / 2 ** 30).toFixed(2)} GiB as float64); it is only formed for n·m ≤ ${COUPLING_MAX_ENTRIES} (128 MiB): use the potentials (π_ij = a_i b_j e^{(f_i + g_j − C_ij)/ε}) or the barycentric map`);
  }
}

/** π_ij = a_i b_j exp((f_i + g_j − C_ij)/ε), dense [n, m]; refuses above COUPLING_MAX_ENTRIES. */
export function couplingOf(geom: PointCloudGeometry, a: Float64Array, b: Float64Array, f: Float64Array, g: Float64Array, eps: number): Float64Array {
  const { n, m, d, p, x, y } = geom;
  checkCouplingSize(n, m);
  const pi = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += (x[i * d + k] - y[j * d + k]) ** 2;
      const c = Math.pow(r2, p / 2) / p;
      pi[i * m + j] = a[i] * b[j] * Math.exp((f[i] + g[j] - c) / eps);
    }
  return pi;
}

/**
 * Entropic barycentric map (the "barycentric projection" of the plan, e.g. Pooladian &
 * Niles-Weed 2021): T(x_i) = Σ_j π_ij y_j / Σ_j π_ij, [n, d]. With π_ij ∝ b_j e^{(g_j − C_ij)/ε}
 * along row i (f_i cancels), each row is a softmax over j, computed online: O(n·m·d) time,
 * O(m) memory, never the plan. Rows of zero mass (a_i = 0) get the map of their point too.
 */
export function barycentricMap(x: Float64Array, y: Float64Array, d: number, r: Pick<SinkhornResult, 'g' | 'b' | 'eps'>, p = 2): Float64Array {
  const n = x.length / d;
  const m = y.length / d;
  const logit = new Float64Array(m);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < m; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += (x[i * d + k] - y[j * d + k]) ** 2;
      const l = r.b[j] > 0 ? Math.log(r.b[j]) + (r.g[j] - Math.pow(r2, p / 2) / p) / r.eps : -Infinity;
      logit[j] = l;
      if (l > mx) mx = l;
    }
    let z = 0;
    for (let j = 0; j < m; j++) {
      const e = Math.exp(logit[j] - mx);
      z += e;
      for (let k = 0; k < d; k++) out[i * d + k] += e * y[j * d + k];
    }
    for (let k = 0; k < d; k++) out[i * d + k] /= z;
  }
  return out;
}
