import type { Grid } from '../grid.ts';

/**
 * The transport map of a dual potential on a grid, and the two push-forwards the
 * back-and-forth method needs (Jacobs, Lee & Léger 2021, §4.1). For u c-concave for the
 * cost |x − z|²/(2τ), the map S(z) = z − τ∇u(z) sends each cell to where its mass
 * comes from (or goes to), with Jacobian determinant det(I − τD²u(z)) ≥ 0.
 *
 *   - `pullDensity(a)`: (S⁻¹)#a, the density a carried by the inverse of S, in
 *     change-of-variables form (S⁻¹)#a(z) = a(S(z)) · det(I − τD²u(z)), with a(S(z)) by
 *     multilinear interpolation (cells have equal volume, so cell masses transform like
 *     densities). Smooth in u, second order where u is smooth; not exactly mass
 *     preserving (a quadrature of ∫a).
 *   - `push(r)`: S#r, each cell's (signed) mass moved to S(z) and shared among the
 *     2^d nearest cells by multilinear (cloud-in-cell) weights: the transpose of the
 *     interpolation above, exactly mass preserving.
 *
 * ∇u and D²u are centred differences on a copy of u with one ghost cell per side,
 * extrapolated quadratically (exact for quadratic u up to the walls, where the flow
 * has zero flux); S(z) is clamped to the box of cell centres. Arrays [size] row-major,
 * 1, 2 or 3 axes.
 */
export class PotentialMap {
  /** S(z) as fractional cell indices along each axis [d][size]. */
  readonly position: Float64Array[];
  /** det(I − τD²u(z)) [size]. */
  readonly jacobian: Float64Array;
  /** Diagonal of the cofactor matrix of I − τD²u(z), per axis [d][size] (det · (I − τD²u)⁻¹ on the diagonal). */
  readonly cofactor: Float64Array[];
  /** ∇u(z) by centred differences, per axis [d][size] (physical units). */
  readonly gradient: Float64Array[];
  /** a(S(z)), the interpolated value of the last pullDensity's a [size]. */
  readonly sampled: Float64Array;
  private readonly padded: Float64Array;
  private readonly pShape: number[];
  private readonly pStrides: number[];
  private readonly strides: number[];

  constructor(
    readonly grid: Grid,
    readonly tau: number,
  ) {
    const d = grid.dim;
    this.position = grid.shape.map(() => new Float64Array(grid.size));
    this.jacobian = new Float64Array(grid.size);
    this.cofactor = grid.shape.map(() => new Float64Array(grid.size));
    this.sampled = new Float64Array(grid.size);
    this.gradient = grid.shape.map(() => new Float64Array(grid.size));
    this.pShape = grid.shape.map((n) => n + 2);
    this.pStrides = stridesOf(this.pShape);
    this.strides = stridesOf(grid.shape);
    this.padded = new Float64Array(this.pShape.reduce((a, b) => a * b, 1));
    if (d < 1 || d > 3) throw new Error(`PotentialMap: 1 to 3 axes; got ${d}`);
  }

  /** Computes S and det(I − τD²u) for the potential u [size]. */
  set(u: Float64Array): void {
    this.pad(u);
    if (this.grid.dim === 1) this.map1();
    else if (this.grid.dim === 2) this.map2();
    else this.map3();
  }

  /** out(z) = a(S(z)) · max(det, 0) [size]; 0 on `zero` cells (obstacles) when given. */
  pullDensity(a: Float64Array, out: Float64Array, zero?: Uint8Array | null): void {
    const { jacobian: J, position: P, strides } = this;
    const shape = this.grid.shape, d = this.grid.dim;
    for (let i = 0; i < out.length; i++) {
      const det = J[i];
      if (!(det > 0) || (zero && zero[i])) {
        out[i] = 0;
        this.sampled[i] = 0;
        continue;
      }
      let v: number;
      const c0 = corner(P[0][i], shape[0]), f0 = P[0][i] - c0, b0 = c0 * strides[0];
      if (d === 1) v = (1 - f0) * a[b0] + f0 * a[b0 + 1];
      else {
        const c1 = corner(P[1][i], shape[1]), f1 = P[1][i] - c1, s0 = strides[0], s1 = strides[1];
        const b = b0 + c1 * s1;
        if (d === 2) v = (1 - f0) * ((1 - f1) * a[b] + f1 * a[b + s1]) + f0 * ((1 - f1) * a[b + s0] + f1 * a[b + s0 + s1]);
        else {
          const c2 = corner(P[2][i], shape[2]), f2 = P[2][i] - c2, s2 = strides[2];
          const e = b + c2 * s2;
          const l = (q: number) => (1 - f2) * a[q] + f2 * a[q + s2];
          v = (1 - f0) * ((1 - f1) * l(e) + f1 * l(e + s1)) + f0 * ((1 - f1) * l(e + s0) + f1 * l(e + s0 + s1));
        }
      }
      this.sampled[i] = v;
      out[i] = det * v;
    }
  }

