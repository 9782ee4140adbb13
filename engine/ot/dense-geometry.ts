import { firstNonFinite } from '../core/finite.ts';
import { UsageError } from '../core/simulation.ts';
import type { SinkhornGeometry } from './geometry.ts';

/**
 * A small dense cost matrix C [n, m] row-major (e.g. Sinkformer attention, where
 * C_ij = −⟨Q x_i, K x_j⟩ and ε = 1/β; Sander et al. 2022), applied exactly in the log
 * domain: two passes per output (max, then Σ e^{t − max}). Memory is the matrix
 * itself, so this is for n·m that fits; point clouds use PointCloudGeometry.
 * costScale is max C − min C (a constant shift of C does not change the plan).
 */
export class DenseCostGeometry implements SinkhornGeometry {
  readonly costScale: number;

  constructor(
    readonly cost: Float64Array,
    readonly n: number,
    readonly m: number,
  ) {
    if (cost.length !== n * m) throw new UsageError(`cost matrix has ${cost.length} entries; expected n·m = ${n}·${m}`);
    const bad = firstNonFinite(cost);
    if (bad >= 0) throw new UsageError(`cost entry ${bad} is ${cost[bad]}; costs must be finite`);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < cost.length; k++) {
      if (cost[k] < lo) lo = cost[k];
      if (cost[k] > hi) hi = cost[k];
    }
    this.costScale = Math.max(hi - lo, 1e-300);
  }

  logApply(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, cost } = this;
    const inv = 1 / eps;
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) mx = Math.max(mx, h[j] - inv * cost[o + j]);
      if (mx === -Infinity) {
        out[i] = -Infinity;
        continue;
      }
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp(h[j] - inv * cost[o + j] - mx);
      out[i] = mx + Math.log(s);
    }
  }

  logApplyT(eps: number, h: Float64Array, out: Float64Array): void {
    const { n, m, cost } = this;
    const inv = 1 / eps;
    for (let j = 0; j < m; j++) {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) mx = Math.max(mx, h[i] - inv * cost[i * m + j]);
      if (mx === -Infinity) {
        out[j] = -Infinity;
        continue;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(h[i] - inv * cost[i * m + j] - mx);
      out[j] = mx + Math.log(s);
    }
  }
}
