import { dctPairedN, idctPairedN } from '../../fourier/paired-dct.ts';
import type { Grid } from '../grid.ts';

/**
 * The H¹ preconditioner of the back-and-forth method (Jacobs & Léger 2020, §4;
 * Jacobs, Lee & Léger 2021, §4.2): u = (θ₁ I + θ₂ (−Δ_h))⁻¹ g, where Δ_h is the
 * 2d+1-point Laplacian with zero-flux (Neumann) boundaries on the cell centres.
 * The cosine transform (DCT-II, engine/fourier/paired-dct.ts) diagonalizes it, with
 * eigenvalues
 *
 *     θ₁ + θ₂ Σ_k (2 − 2 cos(π j_k / n_k)) / h_k²,      j_k = 0 … n_k − 1,
 *
 * so a solve is one forward and one inverse transform: O(N log N). With θ₁ = 0 the
 * constant mode (eigenvalue 0) is set to zero: u has zero mean, the right answer for
 * the JKO dual, which does not change when a constant is added to the potential.
 * Arrays [size] row-major.
 */
export class H1Preconditioner {
  /** Eigenvalues of −Δ_h in the cosine basis [size]. */
  readonly laplacian: Float64Array;
  private readonly work: Float64Array;

  constructor(readonly grid: Grid) {
    const axes = grid.shape.map((n, k) => Float64Array.from({ length: n }, (_, j) => (2 - 2 * Math.cos((Math.PI * j) / n)) / (grid.h[k] * grid.h[k])));
    // Σ_k axes[k][j_k] over the row-major multi-index, built as an outer sum axis by axis.
    let L = Float64Array.of(0);
    for (const a of axes) {
      const next = new Float64Array(L.length * a.length);
      for (let i = 0; i < L.length; i++) for (let j = 0; j < a.length; j++) next[i * a.length + j] = L[i] + a[j];
      L = next;
    }
    this.laplacian = L;
    this.work = new Float64Array(grid.size);
  }

  /** out = (θ₁ + θ₂(−Δ_h))⁻¹ g; returns ⟨g, out⟩ (the squared dual norm of g). out may alias g. */
  solve(g: Float64Array, out: Float64Array, theta1: number, theta2: number): number {
    const w = this.work;
    w.set(g);
    dctPairedN(w, this.grid.shape);
    const L = this.laplacian;
    for (let i = 0; i < w.length; i++) {
      const e = theta1 + theta2 * L[i];
      w[i] = e > 0 ? w[i] / e : 0;
    }
    idctPairedN(w, this.grid.shape);
    let dot = 0;
    for (let i = 0; i < w.length; i++) dot += g[i] * w[i];
    out.set(w);
    return dot;
  }
}
