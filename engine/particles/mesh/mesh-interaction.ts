import { ParamError } from '../../core/params.ts';
import { CellList } from '../cell-list.ts';
import type { ParticleMeasure } from '../measure.ts';
import { PassCache } from '../pass-cache.ts';
import type { RadialKernel } from '../radial-kernels.ts';
import type { SplineOrder } from './bspline.ts';
import { shortCutoff, splitKernel, type KernelSplit } from './kernel-split.ts';
import { DEFAULT_MAX_MESH_CELLS, defaultMeshSize, meshGeometry, type MeshGeometry } from './mesh-geometry.ts';
import { ParticleMesh } from './particle-mesh.ts';
import { shortRangeSums, shortRangeVelocity, shortRangeVelocityEnergy } from './short-range.ts';
import { MIN_POOL_PARTICLES, wasmShortRangeEnergy, wasmShortRangeReady, wasmShortRangeVelocity } from './wasm-short-range.ts';
import type { WatAssembler } from '../../wasm/assembler.ts';
import type { RowExecutor } from '../../core/row-kernel.ts';

/**
 * Cells per cutoff of the short-range cell list (cell-list.ts): 2 tests fewer far
 * candidates per kept pair than 1 (2D: 3.1 against 4.5 r_c²ρ; 3D: 7.8 against 13.5 r_c³ρ).
 */
const CELL_REACH = 2;

/**
 * Accuracy parameters of the mesh methods (defaults in MESH_DEFAULTS).
 *
 * - `mesh`: padded cells on the longest axis, a power of two (default ≈ 2N^{1/d},
 *   defaultMeshSize); the spacing h is the cloud's extent over about mesh/2 cells.
 * - `split`: α/h, the width of the Gaussian screening in mesh cells. The long part
 *   is smooth on the scale α, and its spline interpolation error falls like
 *   (h/α)^p; the short part lives within a few α.
 * - `cutoff`: κ = r_c/α (default 2.5 for the Ewald splits of log and Coulomb, 5 for
 *   the generic screened split, kernel-split.ts). The short part dropped beyond r_c
 *   is below e^{−κ²} of the singular force there (Ewald), κ⁴e^{−κ²} (screened).
 * - `order`: B-spline order p (2 cloud-in-cell, 3 TSC, 4 cubic).
 * - `maxCells`: refuse larger padded meshes (memory ≈ 20 bytes per padded cell).
 * - `assembler`: where given (the accelerator's, Interaction.accelerate), the short-range
 *   velocity pairs run as a WebAssembly SIMD kernel (wasm-short-range.ts; the same pairs and
 *   force, summed in another order); without one, or without SIMD, the JavaScript loops.
 * - `rows`: where given (the accelerator's row pool, Interaction.accelerate) with the
 *   assembler, the SIMD short-range pairs of N ≥ MIN_POOL_PARTICLES particles are split over
 *   its threads (the same bits as in one thread: wasm-short-range.ts).
 *
 * Measured relative RMS force errors against the direct sum are stated in
 * tests/engine/particles/mesh-accuracy.test.ts.
 */
export interface MeshOptions {
  mesh?: number;
  split?: number;
  cutoff?: number;
  order?: SplineOrder;
  maxCells?: number;
  assembler?: WatAssembler | null;
  rows?: RowExecutor | null;
}

export const MESH_DEFAULTS = { split: 1.5, order: 4 as SplineOrder, maxCells: DEFAULT_MAX_MESH_CELLS };

/**
 * Interaction energy ½∫∫W(x − y)dμdμ and velocity −Σ_j w_j ∇W(x_i − x_j) by
 * particle–mesh (`pm`: all of W on the mesh, kernels finite at 0) or P³M (`p3m`:
 * W = c|z|²/2 + L + S, kernel-split.ts): the quadratic part exactly through moments,
 * L on the mesh (particle-mesh.ts), S over cell-list neighbours. O(N log N) for a
 * mesh of O(N) cells and O(1) neighbours per particle.
 *
 * The energy uses the same pieces: ½Σ w_i φ_L(x_i) minus the self terms
 * ½Σw_i² L(0) (singular W, whose diagonal is excluded), plus the short pairs, plus
 * ½Σw_i² S(0) for regular W — so it is the energy whose gradient the velocity is,
 * up to the mesh error (no O(N²) pass anywhere).
 */
