/**
 * A Sinkhorn geometry: the one part of the Sinkhorn loop that knows what the two
 * measures live on (point clouds, a grid, a small dense cost matrix). It applies
 * the Gibbs kernel K_ε = exp(−C/ε) in the log domain — the "soft C-transform"
 * (GeomLoss's softmin, OTT-JAX's `apply_lse_kernel`):
 *
 *   logApply(ε, h)_i  = log Σ_j exp(h_j − C_ij/ε)     (log of K e^h),   h: [m] → out: [n]
 *   logApplyT(ε, h)_j = log Σ_i exp(h_i − C_ij/ε)     (log of Kᵀ e^h),  h: [n] → out: [m]
 *
 * Entries of h may be −∞ (zero-mass points, obstacles): they contribute nothing.
 * An output is −∞ only when every term is zero. Implementations must not allocate
 * per call in proportion to n·m (the point-cloud geometry is O(n + m) memory).
 *
 * The solver never knows which geometry it runs on (OTT-JAX: geometry → problem →
 * solver). A grid geometry (separable convolution, Solomon et al. 2015) or a
 * stored-kernel geometry implements the same two methods.
 *
 * Warm outputs: on entry, `out` holds the previous output of the same method
 * (rescaled by the loop when ε changes, so it stays an estimate of −potential/ε),
 * or zeros on the first call. An implementation may use it as a numerical shift
 * but must return the exact answer whatever it contains.
 */
export interface SinkhornGeometry {
  /** Number of points of the first measure (rows of C). */
  readonly n: number;
  /** Number of points of the second measure (columns of C). */
  readonly m: number;
  /**
   * An upper bound of max_ij C_ij (e.g. diameter^p / p): the first ε of the
   * ε-scaling schedule, where the kernel is nearly flat.
   */
  readonly costScale: number;
  /** out[i] = log Σ_j exp(h[j] − C_ij/ε); h: [m], out: [n]. */
  logApply(eps: number, h: Float64Array, out: Float64Array): void;
  /** out[j] = log Σ_i exp(h[i] − C_ij/ε); h: [n], out: [m]. */
  logApplyT(eps: number, h: Float64Array, out: Float64Array): void;
}

