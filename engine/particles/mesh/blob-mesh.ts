import { ParamError } from '../../core/params.ts';
import type { ParticleMeasure } from '../measure.ts';
import type { SplineOrder } from './bspline.ts';
import { DEFAULT_MAX_MESH_CELLS, meshGeometryForSpacing, type MeshGeometry } from './mesh-geometry.ts';
import { ParticleMesh } from './particle-mesh.ts';

/**
 * Accuracy of the blob entropy on a mesh: `resolution` r = δ/h, mesh cells per blob
 * width (default 3 in 1D/2D, 1.5 in 3D). The Gaussian's spectrum e^{−k²δ²/2} is
 * negligible beyond the mesh's Nyquist frequency π/h (e^{−π²r²/2}), so the error is
 * the cubic-spline interpolation error of a Gaussian sampled at r points per width,
 * O(r^{−4}) on the sums; relative to the small densities of the tails it is larger.
 * Measured relative RMS error of the velocity on Gaussian clouds (N = 3000, the
 * scenes' δ rule): r = 3: 7e−4 (1D), 1.1e−3 (2D), 1.6e−3 (3D); r = 2: 3e−3 … 7e−3;
 * r = 1.5: 1e−2 … 2e−2 (tests/engine/particles/blob-methods.test.ts). 3D uses 1.5 so that
 * N = 10⁶ with the default δ fits a 256³ mesh.
 */
export interface BlobMeshOptions {
  resolution?: number;
  order?: SplineOrder;
  maxCells?: number;
}

/** δ/h by dimension: 3D at N = 10⁶ (δ ≈ 0.09 on a cloud ≈ 11 wide) must fit 256³. */
export function defaultBlobResolution(d: number): number {
  return d >= 3 ? 1.5 : 3;
}

/** e^{−r²/(2δ²)} is below e^{−37} beyond √74 δ: the mesh's padding, as the direct loop's cutoff. */
const REACH_IN_DELTAS = Math.sqrt(74);

/**
 * The blob sums of blob-entropy.ts by particle–mesh convolution with the Gaussian
 * K(r²) = e^{−r²/(2δ²)}, in O(n + M^d log M):
 *
 *     s_i = Σ_j w_j K(x_i − x_j)             (ρ_i = (2πδ²)^{−d/2} s_i)
 *     ∇s(x_i),   ∇t(x_i) with t(x) = Σ_j (w_j/ρ_j) K(x − x_j)
 *
 * so that the blob velocity −σ[∇(φ_δ*μ)(x_i)/ρ_i + ∇(φ_δ*(μ/ρ))(x_i)] costs two mesh
 * passes. Same δ, same formula as the pair loop; only the sums are approximated.
 */
export class BlobMesh {
  private readonly pm = new ParticleMesh();
  private readonly resolution: number | undefined;
  private readonly order: SplineOrder;
  private readonly maxCells: number;
  private grad = new Float64Array(0);
  private charges = new Float64Array(0);
  lastGeometry: MeshGeometry | null = null;

  constructor(options: BlobMeshOptions = {}) {
    this.resolution = options.resolution;
    this.order = options.order ?? 4;
    this.maxCells = options.maxCells ?? DEFAULT_MAX_MESH_CELLS;
    if (this.resolution !== undefined && !(this.resolution > 0)) throw new ParamError(`blob mesh resolution (δ/h) must be > 0; got ${this.resolution}`);
  }

  /** The mesh for blob width δ (throws a ParamError over maxCells). */
  geometry(m: ParticleMeasure, delta: number): MeshGeometry {
    if (m.d > 3) throw new ParamError(`the blob entropy on a mesh exists for d ≤ 3; got d = ${m.d} (use the direct or cells method)`);
    const h = delta / (this.resolution ?? defaultBlobResolution(m.d));
    this.lastGeometry = meshGeometryForSpacing(m.x, m.n, m.d, h, Math.ceil(REACH_IN_DELTAS * delta / h) + this.order, this.order, this.maxCells);
    return this.lastGeometry;
  }

  private green(g: MeshGeometry, delta: number): Float64Array {
    const c = 1 / (2 * delta * delta);
    return this.pm.greenFor(`blob|${delta}`, (r2) => Math.exp(-c * r2), g);
  }

  /** Densities ρ_i = (2πδ²)^{−d/2} s_i into rho. */
  densities(m: ParticleMeasure, delta: number, rho: Float64Array, g = this.geometry(m, delta)): Float64Array {
    this.pm.convolve(g, m.x, m.n, m.w, this.green(g, delta), rho, null);
    const norm = Math.pow(2 * Math.PI * delta * delta, -m.d / 2);
    for (let i = 0; i < m.n; i++) rho[i] *= norm;
    return rho;
  }

  /**
   * The virial ratio R = (1/d) Σ_i w_i M_i / s_i of blob-entropy.ts (`blobVirialRatio`, the
   * stationary variance / σ for V = |x|²/2) with both sums on the mesh: s_i as above and
   * M_i = Σ_j w_j (|x_i − x_j|²/δ²) e^{−|x_i−x_j|²/(2δ²)} (the normalizations cancel). O(n + M^d log M).
   */
  virialRatio(m: ParticleMeasure, delta: number): number {
    const { n, d, x, w } = m;
    const g = this.geometry(m, delta);
    const s = new Float64Array(n);
    const moment = new Float64Array(n);
    this.pm.convolve(g, x, n, w, this.green(g, delta), s, null);
    const c = 1 / (2 * delta * delta);
    this.pm.convolve(g, x, n, w, this.pm.greenFor(`blob-moment|${delta}`, (r2) => 2 * c * r2 * Math.exp(-c * r2), g), moment, null);
    let R = 0;
    for (let i = 0; i < n; i++) R += (w[i] * moment[i]) / s[i];
    return R / d;
  }

  /** Adds the blob-entropy velocity at temperature σ into v; leaves the densities in rho. */
  addVelocity(m: ParticleMeasure, delta: number, temperature: number, rho: Float64Array, v: Float64Array): void {
    const { n, d, x, w } = m;
    const g = this.geometry(m, delta);
    const green = this.green(g, delta);
    if (this.grad.length !== n * d) this.grad = new Float64Array(n * d);
    if (this.charges.length !== n) this.charges = new Float64Array(n);
    const norm = Math.pow(2 * Math.PI * delta * delta, -d / 2);
    this.pm.convolve(g, x, n, w, green, rho, this.grad);
    for (let i = 0; i < n; i++) rho[i] *= norm;
    // −σ ∇(φ_δ*μ)(x_i)/ρ_i = −σ norm ∇s(x_i)/ρ_i
    for (let i = 0; i < n; i++) {
      const f = (temperature * norm) / rho[i];
      for (let k = 0; k < d; k++) v[i * d + k] -= f * this.grad[i * d + k];
    }
    for (let i = 0; i < n; i++) this.charges[i] = w[i] / rho[i];
    this.pm.convolve(g, x, n, this.charges, green, null, this.grad);
    for (let i = 0; i < n * d; i++) v[i] -= temperature * norm * this.grad[i];
  }
}
