import { UsageError } from '../core/simulation.ts';
import { ConvolutionalGibbsKernel } from './gibbs-kernel.ts';
import type { GridEnergy } from './grid-energy.ts';
import type { GridMeasure } from './grid-measure.ts';
import type { Grid } from './grid.ts';
import type { PointwiseModel } from './pointwise-model.ts';

/**
 * Interaction energy F(ρ) = ½ ∫∫ W(x − y) dρ(x) dρ(y) = ½ Σ_ij W(x_i − x_j) p_i p_j on a
 * grid, taken semi-implicitly in the JKO step (docs/design.md §1.2): the step from p_k uses the
 * potential V = W * p_k, (W * p)_i = Σ_j W(x_i − x_j) p_j, so its prox is closed-form.
 * W * p is never a dense n² sum:
 *   - Gaussian W(z) = A e^{−|z|²/(2s²)}: the separable convolution of gibbs-kernel.ts
 *     with ε = s² (truncated at δ = 1e−12 relative to A);
 *   - quadratic W(z) = c|z|²/2 (aggregation): W * p = c(|x|²/2 − x·m + ∫|y|²/2 dp) from
 *     the first two moments, exact in O(n).
 * Cell arrays [size] row-major.
 */
export class GridInteraction implements GridEnergy {
  readonly name = 'interaction';
  private readonly Wp: Float64Array;

  private constructor(
    readonly grid: Grid,
    /** out = W * p. */
    private readonly convolve: (p: Float64Array, out: Float64Array) => void,
  ) {
    this.Wp = new Float64Array(grid.size);
  }

  /** W(z) = amplitude · exp(−|z|²/(2 width²)) (amplitude < 0: attraction). */
  static gaussian(grid: Grid, amplitude: number, width: number): GridInteraction {
    if (!(width > 0)) throw new UsageError(`interaction width must be > 0; got ${width}`);
    const K = new ConvolutionalGibbsKernel(grid, width * width, { truncation: 1e-12 });
    return new GridInteraction(grid, (p, out) => {
      K.apply(p, out);
      for (let i = 0; i < out.length; i++) out[i] *= amplitude;
    });
  }

  /** W(z) = c |z|²/2 (c > 0: aggregation towards the centre of mass). */
  static quadratic(grid: Grid, c: number): GridInteraction {
    const centres = grid.shape.map((_, k) => grid.centres(k));
    const coords = (i: number, x: Float64Array) => {
      for (let k = grid.dim - 1; k >= 0; k--) {
        const n = grid.shape[k];
        x[k] = centres[k][i % n];
        i = Math.floor(i / n);
      }
    };
    const x = new Float64Array(grid.dim);
    return new GridInteraction(grid, (p, out) => {
      const m = new Float64Array(grid.dim);
      let mass = 0, second = 0;
      for (let i = 0; i < p.length; i++) {
        coords(i, x);
        mass += p[i];
        for (let k = 0; k < grid.dim; k++) {
          m[k] += p[i] * x[k];
          second += (p[i] * x[k] * x[k]) / 2;
        }
      }
      for (let i = 0; i < p.length; i++) {
        coords(i, x);
        let s = 0;
        for (let k = 0; k < grid.dim; k++) s += (mass * x[k] * x[k]) / 2 - x[k] * m[k];
        out[i] = c * (s + second);
      }
    });
  }

  /** W * p [size]. */
  potential(p: Float64Array, out = new Float64Array(p.length)): Float64Array {
    this.convolve(p, out);
    return out;
  }

  value(m: GridMeasure): number {
    this.convolve(m.p, this.Wp);
    let s = 0;
    for (let i = 0; i < m.p.length; i++) s += m.p[i] * this.Wp[i];
    return 0.5 * s;
  }

  contribute(model: PointwiseModel, pk: Float64Array): void {
    this.convolve(pk, this.Wp);
    for (let i = 0; i < pk.length; i++) model.V[i] += this.Wp[i];
  }
}
