import type { PointwiseModel } from './pointwise-model.ts';

/** Newton stops when the step in log q is below this (a few ulp of typical |log q| ≲ 50). */
const NEWTON_TOL = 1e-13;
const NEWTON_MAX = 100;

/**
 * log prox^{KL}_{σF}(r) for the pointwise model F (docs/design.md §1.2, Peyré 2015 §3.2),
 * from s = log r, σ = τ/ε. Each cell solves min_q σF_i(q) + KL(q | r_i):
 *
 *   no porous term:  log q = (s − σV)/(1 + σT)        (potential, entropy/KL to Gibbs)
 *   porous (m > 1):  x = log q solves (1 + σT) x + σ c m/(m−1) e^{(m−1)x} = s − σV  (Lambert W by Newton)
 *   congestion:      log q ← min(log q, log cap)    (the 1D problem is convex: clamp)
 *   obstacle cell or r = 0: q = 0 (log q = −∞).
 *
 * The entropy term enters as T(q log q − q): the −q is linear, so it only rescales q
 * by a constant that the scaling a absorbs (mass is fixed by π1 = p_k).
 * s, out: [size]; out may alias s.
 */
export function logKlProx(model: PointwiseModel, sigma: number, s: Float64Array, out: Float64Array): void {
  const { V, mask } = model;
  const A = 1 + sigma * model.temperature;
  const logCap = Math.log(model.cap);
  const m = model.porous.m;
  const B = model.porous.coef > 0 ? (sigma * model.porous.coef * m) / (m - 1) : 0;
  for (let i = 0; i < s.length; i++) {
    if ((mask && mask[i]) || s[i] === -Infinity) {
      out[i] = -Infinity;
      continue;
    }
    const R = s[i] - sigma * V[i];
    let x = B > 0 ? porousNewton(A, B, m - 1, R) : R / A;
    if (x > logCap) x = logCap;
    out[i] = x;
  }
}

/**
 * Root of g(x) = A x + B e^{kx} − R (A, B, k > 0), in closed form through Lambert's W:
 *
 *     x = R/A − W(z)/k,   z = (kB/A) e^{kR/A},
 *
 * with W(e^ℓ), ℓ = log(kB/A) + kR/A (z itself may overflow), by Newton on
 * u = log W: u + e^u = ℓ. That function is increasing and convex, so Newton from a
 * start where it is ≥ ℓ — u0 = log ℓ for ℓ > 1, else u0 = ℓ — decreases monotonically
 * and quadratically to the root (a handful of steps for any ℓ).
 */
export function porousNewton(A: number, B: number, k: number, R: number): number {
  const l = Math.log((k * B) / A) + (k * R) / A;
  let u = l > 1 ? Math.log(l) : l;
  for (let it = 0; it < NEWTON_MAX; it++) {
    const e = Math.exp(u);
    const du = (u + e - l) / (1 + e);
    u -= du;
    if (!(Math.abs(du) > NEWTON_TOL * (1 + Math.abs(u)))) break;
  }
  return R / A - Math.exp(u) / k;
}