  /** Σ_z w(z)|z − S(z)|²/(2τ) [size], with S before the clamp to the box: Σ w τ|∇u|²/2 from the last set(). */
  transportCost(w: Float64Array): number {
    const { gradient } = this;
    let c = 0;
    for (let i = 0; i < w.length; i++) {
      if (!(w[i] > 0)) continue;
      let g2 = 0;
      for (let k = 0; k < gradient.length; k++) g2 += gradient[k][i] * gradient[k][i];
      c += w[i] * g2;
    }
    return 0.5 * this.tau * c;
  }

  /** out = S#r [size]: r(z) shared among the cells around S(z) by multilinear weights (Σout = Σr). */
  push(r: Float64Array, out: Float64Array): void {
    const { position: P, strides } = this;
    const shape = this.grid.shape, d = this.grid.dim;
    out.fill(0);
    for (let i = 0; i < r.length; i++) {
      const w = r[i];
      if (w === 0) continue;
      const c0 = corner(P[0][i], shape[0]), f0 = P[0][i] - c0, b0 = c0 * strides[0];
      if (d === 1) {
        out[b0] += (1 - f0) * w;
        out[b0 + 1] += f0 * w;
        continue;
      }
      const c1 = corner(P[1][i], shape[1]), f1 = P[1][i] - c1, s0 = strides[0], s1 = strides[1];
      const b = b0 + c1 * s1;
      if (d === 2) {
        out[b] += (1 - f0) * (1 - f1) * w;
        out[b + s1] += (1 - f0) * f1 * w;
        out[b + s0] += f0 * (1 - f1) * w;
        out[b + s0 + s1] += f0 * f1 * w;
        continue;
      }
      const c2 = corner(P[2][i], shape[2]), f2 = P[2][i] - c2, s2 = strides[2];
      const e = b + c2 * s2;
      for (let m = 0; m < 8; m++) {
        const w0 = m & 4 ? f0 : 1 - f0, w1 = m & 2 ? f1 : 1 - f1, w2 = m & 1 ? f2 : 1 - f2;
        out[e + (m & 4 ? s0 : 0) + (m & 2 ? s1 : 0) + (m & 1 ? s2 : 0)] += w0 * w1 * w2 * w;
      }
    }
  }