export class MeshInteraction {
  private readonly pm = new ParticleMesh();
  private split: KernelSplit | null = null;
  private splitAlpha = NaN;
  private readonly cells = new CellList();
  private phi = new Float64Array(0);
  private ws = new Float64Array(0);
  private vs = new Float64Array(0);
  private readonly opts: Required<Omit<MeshOptions, 'mesh' | 'cutoff' | 'assembler' | 'rows'>> & { mesh?: number; cutoff?: number };
  /** The WAT assembler of the SIMD short-range kernel, or null (JavaScript loops). */
  assembler: WatAssembler | null;
  /** The row pool the SIMD short-range pairs are split over, or null (this thread). */
  rows: RowExecutor | null;
  /** Geometry of the last evaluation (for reports and tests). */
  lastGeometry: MeshGeometry | null = null;
  /**
   * The state whose mesh and short-range velocity `vs` holds (in the cell list's order):
   * an energy evaluation computes it too (the deposit, the FFTs and the cell list are the
   * energy's already; the gradient is one more interpolation), and the velocity of the same
   * state — the next step's, after a record — only adds it, without building the cell list
   * again. Bit-identical: the same sums. The energy's short-range pairs are the velocity's
   * pass (the force table's energy table: wasmShortRangeEnergy, shortRangeVelocityEnergy), so
   * a record and its next step cost one cell list, one convolution and one pair pass.
   */
  private readonly velocityOf = new PassCache();

  constructor(
    readonly W: RadialKernel,
    readonly method: 'pm' | 'p3m',
    options: MeshOptions = {},
  ) {
    const { assembler = null, rows = null, ...accuracy } = options;
    this.assembler = assembler;
    this.rows = rows;
    this.opts = { ...MESH_DEFAULTS, ...accuracy };
    if (method === 'pm' && W.singular) throw new ParamError(`interaction=pm needs a kernel finite at 0; '${W.name}' is singular: use p3m`);
    if (!(this.opts.split > 0)) throw new ParamError(`mesh split (α/h) must be > 0; got ${this.opts.split}`);
    if (this.opts.cutoff !== undefined && !(this.opts.cutoff > 0)) throw new ParamError(`mesh cutoff (r_c/α) must be > 0; got ${this.opts.cutoff}`);
  }

  /** The method, its accuracy parameters and the mesh for N particles in d dimensions (scene.json). */
  describe(n: number, d: number): string {
    const { split, order } = this.opts;
    const size = this.opts.mesh ?? defaultMeshSize(n, d, order, this.opts.maxCells);
    const shortPart = this.method === 'p3m' ? `, split α = ${split}h, cutoff ${shortCutoff(this.W, this.opts.cutoff).toPrecision(3)}α` : '';
    return this.W.name === 'quadratic' ? `${this.method} (|z|²/2 exact through moments)` : `${this.method} (mesh ${size} per axis padded, B-spline order ${order}${shortPart})`;
  }

