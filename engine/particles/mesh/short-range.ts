import type { CellList } from '../cell-list.ts';
import type { RadialPart } from './kernel-split.ts';

/**
 * The short-range part of a split interaction over the pairs of a cell list closer
 * than its cutoff (P³M's particle–particle sum): adds −Σ_j w_j ∇S(x_i − x_j) into
 * the sorted velocity `vs` ([n, d], sorted order) when given, and returns
 * Σ_{i<j} w_i w_j S(|x_i − x_j|²) when `energy` is set (0 otherwise). Each pair is
 * visited once. Coincident pairs (r = 0) add no force (∇S(0) = 0 for
 * regular W) and, for `regular` W, the energy S(0); singular W never has them in a
 * valid state. The diagonal i = j is the caller's.
 */
export function shortRangeSums(cl: CellList, ws: Float64Array, S: RadialPart, vs: Float64Array | null, energy: boolean, regular: boolean): number {
  const s0 = regular && energy ? S.value(0) : 0;
  const { d, xs } = cl;
  const cut2 = cl.cutoff * cl.cutoff;
  let e = 0;
  cl.forEachCellPair((a0, a1, b0, b1) => {
    const same = a0 === b0;
    for (let s = a0; s < a1; s++) {
      const ws_ = ws[s];
      for (let t = same ? s + 1 : b0; t < b1; t++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const z = xs[s * d + k] - xs[t * d + k];
          r2 += z * z;
        }
        if (r2 >= cut2) continue;
        if (r2 === 0) {
          e += ws_ * ws[t] * s0;
          continue;
        }
        if (energy) e += ws_ * ws[t] * S.value(r2);
        if (vs) {
          const g = S.gradFactor(r2);
          const fs = ws[t] * g, ft = ws_ * g;
          for (let k = 0; k < d; k++) {
            const z = xs[s * d + k] - xs[t * d + k];
            vs[s * d + k] -= fs * z;
            vs[t * d + k] += ft * z;
          }
        }
      }
    }
  });
  return e;
}
