
/**
 * A discrete measure μ = Σ_i w_i δ_{x_i} on R^d: positions [n, d] row-major and
 * weights [n] with Σ w_i = 1. The one object that flows between energies,
 * schemes, metrics and the viewer.
 */
export class ParticleMeasure {
  readonly n: number;
  readonly d: number;
  /** Positions, row-major [n, d]. */
  readonly x: Float64Array;
  /** Weights, Σ w = 1. */
  readonly w: Float64Array;

  constructor(x: Float64Array, d: number, w?: Float64Array) {
    if (d < 1 || !Number.isInteger(d)) throw new Error(`dimension must be a positive integer; got ${d}`);
    if (x.length % d !== 0) throw new Error(`positions of length ${x.length} are not [n, ${d}]`);
    this.d = d;
    this.n = x.length / d;
    this.x = x;
    if (w) {
      if (w.length !== this.n) throw new Error(`weights have length ${w.length}, expected ${this.n}`);
      this.w = w;
    } else {
      this.w = new Float64Array(this.n).fill(1 / this.n);
    }
  }

  /** A deep copy (positions and weights). */
  clone(): ParticleMeasure {
    return new ParticleMeasure(this.x.slice(), this.d, this.w.slice());
  }
}

export { allFinite } from '../core/finite.ts';
