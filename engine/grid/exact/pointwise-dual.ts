import { UsageError } from '../../core/simulation.ts';
import { porousNewton } from '../kl-prox.ts';
import type { PointwiseModel } from '../pointwise-model.ts';

/** Stop the multiplier search when |Σq − 1| is below this (a few ulp of the sum). */
const MASS_TOL = 1e-14;
const MAX_SEARCH = 200;

/** The maximizer's multiplier and value of the pointwise conjugate F₁*(−φ) under Σq = 1 (`PointwiseConjugate`). */
export interface ConjugateResult {
  /** Multiplier λ of the mass constraint Σq = 1. */
  lambda: number;
  /** F₁*(−φ) = Σ_i (−φ_i q_i − f_i(q_i)) at the maximizer. */
  value: number;
}

/**
 * The pointwise conjugate in the dual of an exact JKO step (Jacobs, Lee & Léger 2021,
 * §3): for the pointwise model (pointwise-model.ts) in cell masses q,
 *
 *     f_i(q) = V_i q + T q log q + c q^m/(m−1) + ι{0 ≤ q ≤ cap} (+ ι{q = 0} on the mask),
 *
 * with the mass constraint F₁ = F + ι{Σq = 1},
 *
 *     F₁*(−φ) = max_{q ≥ 0, Σq = 1} Σ_i −φ_i q_i − f_i(q_i),     ρ(φ) = its maximizer,
 *
 * cell by cell given the multiplier λ: with w_i = −φ_i − V_i and s = w_i − λ (f_i' = s),
 *   entropy (c = 0):   q = e^{s/T − 1}
 *   porous (T = 0):    q = (s₊ (m−1)/(c m))^{1/(m−1)}
 *   both:              log q solves T log q + T + c m/(m−1) q^{m−1} = s (Lambert W, kl-prox.ts)
 *   then q ← min(q, cap) (congestion next to entropy or a porous term).
 * λ solves Σq(λ) = 1 (q decreases in λ) by Newton inside a bracket; the last ulps of mass
 * go to the cells below the cap, so Σρ = 1 to round-off. Because of the mass
 * constraint, F₁*(−φ − C) = F₁*(−φ) − C: the dual does not see constants.
 * Without an entropy or porous term (f linear, or linear with a bound: the
 * incompressible limit) ρ(φ) is not single-valued (refused) or is bang-bang (evaluateBangBang;
 * ExactJKO solves that case with a one-cell porous relaxation instead: exact-jko.ts relax()).
 */
export class PointwiseConjugate {
  constructor(private readonly model: PointwiseModel) {
    if (!(model.temperature > 0) && !(model.porous.coef > 0) && !(model.cap < Infinity)) {
      throw new UsageError('scheme=exact needs an entropy, porous-medium or congestion term: with a potential alone the exact JKO dual has no unique density (use scheme=entropic)');
    }
  }

  /** Potential and congestion alone (the incompressible limit): ρ(φ) is bang-bang (see evaluateBangBang). */
  get bangBang(): boolean {
    return !(this.model.temperature > 0) && !(this.model.porous.coef > 0);
  }

  /** Sorted copy of the free cells' w = −φ − V (bang-bang scratch). */
  private sorted: Float64Array | null = null;

