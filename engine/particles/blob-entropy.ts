import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import { PassCache } from './pass-cache.ts';
import type { Accelerator } from '../core/accelerator.ts';
import { blobDensitySource, blobVelocitySource, MAX_KERNEL_DIM } from '../backend/kernel-sources.ts';
import { DevicePairs } from './device-pairs.ts';
import { ParamError } from '../core/params.ts';
import { BLOB_CUTOFF2, addBlobVelocityCells, blobDensityCells } from './blob-cells.ts';
import { addBlobPairVelocity } from './blob-pair-velocity.ts';
import type { CellList } from './cell-list.ts';
import { BlobMesh, defaultBlobResolution, type BlobMeshOptions } from './mesh/blob-mesh.ts';
import { resolveBlobMethod, type BlobMethod, type BlobMethodRequest } from './mesh/method-rule.ts';

/** How the blob sums are evaluated (mesh/method-rule.ts) and the mesh accuracy (mesh/blob-mesh.ts). */
export interface BlobOptions extends BlobMeshOptions {
  /**
   * 'direct' (default: the pair loop), 'cells' (the same pairs from a cell list:
   * equal up to summation order), 'mesh' (Gaussian convolution on a particle mesh,
   * O(N)), or 'auto' (the fixed rule by N and d; a mesh over its cell limit falls
   * back to cells, which are then cheap because δ is small next to the cloud).
   */
  method?: BlobMethodRequest;
  name?: string;
}

/**
 * Blob sums by the method a request resolves to: densities into rho, and (when v is
 * given) the blob velocity at temperature σ added into v.
 */
export class BlobSums {
  private mesh: BlobMesh | null = null;
  constructor(
    readonly request: BlobMethodRequest,
    private readonly meshOptions: BlobMeshOptions,
  ) {}

  methodFor(n: number, d: number): BlobMethod {
    return resolveBlobMethod(this.request, n, d);
  }

  private blobMesh(): BlobMesh {
    return (this.mesh ??= new BlobMesh(this.meshOptions));
  }

  describe(n: number, d: number): string {
    const method = this.methodFor(n, d);
    if (method !== 'mesh') return method;
    const r = this.meshOptions.resolution;
    return `mesh (δ/h = ${r ?? defaultBlobResolution(d)}, B-spline order ${this.meshOptions.order ?? 4}${this.request === 'auto' ? '; cells when the mesh would exceed its cell limit' : ''})`;
  }

  /** 'mesh' unless auto's mesh would be too large (then 'cells'); the geometry check is the mesh's own. */
  private settle(m: ParticleMeasure, delta: number): BlobMethod {
    const method = this.methodFor(m.n, m.d);
    if (method !== 'mesh' || this.request !== 'auto') return method;
    try {
      this.blobMesh().geometry(m, delta);
      return 'mesh';
    } catch (e) {
      if (e instanceof ParamError) return 'cells';
      throw e;
    }
  }

  /**
   * The virial ratio (blobVirialRatio below) by the same method as the sums, so that a
   * metric of a 10⁶-particle run does no all-pairs pass unless the method is 'direct'.
   */
  virialRatio(m: ParticleMeasure, delta: number): number {
    const method = this.settle(m, delta);
    if (method === 'mesh') return this.blobMesh().virialRatio(m, delta);
    if (method === 'direct') return blobVirialRatio(m, delta);
    const rho = new Float64Array(m.n);
    const moment = new Float64Array(m.n);
    blobDensityCells(m, delta, rho, undefined, moment);
    return virialRatioOf(m, rho, moment);
  }

  /** Densities into rho; with v, also adds the velocity (temperature σ). Returns false when the caller's direct loops should run. */
  run(m: ParticleMeasure, delta: number, rho: Float64Array, v: Float64Array | null, temperature: number): boolean {
    const method = this.settle(m, delta);
    if (method === 'direct') return false;
    if (method === 'mesh') {
      if (v) this.blobMesh().addVelocity(m, delta, temperature, rho, v);
      else this.blobMesh().densities(m, delta, rho);
      return true;
    }
    const cl: CellList = blobDensityCells(m, delta, rho);
    if (v) addBlobVelocityCells(m, delta, temperature, rho, v, cl);
    return true;
  }
}

