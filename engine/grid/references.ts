/**
 * Known answers for grid flows (docs/design.md §4): Barenblatt profiles of the porous
 * medium equation, the entropic-JKO blur of a Gaussian steady state, and KL.
 */

/** KL(p | q) = Σ p log(p/q) of two cell-mass vectors (0 log 0 = 0). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) s += p[i] * Math.log(p[i] / q[i]);
  return s;
}

/** L1 distance Σ|p − q| of two cell-mass vectors (twice the total variation). */
export function l1Distance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s;
}

/**
 * Barenblatt solution of ∂ρ = Δρ^m in R^d with unit mass (Vázquez 2007, §4.4):
 *
 *     ρ(t, x) = t^{−α} (C − k |x|² t^{−2α/d})_+^{1/(m−1)},
 *     α = d / (d(m−1) + 2),  k = α(m−1)/(2 m d),
 *
 * with C fixed by ∫ρ = 1 (computed numerically by radial quadrature).
 * Returns ρ(t, ·) as a function of |x|².
 */
export function barenblatt(m: number, d: number): (t: number, r2: number) => number {
  const alpha = d / (d * (m - 1) + 2);
  const beta = alpha / d;
  const k = (alpha * (m - 1)) / (2 * m * d);
  // Mass of the profile with C = 1 at t = 1: ∫ (1 − k r²)_+^{1/(m−1)} dx = |S^{d−1}| ∫_0^R r^{d−1} (…) dr.
  const R = Math.sqrt(1 / k);
  const sphere = d === 1 ? 2 : d === 2 ? 2 * Math.PI : 4 * Math.PI;
  const N = 20000;
  let mass1 = 0;
  for (let i = 0; i < N; i++) {
    const r = ((i + 0.5) / N) * R;
    mass1 += Math.pow(Math.max(0, 1 - k * r * r), 1 / (m - 1)) * Math.pow(r, d - 1);
  }
  mass1 *= (sphere * R) / N;
  // Scaling C: ∫(C − k r²)_+^{1/(m−1)} = C^{1/(m−1) + d/2} · mass1.
  const C = Math.pow(1 / mass1, 1 / (1 / (m - 1) + d / 2));
  return (t, r2) => Math.pow(t, -alpha) * Math.pow(Math.max(0, C - k * r2 * Math.pow(t, -2 * beta)), 1 / (m - 1));
}

/**
 * Stationary variance of entropic JKO steps (cost ½|x−y|², regularization ε, step τ)
 * for F = ∫ x²/(2s²) ρ + T ∫ ρ log ρ in 1D on the whole line (Gibbs variance T s²):
 * the Gaussian fixed point of the scheme, root of
 *   (1+σT)u − σ/s² = β_a / (1 + εβ_a),  β_a = u − β_b/(1 + εβ_b),  β_b = σ(T u − 1/s²)… 
 * written for precisions u = 1/var; ≈ T s² + ε/(2τ) to first order (the entropic blur).
 */
export function gaussianJkoStationaryVariance(tau: number, eps: number, T: number, s2: number): number {
  const sigma = tau / eps;
  const a = 1 / s2;
  // Gaussian bookkeeping of one fixed-point sweep (precisions): q = p = N(0, 1/u);
  // log r = (1+σT) log q + σV ⇒ prec(r) = (1+σT)u − σa; b = q/r: prec(b) = u − prec(r);
  // Kb: prec = pb/(1+ε pb); a = p/Kb: prec(a) = u − prec(Kb); r = Kᵀa: prec = pa/(1+ε pa).
  const residual = (u: number) => {
    const pr = (1 + sigma * T) * u - sigma * a;
    const pb = u - pr;
    const pKb = pb / (1 + eps * pb);
    const pa = u - pKb;
    return pr - pa / (1 + eps * pa);
  };
  // Bracket around the Gibbs precision a/T and bisect.
  let lo = (0.5 * a) / T, hi = (1.0 * a) / T;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (Math.sign(residual(mid)) === Math.sign(residual(lo))) lo = mid;
    else hi = mid;
  }
  return 1 / (0.5 * (lo + hi));
}
