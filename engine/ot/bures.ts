import { matmul, sqrtPsd } from '../linalg/symmetric-eigen.ts';

/**
 * Squared 2-Wasserstein distance between Gaussians N(m1, Σ1) and N(m2, Σ2), the
 * Bures formula (docs/design.md §2):
 *   W2² = |m1 − m2|² + tr(Σ1 + Σ2 − 2 (Σ1^{½} Σ2 Σ1^{½})^{½}).
 */
export function gaussianW2Squared(m1: ArrayLike<number>, S1: ArrayLike<number>, m2: ArrayLike<number>, S2: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += (m1[i] - m2[i]) ** 2;
  const r1 = sqrtPsd(S1, d);
  const cross = sqrtPsd(matmul(matmul(r1, S2, d), r1, d), d);
  for (let i = 0; i < d; i++) s += S1[i * d + i] + S2[i * d + i] - 2 * cross[i * d + i];
  return Math.max(0, s);
}