/**
 * Gaussian mollifier φ_δ(z) = (2πδ²)^{−d/2} e^{−|z|²/(2δ²)}. Pairs farther than
 * CUTOFF·δ contribute less than e^{−CUTOFF²/2} ≈ 1e−16 of the self term and are
 * skipped, which is exact to double precision.
 */
const CUTOFF2 = BLOB_CUTOFF2; // r²/δ² beyond which e^{−r²/(2δ²)} < e^{−37} ≈ 8.5e−17

/**
 * Blob densities ρ_i = (φ_δ * μ)(x_i) = Σ_j w_j φ_δ(x_i − x_j), self term included.
 * With `moment`, also M_i = Σ_j w_j (|x_i − x_j|²/δ²) φ_δ(x_i − x_j) (the virial ratio's
 * numerator). Symmetric pairs are visited once.
 */
export function blobDensity(m: ParticleMeasure, delta: number, rho: Float64Array, moment?: Float64Array): Float64Array {
  const { n, d, x, w } = m;
  const c = 1 / (2 * delta * delta);
  const norm = Math.pow(2 * Math.PI * delta * delta, -d / 2);
  const cut = CUTOFF2 * delta * delta;
  for (let i = 0; i < n; i++) rho[i] = w[i];
  moment?.fill(0);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    let ri = 0, mi = 0;
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        r2 += z * z;
      }
      if (r2 > cut) continue;
      const phi = Math.exp(-c * r2);
      ri += w[j] * phi;
      rho[j] += wi * phi;
      if (moment) {
        const t = 2 * c * r2 * phi;
        mi += w[j] * t;
        moment[j] += wi * t;
      }
    }
    rho[i] += ri;
    if (moment) moment[i] += mi;
  }
  for (let i = 0; i < n; i++) rho[i] *= norm;
  if (moment) for (let i = 0; i < n; i++) moment[i] *= norm;
  return rho;
}

/**
 * Deterministic entropy by the blob method (Carrillo, Craig & Patacchini 2019):
 * σ∫ρ log ρ is replaced by F_δ(μ) = σ ∫ log(φ_δ * μ) dμ, whose particle velocity is
 *   −σ [ Σ_j w_j ∇φ_δ(x_i−x_j) / ρ_i + Σ_j w_j ∇φ_δ(x_i−x_j) / ρ_j ],
 * with ∇φ_δ(z) = −z/δ² φ_δ(z). Two pair passes: densities, then forces.
 */
export class BlobEntropy implements ParticleEnergy {
  private rho = new Float64Array(0);
  private inv = new Float64Array(0);
  /**
   * The pair pass of the last state, reused while the particles have not moved: a record
   * asks the value (densities) and the virial ratio (densities and moments) at the state
   * whose velocity the next step asks (densities again), so the O(N²) density pass runs
   * once per state instead of three times. Keyed by a copy of the positions and weights,
   * compared bit for bit; each cached array is exactly what its pass would recompute.
   */
  private readonly cache = new PassCache();
  private moment = new Float64Array(0);
  private deviceRho = new Float64Array(0);
  /** What the cache holds for its state: float64 densities (and moments), or the device's sums s. */
  private cached: { rho: boolean; moment: boolean; device: Float32Array | null } = { rho: false, moment: false, device: null };
  readonly name: string;
  private readonly sums: BlobSums;
  private device: DevicePairs | null = null;
  private sources: { density: string; velocity: string } | null = null;
  private deviceValues = false;

