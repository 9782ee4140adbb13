/**
 * The width δ of the blob entropy (blob-entropy.ts) and the bias it leaves in the
 * stationary law, for the Ornstein–Uhlenbeck problem V = |x|²/2 at temperature σ, whose
 * exact stationary law is N(0, σI) (docs/design.md §4). Issue #11: with δ = 0.6 n^{−1/(d+4)} the
 * blob flow relaxed to variances 0.87σ (d = 3) and 0.47σ (d = 5) at n = 1000.
 *
 * Scaling: x = √σ x̃, δ = √σ δ̃ turns the blob energy into σ × the same energy at σ = 1, so
 * the stationary variance is σ·ρ(n, d, δ̃) with ρ the ratio below.
 *
 * Two biases, of opposite dependence on δ̃ (ratio ρ = C(δ̃)·D(n, d, δ̃)):
 *
 * - Continuum (n → ∞): F_δ(μ) = ∫V dμ + σ∫log(φ_δ*μ) dμ is minimized over Gaussians
 *   N(0, uI) by  v = u + δ²,  v² − σv − σδ² = 0, i.e.
 *     C = u/σ = (1 + √(1 + 4δ̃²))/2 − δ̃²  = 1 − δ̃⁴ + O(δ̃⁶),
 *   the blob law is narrower by the smoothing (exact for the Gaussian ansatz; the measured
 *   stationary variances agree with it to ≤ 1% for δ̃ ≤ 0.7).
 *
 * - Discrete (self term): ρ_i = Σ_j w_j φ_δ(x_i − x_j) contains w_i φ_δ(0) = (2πδ²)^{−d/2}/n,
 *   which carries no force. Where it dominates the neighbours' sum, the entropic pressure
 *   vanishes and particles pack in. At the centre of N(0, σI) it is a fraction
 *     κ = (1/n)(1 + 1/δ̃²)^{d/2}
 *   of the smoothed density, exponential in d. A virial identity makes the loss exact: at a
 *   stationary state Σ w_i|x_i|² = σ d R with
 *     R = (1/d) Σ_i w_i Σ_j w_j (|x_i − x_j|²/δ²) φ_δ(x_i − x_j) / ρ_i     (virialRatio),
 *   whose numerator has no self term (R → 1 as n → ∞, δ → 0). Fitted to stationary states of
 *   the blob flow (n = 250–1000, d = 1–5, δ̃ = 0.15–0.7; numpy, same velocity), within ±2%:
 *     D = 1 / (1 + 0.66 (d − 1) κ).
 *   (d = 1 is nearly free of it: spacing-limited packing needs transverse directions.)
 *
 * The default δ̃ maximizes C·D over [0.6 n^{−1/(d+4)}, 2] (the old rule as the lower end:
 * narrower blobs also stiffen the explicit step, the repulsion scales like σ/δ²).
 * Measured stationary variance / σ at n = 1000 with this rule (tests/engine/particles/blob-width.test.ts):
 * see the README table.
 */

/** The stated tolerance on the stationary variance of the blob flow (relative). */
export const BLOB_VARIANCE_TOLERANCE = 0.05;

/**
 * Largest explicit step of the blob flow, as τσ/δ², that leaves its stationary variance
 * unbiased. The blob repulsion between neighbours has stiffness ≈ σ/δ², so forward Euler
 * over-shoots on the particle scale beyond τσ/δ² ≈ 2: the cloud jitters and its variance
 * settles elsewhere. Measured (fokker-planck, d = 2, σ = 1, the default δ, mesh sums):
 * n = 10⁴: τσ/δ² = 1.5 and 1.8 → 0.9967 (prediction 0.9969), 2.1 → 0.988, 2.4 → 0.981,
 * 3.0 → 1.03; n = 10⁵ (δ = 0.123), τ = 0.1 (τσ/δ² = 6.6) → 1.19.
 */
export const BLOB_MAX_STEP = 1.8;

/** Fitted strength of the self-term loss per transverse dimension (see above). */
const SELF_TERM = 0.66;

/** C(δ̃): stationary variance / σ of the continuum blob energy over Gaussians. */
export function blobContinuumRatio(deltaTilde: number): number {
  const s = deltaTilde * deltaTilde;
  return (1 + Math.sqrt(1 + 4 * s)) / 2 - s;
}

/** Predicted stationary variance / σ of n blob particles in d dimensions at width δ̃ = δ/√σ. */
export function blobStationaryRatio(n: number, d: number, deltaTilde: number): number {
  const kappa = Math.pow(1 + 1 / (deltaTilde * deltaTilde), d / 2) / n;
  return blobContinuumRatio(deltaTilde) / (1 + SELF_TERM * (d - 1) * kappa);
}

export interface BlobWidth {
  /** δ for the given temperature. */
  delta: number;
  /** Predicted stationary variance / σ (1 is exact). */
  predictedRatio: number;
}

/** Golden-section search of the maximum of a unimodal f on [lo, hi]. */
function argmax(f: (x: number) => number, lo: number, hi: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo, b = hi;
  let c = b - g * (b - a), e = a + g * (b - a);
  let fc = f(c), fe = f(e);
  for (let k = 0; k < 80 && b - a > 1e-6 * (1 + b); k++) {
    if (fc >= fe) {
      b = e; e = c; fe = fc; c = b - g * (b - a); fc = f(c);
    } else {
      a = c; c = e; fc = fe; e = a + g * (b - a); fe = f(e);
    }
  }
  return (a + b) / 2;
}

/**
 * The default blob width for n particles in d dimensions at temperature σ: the δ̃ that
 * maximizes the predicted stationary ratio C·D (both factors are < 1), δ = √σ δ̃.
 */
export function defaultBlobWidth(n: number, d: number, temperature: number): BlobWidth {
  const lo = 0.6 * Math.pow(n, -1 / (d + 4));
  const best = argmax((t) => blobStationaryRatio(n, d, t), lo, Math.max(2, lo));
  return { delta: Math.sqrt(temperature) * best, predictedRatio: blobStationaryRatio(n, d, best) };
}

/**
 * Smallest n (to 2 significant digits) whose default width predicts a stationary variance
 * within `tol` of σ in d dimensions; Infinity beyond 1e12.
 */
export function blobParticlesNeeded(d: number, tol = BLOB_VARIANCE_TOLERANCE): number {
  const ok = (n: number) => 1 - defaultBlobWidth(n, d, 1).predictedRatio <= tol;
  let hi = 2;
  while (!ok(hi)) {
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  let lo = hi / 2;
  while (hi - lo > 0.01 * hi) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  const p = Math.pow(10, Math.floor(Math.log10(hi)) - 1);
  return Math.ceil(hi / p) * p;
}