  /** Copies u into the padded array and fills the ghost cells, axis after axis (corners included). */
  private pad(u: Float64Array): void {
    const { padded: U, pShape, pStrides } = this;
    const shape = this.grid.shape, d = shape.length;
    const idx = new Array<number>(d).fill(0);
    for (let i = 0; i < u.length; i++) {
      let p = 0;
      for (let k = 0; k < d; k++) p += (idx[k] + 1) * pStrides[k];
      U[p] = u[i];
      for (let k = d - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) break;
        idx[k] = 0;
      }
    }
    const size = U.length;
    for (let k = 0; k < d; k++) {
      const n = shape[k], s = pStrides[k], block = pShape[k] * s;
      for (let base = 0; base < size; base += block)
        for (let r = 0; r < s; r++) {
          const o = base + r; // ghost at o, cells at o + s … o + n·s, ghost at o + (n+1)·s
          const first = o + s, last = o + n * s;
          if (n >= 3) {
            U[o] = 3 * U[first] - 3 * U[first + s] + U[first + 2 * s];
            U[last + s] = 3 * U[last] - 3 * U[last - s] + U[last - 2 * s];
          } else {
            U[o] = 2 * U[first] - U[first + s];
            U[last + s] = 2 * U[last] - U[last - s];
          }
        }
    }
  }

  private map1(): void {
    const { padded: U, tau, jacobian: J } = this;
    const n = this.grid.shape[0], h = this.grid.h[0], P = this.position[0];
    for (let i = 0; i < n; i++) {
      const p = i + 1;
      const um = U[p - 1], uc = U[p], up = U[p + 1];
      P[i] = clamp(i - (tau * (up - um)) / (2 * h * h), n);
      this.gradient[0][i] = (up - um) / (2 * h);
      J[i] = 1 - (tau * (up - 2 * uc + um)) / (h * h);
      this.cofactor[0][i] = 1;
    }
  }

  private map2(): void {
    const { padded: U, tau, jacobian: J } = this;
    const [n0, n1] = this.grid.shape, [h0, h1] = this.grid.h;
    const [P0, P1] = this.position;
    const [C0, C1] = this.cofactor;
    const [G0, G1] = this.gradient;
    const S = n1 + 2;
    const a0 = tau / (2 * h0 * h0), a1 = tau / (2 * h1 * h1);
    const b0 = tau / (h0 * h0), b1 = tau / (h1 * h1), b01 = tau / (4 * h0 * h1);
    for (let i0 = 0, i = 0; i0 < n0; i0++) {
      for (let i1 = 0; i1 < n1; i1++, i++) {
        const p = (i0 + 1) * S + i1 + 1;
        const uc = U[p], un = U[p - S], us = U[p + S], uw = U[p - 1], ue = U[p + 1];
        P0[i] = clamp(i0 - a0 * (us - un), n0);
        P1[i] = clamp(i1 - a1 * (ue - uw), n1);
        G0[i] = (us - un) / (2 * h0);
        G1[i] = (ue - uw) / (2 * h1);
        const j00 = 1 - b0 * (us - 2 * uc + un), j11 = 1 - b1 * (ue - 2 * uc + uw);
        const j01 = -b01 * (U[p + S + 1] - U[p + S - 1] - U[p - S + 1] + U[p - S - 1]);
        J[i] = j00 * j11 - j01 * j01;
        C0[i] = j11;
        C1[i] = j00;
      }
    }
  }

  private map3(): void {
    const { padded: U, tau, jacobian: J } = this;
    const [n0, n1, n2] = this.grid.shape, h = this.grid.h;
    const [P0, P1, P2] = this.position;
    const s1 = n2 + 2, s0 = (n1 + 2) * s1;
    const st = [s0, s1, 1];
    const a = h.map((hk) => tau / (2 * hk * hk)), b = h.map((hk) => tau / (hk * hk));
    const m = (k: number, l: number) => tau / (4 * h[k] * h[l]);
    const j = new Float64Array(9);
    for (let i0 = 0, i = 0; i0 < n0; i0++)
      for (let i1 = 0; i1 < n1; i1++)
        for (let i2 = 0; i2 < n2; i2++, i++) {
          const p = (i0 + 1) * s0 + (i1 + 1) * s1 + i2 + 1;
          const uc = U[p];
          for (let k = 0; k < 3; k++) {
            j[4 * k] = 1 - b[k] * (U[p + st[k]] - 2 * uc + U[p - st[k]]);
            for (let l = 0; l < k; l++) {
              const v = -m(k, l) * (U[p + st[k] + st[l]] - U[p + st[k] - st[l]] - U[p - st[k] + st[l]] + U[p - st[k] - st[l]]);
              j[3 * k + l] = v;
              j[3 * l + k] = v;
            }
          }
          P0[i] = clamp(i0 - a[0] * (U[p + s0] - U[p - s0]), n0);
          P1[i] = clamp(i1 - a[1] * (U[p + s1] - U[p - s1]), n1);
          P2[i] = clamp(i2 - a[2] * (U[p + 1] - U[p - 1]), n2);
          this.gradient[0][i] = (U[p + s0] - U[p - s0]) / (2 * h[0]);
          this.gradient[1][i] = (U[p + s1] - U[p - s1]) / (2 * h[1]);
          this.gradient[2][i] = (U[p + 1] - U[p - 1]) / (2 * h[2]);
          J[i] = j[0] * (j[4] * j[8] - j[5] * j[7]) - j[1] * (j[3] * j[8] - j[5] * j[6]) + j[2] * (j[3] * j[7] - j[4] * j[6]);
          this.cofactor[0][i] = j[4] * j[8] - j[5] * j[7];
          this.cofactor[1][i] = j[0] * j[8] - j[2] * j[6];
          this.cofactor[2][i] = j[0] * j[4] - j[1] * j[3];
        }
  }
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** A fractional index clamped to [0, n − 1]; NaN (a non-finite potential) stays NaN and fails later checks. */
function clamp(p: number, n: number): number {
  return p < 0 ? 0 : p > n - 1 ? n - 1 : p;
}

/** Lower corner of the interpolation cell of a position in [0, n − 1] (n − 2 at the last centre). */
function corner(p: number, n: number): number {
  const c = Math.floor(p);
  return c > n - 2 ? n - 2 : c;
}