  constructor(
    readonly temperature: number,
    readonly delta: number,
    options: BlobOptions = {},
  ) {
    if (!(delta > 0)) throw new Error(`blob width delta must be > 0; got ${delta}`);
    const { method = 'direct', name = 'entropy', ...mesh } = options;
    this.name = name;
    this.sums = new BlobSums(method, mesh);
  }

  /** The method for N particles in dimension d, as recorded in scene.json. */
  describe(n: number, d: number): string {
    return this.sums.describe(n, d);
  }

  /**
   * Binds the two pair passes (densities, then forces) to the accelerator: on the device
   * they are the gpu.js kernels of kernel-sources.ts in float32, and the value's densities
   * too unless the scheme needs exact values. The cells and mesh methods (O(N)) stay on
   * float64 TypeScript loops.
   */
  accelerate(acc: Accelerator, { n, d, exactValues }: { n: number; d: number; exactValues?: string }): void {
    if (this.sums.methodFor(n, d) !== 'direct') {
      // Cells and mesh run no all-pairs loop: float64 TypeScript, one thread.
      this.device = null;
      acc.record(this.name, { family: 'blob-entropy', target: 'ts', precision: 'float64', values: 'float64', threads: 1, size: `N=${n}, d=${d}`, method: this.describe(n, d) });
      return;
    }
    const c = 1 / (2 * this.delta * this.delta);
    const sources = d <= MAX_KERNEL_DIM ? { density: blobDensitySource(d, c), velocity: blobVelocitySource(d, c) } : null;
    const kernels = sources ? [{ source: sources.density, outDim: 1 }, { source: sources.velocity, outDim: d }] : null;
    const loop = acc.bindPairs({ loop: this.name, family: 'blob-entropy', size: { n, d }, kernels, exactValues });
    this.device = loop ? new DevicePairs(loop, n, d) : null;
    this.sources = sources;
    this.deviceValues = loop?.deviceValues ?? false;
  }

  /** Measured stationary variance / σ (blobVirialRatio), summed by this entropy's method. */
  virialRatio(m: ParticleMeasure): number {
    if (this.sums.methodFor(m.n, m.d) !== 'direct') return this.sums.virialRatio(m, this.delta);
    // blobVirialRatio's pass, or the one the value just made at this state.
    this.float64Densities(m, true);
    return virialRatioOf(m, this.rho, this.moment);
  }

  private buffers(n: number): void {
    if (this.rho.length !== n) {
      this.rho = new Float64Array(n);
      this.inv = new Float64Array(n);
      this.moment = new Float64Array(n);
    }
  }

  /** Whether the cache holds a pass of this state; otherwise it is re-keyed to it, empty. */
  private sameState(m: ParticleMeasure): boolean {
    if (this.cache.matches(m)) return true;
    this.cache.set(m);
    this.cached = { rho: false, moment: false, device: null };
    return false;
  }

  /** The float64 pair pass (blobDensity) into rho, with the moments when asked, once per state. */
  private float64Densities(m: ParticleMeasure, withMoment: boolean): Float64Array {
    this.buffers(m.n);
    const same = this.sameState(m);
    if (same && this.cached.rho && (this.cached.moment || !withMoment)) return this.rho;
    blobDensity(m, this.delta, this.rho, withMoment ? this.moment : undefined);
    this.cached.rho = true;
    this.cached.moment = withMoment;
    return this.rho;
  }

  /** The device's unnormalized sums s at this state (blobDensitySource), once per state. */
  private deviceSums(dev: DevicePairs, m: ParticleMeasure): Float32Array {
    if (this.sameState(m) && this.cached.device) return this.cached.device;
    // A copy: the device's output buffer is the velocity kernel's too.
    const s = Float32Array.from(dev.pack(m).run(this.sources!.density, 1));
    this.cached.device = s;
    return s;
  }

