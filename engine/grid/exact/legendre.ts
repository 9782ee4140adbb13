/**
 * The discrete Legendre transform in linear time (Lucet, "Faster than the fast Legendre
 * transform, the linear-time Legendre transform", Numer. Algorithms 1997):
 *
 *     f*(s_j) = max_i ( s_j x_i − f_i ),      x [n] increasing, s [m] non-decreasing,
 *
 * by the lower convex hull of the points (x_i, f_i) (Andrew's monotone chain) and one
 * merge-like sweep of the slopes along it: along the hull the values s·x_k − f_k are
 * unimodal in k and their argmax is non-decreasing in s, so one pointer walks the hull
 * once for all slopes. O(n + m). Points with f_i = +∞ are outside the domain of f and
 * skipped; with no finite point, f* = −∞ (and argmax −1).
 *
 * The returned value is the same expression s_j·x_k − f_k that the brute-force
 * O(nm) maximum evaluates at its maximizer k, so both agree to round-off (exactly,
 * unless two candidates tie within an ulp).
 */
export class LegendreTransform {
  /** Hull vertex indices (scratch, reused between calls). */
  private hull: Int32Array;

  constructor(capacity = 16) {
    this.hull = new Int32Array(capacity);
  }

  /**
   * out[j] = max_i (s[j]·x[i] − f[i]); argmax[j] = that i (when given).
   * x [n] strictly increasing, f [n] (+∞ allowed), s [m] non-decreasing, out [m].
   */
  transform(x: Float64Array, f: Float64Array, s: Float64Array, out: Float64Array, argmax?: Int32Array): void {
    const n = x.length;
    if (f.length !== n) throw new Error(`Legendre transform: ${f.length} values for ${n} points`);
    if (this.hull.length < n) this.hull = new Int32Array(n);
    const hull = this.hull;
    // Lower convex hull: keep k between j and i only if slope(j, k) < slope(k, i).
    let H = 0;
    for (let i = 0; i < n; i++) {
      const fi = f[i];
      if (fi === Infinity) continue;
      while (H >= 2) {
        const k = hull[H - 1], j = hull[H - 2];
        if ((f[k] - f[j]) * (x[i] - x[k]) < (fi - f[k]) * (x[k] - x[j])) break;
        H--;
      }
      hull[H++] = i;
    }
    const m = s.length;
    if (H === 0) {
      out.fill(-Infinity, 0, m);
      if (argmax) argmax.fill(-1, 0, m);
      return;
    }
    let p = 0;
    for (let j = 0; j < m; j++) {
      const sj = s[j];
      let k = hull[p];
      let v = sj * x[k] - f[k];
      while (p < H - 1) {
        const k2 = hull[p + 1];
        const v2 = sj * x[k2] - f[k2];
        if (v2 < v) break;
        p++;
        k = k2;
        v = v2;
      }
      out[j] = v;
      if (argmax) argmax[j] = k;
    }
  }
}