  /** Adds the velocity into v ([n, d]) and returns the energy when `energy` is set (else 0). */
  evaluate(m: ParticleMeasure, v: Float64Array | null, energy: boolean): number {
    const { n, d, x, w } = m;
    if (d > 3) throw new ParamError(`mesh interaction methods exist for d ≤ 3; got d = ${d} (use interaction=direct)`);
    let e = 0;
    let S1sq = 0, S2 = 0, M = 0;
    for (let i = 0; i < n; i++) {
      M += w[i];
      S2 += w[i] * w[i];
    }
    const geometry = this.geometryFor(m);
    const split = this.splitFor(geometry);
    if (split.quadratic !== 0) {
      const c = split.quadratic;
      const S1 = new Float64Array(d);
      let Sx2 = 0;
      for (let i = 0; i < n; i++)
        for (let k = 0; k < d; k++) {
          const xi = x[i * d + k];
          S1[k] += w[i] * xi;
          Sx2 += w[i] * xi * xi;
        }
      for (let k = 0; k < d; k++) S1sq += S1[k] * S1[k];
      if (v) for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) v[i * d + k] -= c * (M * x[i * d + k] - S1[k]);
      if (energy) e += 0.5 * c * (M * Sx2 - S1sq);
    }
    if (energy) e += 0.5 * split.constant * M * M;
    if (!geometry || (!split.long && !split.short)) return e;
    // The velocity of a state whose energy was evaluated is in vs already, in the order of the
    // cell list built for that state (nothing has rebuilt it since: every other evaluation
    // that builds it sets velocityOf): no cell list, mesh or pairs again.
    if (v !== null && !energy && this.velocityOf.matches(m)) {
      this.cells.addUnsorted(this.vs, d, v);
      return e;
    }
    // One cell list serves the short-range pairs and orders the particles in space, so that
    // the deposit and the interpolation walk the mesh nearly in order (at 10⁶ particles
    // random mesh access costs more than the arithmetic). Its arrays and the sorted
    // buffers are kept between steps: a step allocates nothing of size n.
    const cl = this.cells.build(x, n, d, split.short ? split.cutoff : 8 * geometry.h, CELL_REACH);
    if (this.ws.length !== n) this.ws = new Float64Array(n);
    const ws = cl.sorted(w, 1, this.ws);
    if (this.vs.length !== n * d) this.vs = new Float64Array(n * d);
    const vs = this.vs.fill(0);
    if (split.long) {
      if (this.phi.length !== n) this.phi = new Float64Array(n);
      this.pm.rows = this.rows;
      const green = this.pm.greenFor(split.longKey, split.long.value, geometry);
      // The mesh gradient is subtracted straight into vs: −Σ_j w_j ∇L(x_i − x_j).
      this.pm.convolve(geometry, cl.xs, n, ws, green, energy ? this.phi : null, vs, -1);
      if (energy) {
        let s = 0;
        for (let i = 0; i < n; i++) s += ws[i] * this.phi[i];
        e += 0.5 * s;
        if (split.singular) e -= 0.5 * S2 * split.long.value(0);
      }
    }
    if (split.short) {
      // With an energy table the energy's pairs are the velocity's pass (one pass, not two): the
      // SIMD kernel where it runs, else the JavaScript loops.
      let shortEnergy: number | null = null;
      if (split.force && d >= 2) {
        if (energy) shortEnergy = wasmShortRangeEnergy(cl, ws, split.force, vs, this.assembler, this.rows) ?? shortRangeVelocityEnergy(cl, ws, split.force, vs);
        if (shortEnergy === null && !wasmShortRangeVelocity(cl, ws, split.force, vs, this.assembler, this.rows)) shortRangeVelocity(cl, ws, split.force, vs);
      }
      else shortRangeSums(cl, ws, split.short, vs, false, !split.singular);
      if (energy) e += (shortEnergy ?? shortRangeSums(cl, ws, split.short, null, true, !split.singular)) + (split.singular ? 0 : 0.5 * S2 * split.short.value(0));
    }
    this.velocityOf.set(m);
    if (v) cl.addUnsorted(this.vs, d, v);
    return e;
  }

  /**
   * Whether the short-range velocity of N particles in d dimensions runs as the SIMD kernel
   * with this interaction's assembler (compiles it now: a later step does not pay for it).
   */
  simdShortRange(d: number): boolean {
    if (this.method !== 'p3m' || (d !== 2 && d !== 3) || !this.assembler) return false;
    const force = splitKernel(this.W, 1, this.opts.cutoff).force;
    return force !== null && wasmShortRangeReady(d, force.power, this.assembler);
  }

  /** Threads the SIMD short-range pairs of N particles are split over (1: this thread). */
  shortRangeThreads(n: number): number {
    return this.rows && this.rows.threads > 1 && n >= MIN_POOL_PARTICLES ? this.rows.threads : 1;
  }

  private geometryFor(m: ParticleMeasure): MeshGeometry | null {
    if (this.W.name === 'quadratic') return null;
    const size = this.opts.mesh ?? defaultMeshSize(m.n, m.d, this.opts.order, this.opts.maxCells);
    this.lastGeometry = meshGeometry(m.x, m.n, m.d, size, this.opts.order, this.opts.maxCells);
    return this.lastGeometry;
  }

  /** The split for the geometry's α, rebuilt only when α changes (the mesh spacing moves on a ladder). */
  private splitFor(g: MeshGeometry | null): KernelSplit {
    const alpha = g ? this.opts.split * g.h : 1;
    if (!this.split || this.splitAlpha !== alpha) {
      this.split = splitKernel(this.W, alpha, this.opts.cutoff, this.method === 'pm');
      this.splitAlpha = alpha;
    }
    return this.split;
  }
}
