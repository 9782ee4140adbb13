/**
 * A low-rank factor of one axis's Gibbs matrix G_ij = exp(−(x_i − x_j)²/(2ε)) on a uniform
 * grid of n cells of size h (G_ij = exp(−(i − j)²h²/(2ε)), the untruncated taps of
 * gaussian-taps.ts): G ≈ L Lᵀ with L n×r, by PIVOTED CHOLESKY (O(n r²) work, G never
 * formed), stopped when the largest residual diagonal is ≤ δ.
 *
 * Why low rank: a wide Gaussian kernel is smooth, so its eigenvalues decay like a Gaussian's
 * Fourier transform; at ε = 0.01 on [0, 1] G has ~32 eigenvalues above 1e−12 whatever n
 * (128/256/512/1024: 31/32/32/33; ε = 0.003: ~52; ε = 0.03: ~21). An axis pass Y = L (Lᵀ X)
 * then costs 2·r multiply–adds per cell instead of the dense pass's ~n (wasm-low-rank.ts).
 *
 * Error contract — the SAME as the truncation's (gaussian-taps.ts): the residual
 * R = G − L Lᵀ of a (pivoted) Cholesky is positive semidefinite, so every entry obeys
 * |R_ij| ≤ √(R_ii R_jj) ≤ max_i R_ii ≤ δ: each entry of the applied operator L Lᵀ is within
 * δ of the Gibbs kernel, as each dropped entry of the truncated kernel is ≤ δ. Applied to
 * b ≥ 0, each output is within δ·‖b‖₁ of the exact G b (the truncation's bound). Against the
 * truncated operator (not the exact one) the difference is ≤ 2δ per entry. The bound holds
 * in exact arithmetic; round-off adds ~r·2⁻⁵² per entry (tests/engine/grid/low-rank-taps.test.ts).
 */
export interface LowRankTaps {
  /** L, n×r row-major: L[i·r + q]. */
  factor: Float64Array;
  n: number;
  /** Rank r (columns of L). */
  rank: number;
  /** Largest residual diagonal max_i (G − L Lᵀ)_ii at the stop (≤ δ): the bound on every entry of G − L Lᵀ. */
  residual: number;
}

/**
 * The factor of the n-cell axis (cell size h) at ε, stopped at the residual diagonal δ; null
 * when more than `maxRank` columns would be needed (the low-rank pass would not win, and
 * the O(n r²) work stops there) or δ ≤ 0 (the untruncated kernel: rank n).
 */
export function lowRankTaps(n: number, h: number, eps: number, delta: number, maxRank = n): LowRankTaps | null {
  if (!(eps > 0)) throw new Error(`ε must be > 0; got ${eps}`);
  if (!(delta > 0)) return null;
  const c = (h * h) / (2 * eps);
  const entry = (i: number, j: number) => Math.exp(-c * (i - j) * (i - j));
  const cap = Math.min(n, maxRank);
  const cols: Float64Array[] = []; // columns of L, each [n]
  const d = new Float64Array(n).fill(1); // residual diagonal: G_ii = 1
  const pivots: number[] = [];
  for (;;) {
    let p = 0;
    for (let i = 1; i < n; i++) if (d[i] > d[p]) p = i;
    if (d[p] <= delta) break;
    if (cols.length === cap) return null;
    // Column m of L: (G[:, p] − Σ_l L[:, l] L[p, l]) / √d_p; then d_i −= L[i, m]².
    const s = Math.sqrt(d[p]);
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = entry(i, p);
      for (const l of cols) v -= l[i] * l[p];
      col[i] = v / s;
    }
    for (const q of pivots) col[q] = 0; // exact zeros of the residual at earlier pivots (round-off aside)
    col[p] = s;
    for (let i = 0; i < n; i++) d[i] -= col[i] * col[i];
    d[p] = 0; // earlier pivots stay 0: their entries of the column are 0
    cols.push(col);
    pivots.push(p);
  }
  const r = cols.length;
  const factor = new Float64Array(n * r);
  cols.forEach((col, q) => {
    for (let i = 0; i < n; i++) factor[i * r + q] = col[i];
  });
  let residual = 0;
  for (let i = 0; i < n; i++) residual = Math.max(residual, d[i]);
  return { factor, n, rank: r, residual };
}
