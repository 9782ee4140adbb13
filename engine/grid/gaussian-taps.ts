/**
 * One axis of the Gibbs kernel K = exp(−|x−y|²/(2ε)) on a uniform grid: the
 * symmetric Toeplitz taps k_m = exp(−m²h²/(2ε)), m = 0..w, truncated at the
 * half-width w after which every entry is ≤ δ.
 *
 * Truncation error: the dropped entries of the 1D matrix are exactly those with
 * |i − j| > w, each ≤ k_{w+1} ≤ δ (the kernel's largest entry is 1). The product
 * kernel in d dimensions drops an entry as soon as one axis offset exceeds its
 * w, so every dropped entry of K is ≤ max_k k^{(k)}_{w_k+1}: that number is the
 * stated truncation error. Truncation is the same as adding the cost +∞ for
 * |x_k − y_k| > w_k h_k, so one JKO step moves mass at most w_k cells per axis.
 */
export interface GaussianTaps {
  /** k_m, m = 0..w [w + 1]. */
  taps: Float64Array;
  /** log k_m = −m²h²/(2ε) [w + 1]. */
  logTaps: Float64Array;
  /** Half-width w in cells (≤ n − 1). */
  w: number;
  /** Largest dropped entry k_{w+1} (0 when nothing is dropped, w = n − 1). */
  dropped: number;
}

/** The taps of one axis with n cells of size h, truncated at δ (δ = 0: all n). */
export function gaussianTaps(n: number, h: number, eps: number, delta: number): GaussianTaps {
  if (!(eps > 0)) throw new Error(`ε must be > 0; got ${eps}`);
  // Smallest w with exp(−(w+1)²h²/(2ε)) ≤ δ, i.e. (w+1) ≥ √(2ε log(1/δ))/h.
  const reach = delta > 0 ? Math.sqrt(2 * eps * Math.log(1 / delta)) / h : Infinity;
  const w = Math.min(n - 1, Math.max(0, Math.ceil(reach - 1 - 1e-12)));
  const taps = new Float64Array(w + 1);
  const logTaps = new Float64Array(w + 1);
  for (let m = 0; m <= w; m++) {
    logTaps[m] = -(m * m * h * h) / (2 * eps);
    taps[m] = Math.exp(logTaps[m]);
  }
  const dropped = w >= n - 1 ? 0 : Math.exp(-((w + 1) ** 2 * h * h) / (2 * eps));
  return { taps, logTaps, w, dropped };
}
