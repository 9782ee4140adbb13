import type { Grid } from '../grid.ts';

/** How a weighted solve ended (`WeightedH1Solver.solve`). */
export interface WeightedSolveReport {
  /** Conjugate-gradient iterations. */
  iterations: number;
  /** ‖A u − g‖₂ / ‖g‖₂ at the end. */
  relativeResidual: number;
}

/**
 * The density-weighted H¹ operator of the Newton path of the exact JKO step
 * (Jacobs, Lee & Léger 2021, §4.2 use its constant-coefficient bound as preconditioner):
 *
 *     A u = χ u + τ (−div_h ν ∇_h u),
 *
 * χ ≥ 0 per cell (the pointwise slope dρ/ds of the conjugate), ν ≥ 0 per cell (the pushed
 * density T#μ), the 2d+1-point stencil with face weights ½(ν_i + ν_j) / h_k² and zero flux
 * at the walls (the same Neumann Laplacian as h1-preconditioner.ts when ν is constant).
 * A is the negative Hessian of the dual J(φ) up to the rank-one mass term, whose
 * contribution to A⁻¹r is a constant (A·1 = χ, and χ is the mass term's vector), which the
 * dual does not see. Solved by conjugate gradients with the diagonal (Jacobi)
 * preconditioner: the weights span many decades in the tails of a Gibbs law, and the
 * diagonal scaling takes them out. Arrays [size] row-major, 1–3 axes.
 */
export class WeightedH1Solver {
  private readonly strides: number[];
  private readonly faces: Float64Array[];
  private readonly diag: Float64Array;
  private readonly res: Float64Array;
  private readonly z: Float64Array;
  private readonly p: Float64Array;
  private readonly q: Float64Array;

  constructor(readonly grid: Grid) {
    const n = grid.size;
    this.strides = [];
    let acc = 1;
    for (let k = grid.dim - 1; k >= 0; k--) {
      this.strides[k] = acc;
      acc *= grid.shape[k];
    }
    // faces[k][i]: weight of the face between cell i and its + neighbour along k (0 at the wall).
    this.faces = grid.shape.map(() => new Float64Array(n));
    this.diag = new Float64Array(n);
    this.res = new Float64Array(n);
    this.z = new Float64Array(n);
    this.p = new Float64Array(n);
    this.q = new Float64Array(n);
  }

  /**
   * Sets the operator for χ [size], ν [size] and τ. `floor`: added to χ so that cells where
   * χ and ν both vanish (outside a support) keep a finite, tiny diagonal.
   */
  set(chi: Float64Array, nu: readonly Float64Array[], tau: number, floor: number, nuFloor = 0): void {
    const { grid, strides, faces, diag } = this;
    for (let i = 0; i < diag.length; i++) diag[i] = chi[i] + floor;
    const idx = new Int32Array(grid.dim);
    for (let i = 0; i < diag.length; i++) {
      for (let k = 0; k < grid.dim; k++) {
        const f = faces[k];
        if (idx[k] + 1 < grid.shape[k]) {
          const j = i + strides[k];
          const nk = nu[k] ?? nu[0];
          const w = (tau * (0.5 * (Math.max(nk[i], 0) + Math.max(nk[j], 0)) + nuFloor)) / (grid.h[k] * grid.h[k]);
          f[i] = w;
          diag[i] += w;
          diag[j] += w;
        } else f[i] = 0;
      }
      for (let k = grid.dim - 1; k >= 0; k--) {
        if (++idx[k] < grid.shape[k]) break;
        idx[k] = 0;
      }
    }
  }

  /** out = A u. */
  apply(u: Float64Array, out: Float64Array): void {
    const { strides, faces, diag } = this;
    for (let i = 0; i < u.length; i++) out[i] = diag[i] * u[i];
    for (let k = 0; k < faces.length; k++) {
      const f = faces[k], s = strides[k];
      for (let i = 0; i < u.length; i++) {
        const w = f[i];
        if (w === 0) continue;
        const j = i + s;
        out[i] -= w * u[j];
        out[j] -= w * u[i];
      }
    }
  }

  /** out ≈ A⁻¹ g by Jacobi-preconditioned CG from out = 0, to ‖A out − g‖ ≤ rtol ‖g‖ or maxIter iterations. */
  solve(g: Float64Array, out: Float64Array, rtol: number, maxIter: number): WeightedSolveReport {
    const { diag, res: r, z, p, q } = this;
    out.fill(0);
    r.set(g);
    const g2 = dot(g, g);
    if (!(g2 > 0)) return { iterations: 0, relativeResidual: g2 === 0 ? 0 : NaN };
    for (let i = 0; i < r.length; i++) z[i] = r[i] / diag[i];
    p.set(z);
    let rz = dot(r, z), r2 = g2, it = 0;
    const stop = rtol * rtol * g2;
    while (it < maxIter && r2 > stop) {
      this.apply(p, q);
      const pq = dot(p, q);
      if (!(pq > 0)) break;
      const alpha = rz / pq;
      for (let i = 0; i < r.length; i++) {
        out[i] += alpha * p[i];
        r[i] -= alpha * q[i];
      }
      it++;
      r2 = dot(r, r);
      for (let i = 0; i < r.length; i++) z[i] = r[i] / diag[i];
      const rz2 = dot(r, z);
      const beta = rz2 / rz;
      rz = rz2;
      for (let i = 0; i < r.length; i++) p[i] = z[i] + beta * p[i];
    }
    return { iterations: it, relativeResidual: Math.sqrt(r2 / g2) };
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
