/**
 * Marginal updates of the Sinkhorn loop, one per side: given the log kernel
 * application s = log(K e^{other side}) they return this side's new log-scaling.
 *
 * The loop keeps the plan in the scaling form π_ij = exp(α_i + β_j − C_ij/ε)
 * (α = log u, β = log v). The dual potential of a side is f = ε (α − log ρ), where
 * ρ is the side's reference measure (`logReference`); ε-scaling keeps f fixed when ε
 * changes. Each update is pointwise, O(n), and writes into `out`.
 *
 * - balanced (classical OT): α ← log a − s  (a ← p / (K b)), Cuturi 2013.
 * - KL proximal (entropic JKO, Peyré 2015, docs/design.md §1.2): with r = e^s = Kᵀa,
 *     b ← prox^{KL}_{σF}(r) / r,   i.e.   β ← logprox(s) − s.
 * - unbalanced (KL marginal penalty of strength ρ, Chizat et al. 2018):
 *     α ← ρ/(ρ+ε) · (log a − s).
 */
export interface MarginalUpdate {
  /** log of the reference measure (log a for a balanced side; zeros for a proximal side). Length of the side. */
  readonly logReference: Float64Array;
  /** out = new log-scaling, from s = log(K e^{other}) (both of this side's length). */
  update(s: Float64Array, eps: number, out: Float64Array): void;
}

/** log of weights, −∞ where the weight is 0. */
export function logWeights(w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.log(w[i]);
  return out;
}

/** Balanced marginal constraint π1 = a: α = log a − s (zero-mass points keep α = −∞). */
export function balancedMarginal(weights: ArrayLike<number>): MarginalUpdate {
  const logA = logWeights(weights);
  return {
    logReference: logA,
    update(s, _eps, out) {
      for (let i = 0; i < logA.length; i++) out[i] = logA[i] === -Infinity ? -Infinity : logA[i] - s[i];
    },
  };
}

/**
 * KL proximal side (entropic JKO): `logProx(s, eps, out)` writes log prox^{KL}_{σF}(e^s)
 * for σ = τ/ε (the caller knows τ and F). Example, potential V: log prox = s − σV.
 * The new log-scaling is logProx(s) − s; a −∞ prox (obstacle) gives β = −∞.
 */
export function klProxMarginal(size: number, logProx: (s: Float64Array, eps: number, out: Float64Array) => void): MarginalUpdate {
  return {
    logReference: new Float64Array(size),
    update(s, eps, out) {
      logProx(s, eps, out);
      for (let j = 0; j < size; j++) out[j] = out[j] === -Infinity ? -Infinity : out[j] - s[j];
    },
  };
}

/** Unbalanced side: KL(π1 | a) penalized with strength rho (rho → ∞ is balanced). */
export function unbalancedMarginal(weights: ArrayLike<number>, rho: number): MarginalUpdate {
  const logA = logWeights(weights);
  return {
    logReference: logA,
    update(s, eps, out) {
      const k = rho / (rho + eps);
      for (let i = 0; i < logA.length; i++) out[i] = logA[i] === -Infinity ? -Infinity : k * (logA[i] - s[i]);
    },
  };
}
