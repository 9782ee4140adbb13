/**
 * A smooth function on [0, xmax] tabulated for the short-range pair loops, where
 * erfc or E₁ per pair would cost more than the rest of the step: values and
 * derivatives at `intervals` + 1 equispaced nodes, evaluated by cubic Hermite
 * interpolation, whose error is ≤ Δ⁴ max|f⁗| / 384 (Δ the node spacing; de Boor,
 * *A Practical Guide to Splines*, 2001, ch. IV). With 4096 intervals over a few
 * splitting widths this is ~1e−13 relative for the functions tabulated here.
 * Beyond xmax it returns f(xmax) (the pair loops never ask: xmax covers the cutoff).
 */
export class HermiteTable {
  private readonly v: Float64Array;
  private readonly dv: Float64Array;
  private readonly inv: number;
  private readonly step: number;
  private readonly last: number;

  constructor(f: (x: number) => number, df: (x: number) => number, xmax: number, intervals = 4096) {
    this.step = xmax / intervals;
    this.inv = 1 / this.step;
    this.last = intervals - 1;
    this.v = new Float64Array(intervals + 1);
    this.dv = new Float64Array(intervals + 1);
    for (let i = 0; i <= intervals; i++) {
      const x = i * this.step;
      this.v[i] = f(x);
      this.dv[i] = df(x) * this.step;
    }
  }

  at(x: number): number {
    let t = x * this.inv;
    let i = Math.floor(t);
    if (i > this.last) {
      i = this.last;
      t = this.last + 1;
    }
    t -= i;
    const v0 = this.v[i], v1 = this.v[i + 1], d0 = this.dv[i], d1 = this.dv[i + 1];
    const t2 = t * t, t3 = t2 * t;
    return v0 + d0 * t + (3 * (v1 - v0) - 2 * d0 - d1) * t2 + (2 * (v0 - v1) + d0 + d1) * t3;
  }
}
