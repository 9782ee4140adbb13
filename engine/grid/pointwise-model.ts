/**
 * The pointwise part of a grid energy in cell masses q (Peyré 2015, §3):
 *
 *     F(q) = Σ_i [ V_i q_i + T q_i log q_i + c q_i^m/(m−1) ] + ι{q_i ≤ cap_i} + ι{q_i = 0 on the mask}
 *
 * Energy terms (potential, entropy, porous medium, congestion, obstacles, and the
 * semi-implicit interaction V += W*p_k) add their share to one model at the start
 * of each JKO step, so that energies compose by summation and the KL prox of the
 * sum is solved exactly, one cell at a time (kl-prox.ts).
 */
export interface PointwiseModel {
  /** Linear potential per cell (units of energy per unit mass) [size]. */
  V: Float64Array;
  /** Coefficient T of Σ q log q (temperature). */
  temperature: number;
  /** Coefficient c of Σ q^m/(m−1) and the exponent m > 1 (c = 0: none). */
  porous: { coef: number; m: number };
  /** Upper bound on each cell mass (congestion κ·cellVolume); Infinity: none. */
  cap: number;
  /** 1 on blocked cells [size], or null. */
  mask: Uint8Array | null;
}

/** A model with no terms, for a grid of `size` cells. */
export function emptyModel(size: number): PointwiseModel {
  return { V: new Float64Array(size), temperature: 0, porous: { coef: 0, m: 2 }, cap: Infinity, mask: null };
}

/** Clears a model for the next step (keeps its arrays). */
export function resetModel(model: PointwiseModel): void {
  model.V.fill(0);
  model.temperature = 0;
  model.porous = { coef: 0, m: 2 };
  model.cap = Infinity;
  model.mask = null;
}