  /**
   * Congestion and a potential alone: f_i(q) = V_i q + ι{0 ≤ q ≤ cap}, so the maximizer of
   * Σ w q (w = −φ − V) under Σq = 1 fills the cells of largest w to the cap: q = cap where
   * w > λ, 0 where w < λ, and the cells at w = λ (the threshold: the ⌈1/cap⌉-th largest w)
   * share the rest equally — a supergradient of the concave, non-smooth F₁*(−φ). Σq = 1
   * exactly up to the rounding of the shared rest. O(N log N) (a sort).
   */
  private evaluateBangBang(phi: Float64Array, q: Float64Array): ConjugateResult {
    const { V, mask, cap } = this.model;
    const n = phi.length;
    if (!this.sorted || this.sorted.length < n) this.sorted = new Float64Array(n);
    let free = 0;
    for (let i = 0; i < n; i++) if (!(mask && mask[i])) this.sorted[free++] = -phi[i] - V[i];
    const w = this.sorted.subarray(0, free).sort();
    const full = Math.min(free, Math.floor(1 / cap)); // cells at the cap, the rest share 1 − full·cap
    const lambda = full < free ? w[free - 1 - full] : -Infinity;
    let above = 0, at = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[i]) continue;
      const wi = -phi[i] - V[i];
      if (wi > lambda) above++;
      else if (wi === lambda) at++;
    }
    const share = at > 0 ? Math.min(cap, (1 - above * cap) / at) : 0;
    let value = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[i]) {
        q[i] = 0;
        continue;
      }
      const wi = -phi[i] - V[i];
      q[i] = wi > lambda ? cap : wi === lambda ? share : 0;
      value += wi * q[i];
    }
    return { lambda, value };
  }

  /** B = c·m/(m−1), the coefficient of q^{m−1} in f'. */
  private get porousB(): number {
    const { coef, m } = this.model.porous;
    return coef > 0 ? (coef * m) / (m - 1) : 0;
  }

  /** dρ_i/ds at cell mass q (the pointwise curvature of F₁*), below the cap. */
  slopeAt(q: number): number {
    const T = this.model.temperature, B = this.porousB, m = this.model.porous.m;
    if ((!(T > 0) && !(B > 0)) || !(q > 0)) return 0;
    return q / (T + B * (m - 1) * Math.pow(q, m - 1));
  }

  /** s(q) = f'(q) − V = T(log q + 1) + c·m/(m−1)·q^{m−1}: the s at which the cell holds q (q > 0, below the cap). */
  potentialAt(q: number): number {
    const T = this.model.temperature, B = this.porousB, m = this.model.porous.m;
    return (T > 0 ? T * (Math.log(q) + 1) : 0) + (B > 0 ? B * Math.pow(q, m - 1) : 0);
  }

  /** Σ_i f_i(q_i) − the cap and mask indicators: Σ V q + T q log q + c q^m/(m−1). */
  energy(q: Float64Array): number {
    const { V, temperature: T } = this.model;
    const c = this.model.porous.coef, m = this.model.porous.m;
    let e = 0;
    for (let i = 0; i < q.length; i++) {
      const qi = q[i];
      if (!(qi > 0)) continue;
      e += V[i] * qi;
      if (T > 0) e += T * qi * Math.log(qi);
      if (c > 0) e += (c * Math.pow(qi, m)) / (m - 1);
    }
    return e;
  }

  /** out_i = dρ_i/ds at ρ_i [size]: the slope above, 0 where the cap binds or on the mask. */
  slopes(rho: Float64Array, out: Float64Array): void {
    const { mask, cap } = this.model;
    for (let i = 0; i < rho.length; i++) out[i] = (mask && mask[i]) || rho[i] >= cap ? 0 : this.slopeAt(rho[i]);
  }

  /** ρ(φ) into q [size] (Σq = 1, 0 on the mask); returns λ and F₁*(−φ). `guess`: a previous λ. */
  evaluate(phi: Float64Array, q: Float64Array, guess = NaN): ConjugateResult {
    if (this.bangBang) return this.evaluateBangBang(phi, q);
    const { V, mask, temperature: T, cap } = this.model;
    const c = this.model.porous.coef, m = this.model.porous.m, B = this.porousB;
    let wMin = Infinity, wMax = -Infinity, free = 0;
    for (let i = 0; i < phi.length; i++) {
      if (mask && mask[i]) continue;
      const w = -phi[i] - V[i];
      if (w < wMin) wMin = w;
      if (w > wMax) wMax = w;
      free++;
    }
    let lambda: number;
    if (c === 0 && cap === Infinity) lambda = this.gibbsLambda(phi, wMax);
    else {
      // Bracket: at hi every cell holds ≤ 1/(e·free) (Σq < 1); at lo every cell holds ≥ min(cap, 1/free) (Σq ≥ 1).
      const q0 = 1 / free;
      let lo = wMin - (T * (Math.log(q0) + 1) + B * Math.pow(q0, m - 1)) - 1e-12 * (1 + Math.abs(wMin));
      let hi = wMax + (T > 0 ? T * Math.log(free) : 0);
      lambda = guess >= lo && guess <= hi ? guess : 0.5 * (lo + hi);
      for (let it = 0; it < MAX_SEARCH; it++) {
        const r = this.fill(phi, lambda, q) - 1;
        if (Math.abs(r) <= MASS_TOL) break;
        if (r > 0) lo = lambda;
        else hi = lambda;
        const dM = this.lastSlope;
        let next = dM > 0 ? lambda + r / dM : NaN;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (next === lambda || hi - lo <= 4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) break;
        lambda = next;
      }
    }
    // Final cell masses; the last ulps of mass go onto the cells below the cap.
    const M = this.fill(phi, lambda, q);
    let below = 0;
    for (let i = 0; i < q.length; i++) if (q[i] < cap) below += q[i];
    if (M !== 1 && below > 0) {
      const scale = 1 + (1 - M) / below;
      for (let i = 0; i < q.length; i++) if (q[i] < cap) q[i] = Math.min(q[i] * scale, cap);
    }
    let value = 0;
    for (let i = 0; i < q.length; i++) {
      const qi = q[i];
      if (qi <= 0) continue;
      let f = (-phi[i] - V[i]) * qi;
      if (T > 0) f -= T * qi * Math.log(qi);
      if (c > 0) f -= (c * (m === 2 ? qi * qi : Math.pow(qi, m))) / (m - 1);
      value += f;
    }
    return { lambda, value };
  }

  /** Σ_i dq_i/ds of the last fill (Newton slope of the mass in λ, sign flipped). */
  private lastSlope = 0;

  /** q_i = min(Q(w_i − λ), cap) for every free cell; returns Σq and sets lastSlope. */
  private fill(phi: Float64Array, lambda: number, q: Float64Array): number {
    const { V, mask, temperature: T, cap } = this.model;
    const m = this.model.porous.m, B = this.porousB, k = m - 1;
    let M = 0, dM = 0;
    if (B > 0 && !(T > 0)) {
      const invB = 1 / B, e = 1 / k;
      for (let i = 0; i < q.length; i++) {
        const s = -phi[i] - V[i] - lambda;
        if ((mask && mask[i]) || !(s > 0)) {
          q[i] = 0;
          continue;
        }
        let qi = m === 2 ? s * invB : Math.pow(s * invB, e);
        if (qi >= cap) qi = cap;
        else dM += m === 2 ? invB : qi / (k * s);
        q[i] = qi;
        M += qi;
      }
    } else if (!(B > 0)) {
      const invT = 1 / T;
      for (let i = 0; i < q.length; i++) {
        if (mask && mask[i]) {
          q[i] = 0;
          continue;
        }
        let qi = Math.exp((-phi[i] - V[i] - lambda) * invT - 1);
        if (qi >= cap) qi = cap;
        else dM += qi * invT;
        q[i] = qi;
        M += qi;
      }
    } else {
      for (let i = 0; i < q.length; i++) {
        if (mask && mask[i]) {
          q[i] = 0;
          continue;
        }
        let qi = Math.exp(porousNewton(T, B, k, -phi[i] - V[i] - lambda - T));
        if (qi >= cap) qi = cap;
        else dM += qi / (T + B * k * Math.pow(qi, k));
        q[i] = qi;
        M += qi;
      }
    }
    this.lastSlope = dM;
    return M;
  }

  /** Entropy alone: Σ e^{(w−λ)/T − 1} = 1 in closed form, λ = T(log Σ e^{(w − w_max)/T} − 1) + w_max. */
  private gibbsLambda(phi: Float64Array, wMax: number): number {
    const { V, mask, temperature: T } = this.model;
    let Z = 0;
    for (let i = 0; i < phi.length; i++) if (!(mask && mask[i])) Z += Math.exp((-phi[i] - V[i] - wMax) / T);
    return wMax + T * (Math.log(Z) - 1);
  }
}