  /**
   * Densities for the value: the mesh or cells sums, the device's (float32 values), or the
   * float64 pair pass with the moments too (a record asks the virial ratio next, at the
   * same state: one pass serves the value, the metric and the next step's velocity).
   */
  private densities(m: ParticleMeasure): Float64Array {
    this.buffers(m.n);
    if (this.sums.run(m, this.delta, this.rho, null, this.temperature)) return this.rho;
    if (this.device && this.deviceValues) {
      // ρ_i = (2πδ²)^{−d/2} s_i from the device's sums.
      const s = this.deviceSums(this.device, m);
      const norm = Math.pow(2 * Math.PI * this.delta * this.delta, -m.d / 2);
      // Not into this.rho, which may hold the float64 pass of this state (the virial ratio's).
      const rho = this.deviceRho.length === m.n ? this.deviceRho : (this.deviceRho = new Float64Array(m.n));
      for (let i = 0; i < m.n; i++) rho[i] = norm * s[i];
      return rho;
    }
    return this.float64Densities(m, true);
  }

  value(m: ParticleMeasure): number {
    const rho = this.densities(m);
    let s = 0;
    for (let i = 0; i < m.n; i++) s += m.w[i] * Math.log(rho[i]);
    return this.temperature * s;
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    this.buffers(m.n);
    if (this.sums.run(m, this.delta, this.rho, v, this.temperature)) return;
    if (this.device) return this.deviceVelocity(this.device, m, v);
    const rho = this.float64Densities(m, false);
    const inv = this.inv;
    for (let i = 0; i < m.n; i++) inv[i] = 1 / rho[i];
    // ∇φ(z) = −z φ(z)/δ²; velocity contribution −σ w_j ∇φ (1/ρ_i + 1/ρ_j) = σ w_j z φ (…)/δ².
    const delta2 = this.delta * this.delta;
    addBlobPairVelocity(m, this.delta, (this.temperature * Math.pow(2 * Math.PI * delta2, -m.d / 2)) / delta2, inv, v);
  }

  /**
   * σ/δ² Σ_j w_j e^{−c r²_ij} (1/s_i + 1/s_j)(x_i − x_j) on the device — the normalization
   * (2πδ²)^{−d/2} of ρ = norm·s cancels, which keeps float32 in range for small δ in 3D.
   */
  private deviceVelocity(dev: DevicePairs, m: ParticleMeasure, v: Float64Array): void {
    const s = this.deviceSums(dev, m);
    for (let i = 0; i < m.n; i++) dev.extra[i] = 1 / s[i];
    // The sums may come from the cache: the positions are packed for this state either way.
    const u = dev.pack(m).run(this.sources!.velocity, m.d, true);
    const scale = this.temperature / (this.delta * this.delta);
    for (let i = 0; i < v.length; i++) v[i] += scale * u[i];
  }
}

/**
 * Virial ratio of the blob entropy (blob-width.ts): with ρ_i the blob densities (self term
 * included),
 *   R = (1/d) Σ_i w_i [Σ_j w_j (|x_i − x_j|²/δ²) φ_δ(x_i − x_j)] / ρ_i.
 * At a stationary state of V + blob entropy, Σ_i w_i x_i·∇V(x_i) = σ d R (take the inner
 * product of the velocity with x and symmetrize the pair sum); the exact law has
 * E[x·∇V] = σ d. So R is the measured stationary variance / σ for V = |x|²/2, whatever the
 * cause of the bias (smoothing, self term). O(n² d) time, O(n) memory. x [n, d], w [n].
 */
export function blobVirialRatio(m: ParticleMeasure, delta: number): number {
  const rho = new Float64Array(m.n);
  const moment = new Float64Array(m.n);
  blobDensity(m, delta, rho, moment);
  return virialRatioOf(m, rho, moment);
}

function virialRatioOf(m: ParticleMeasure, rho: Float64Array, moment: Float64Array): number {
  let R = 0;
  for (let i = 0; i < m.n; i++) R += (m.w[i] * moment[i]) / rho[i];
  return R / m.d;
}

