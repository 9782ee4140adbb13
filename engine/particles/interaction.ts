import type { Accelerator } from '../core/accelerator.ts';
import { interactionEnergySource, interactionRecordSource, interactionVelocitySource, LOG_EPS2, MAX_KERNEL_DIM, recordLanes } from '../backend/kernel-sources.ts';
import { PassCache } from './pass-cache.ts';
import { DevicePairs } from './device-pairs.ts';
import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import type { RadialKernel } from './radial-kernels.ts';
import { MeshInteraction, type MeshOptions } from './mesh/mesh-interaction.ts';
import { MIN_POOL_PARTICLES } from './mesh/wasm-short-range.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import type { RowExecutor } from '../core/row-kernel.ts';
import { resolveInteractionMethod, type InteractionMethod, type InteractionMethodRequest } from './mesh/method-rule.ts';

/** How the pair sum is evaluated (mesh/method-rule.ts) and the mesh accuracy (mesh/mesh-interaction.ts). */
export interface InteractionOptions extends MeshOptions {
  /** 'direct' (default: every pair, exact), 'pm', 'p3m', or 'auto' (the fixed rule by kernel family, N and d). */
  method?: InteractionMethodRequest;
  name?: string;
}

/**
 * Interaction energy F(μ) = ½ ∫∫ W(x − y) dμ(x) dμ(y) for an even radial W,
 * with particle velocity −Σ_j w_j ∇W(x_i − x_j) (docs/design.md §1.1).
 *
 * The pair loop visits each unordered pair once and adds the force to both ends
 * (∇W is odd), halving the work; the diagonal i = j is skipped (∇W(0) = 0 for
 * smooth kernels, and it is undefined for singular ones). The loops are written
 * for d = 2 and d = 3 with scalar locals and no allocation.
 *
 * With `method` 'pm' or 'p3m' (or 'auto' resolving to them) the sums go through a
 * particle mesh instead (mesh/mesh-interaction.ts): O(N log N), with the relative
 * force error stated there; value and velocity both avoid the pair loop.
 *
 * `accelerate` binds the loops to the platform (engine/core/accelerator.ts): where the
 * fixed rule puts them on the device, the velocity (and, unless the scheme needs exact
 * values, the value) runs as the gpu.js kernels built from `W.gpu` in float32.
 */
export class Interaction implements ParticleEnergy {
  private device: DevicePairs | null = null;
  private sources: { velocity: string; value: string | null; record: string | null; lanes: number } | null = null;
  /**
   * The device velocity of the last state whose value the record kernel computed: the next
   * step's velocity at that state (after a record) is these rows, not another O(N²) pass.
   */
  private readonly velocityOf = new PassCache();
  private recordedVelocity = new Float32Array(0);
  readonly name: string;
  readonly request: InteractionMethodRequest;
  private readonly meshOptions: MeshOptions;
  private mesh: MeshInteraction | null = null;
  /** The accelerator's WAT assembler once bound (the mesh's SIMD short-range kernel); undefined: the options' own. */
  private assembler: WatAssembler | null | undefined = undefined;
  /** The accelerator's row pool once bound (the SIMD short-range pairs' threads), or null. */
  private rows: RowExecutor | null = null;

  constructor(
    readonly W: RadialKernel,
    options: InteractionOptions = {},
  ) {
    const { method = 'direct', name = 'interaction', ...mesh } = options;
    this.name = name;
    this.request = method;
    this.meshOptions = mesh;
  }

  /** The method used for N particles in dimension d. */
  methodFor(n: number, d: number): InteractionMethod {
    return resolveInteractionMethod(this.request, this.W, n, d);
  }

  /** The method and its parameters for N particles in dimension d, as recorded in scene.json. */
  describe(n: number, d: number): string {
    const method = this.methodFor(n, d);
    return method === 'direct' ? 'direct' : this.meshFor(method).describe(n, d);
  }

  private meshFor(method: 'pm' | 'p3m'): MeshInteraction {
    if (!this.mesh || this.mesh.method !== method) this.mesh = new MeshInteraction(this.W, method, this.meshOptions);
    if (this.assembler !== undefined) {
      this.mesh.assembler = this.assembler;
      this.mesh.rows = this.rows;
    }
    return this.mesh;
  }

  accelerate(acc: Accelerator, { n, d, exactValues }: { n: number; d: number; exactValues?: string }): void {
    const method = this.methodFor(n, d);
    if (method !== 'direct') {
      // A particle mesh runs no pair loop over all N rows: float64 (FFTs in TypeScript). Its
      // short-range pairs: under `--backend ts` (the float64 TypeScript reference) the
      // JavaScript loop in this thread; under gpu and auto the WebAssembly SIMD kernel where
      // the platform assembles one, split over the row pool from MIN_POOL_PARTICLES on.
      this.device = null;
      this.sources = null;
      const accelerated = acc.request !== 'ts';
      this.assembler = accelerated ? acc.assembler : null;
      this.rows = null;
      const mesh = this.meshFor(method);
      const simd = accelerated && mesh.simdShortRange(d);
      if (simd && n >= MIN_POOL_PARTICLES) this.rows = mesh.rows = acc.rows();
      const threads = simd ? mesh.shortRangeThreads(n) : 1;
      const pairs = method !== 'p3m' || this.W.name === 'quadratic' ? null
        : simd ? `short-range pairs: WebAssembly SIMD${threads > 1 ? ` ×${threads} threads` : ''}`
        : `short-range pairs: TypeScript loop${accelerated ? ' (no WebAssembly SIMD here)' : ''}`;
      acc.record(this.name, {
        family: 'interaction', target: 'ts', precision: 'float64', values: 'float64', threads, size: `N=${n}, d=${d}`, method: this.describe(n, d),
        ...(pairs ? { executor: pairs } : {}),
      });
      return;
    }
    const form = this.W.gpu;
    const velocity = form && d <= MAX_KERNEL_DIM ? interactionVelocitySource(d, form) : null;
    // The value kernel of a logarithmic W sums log r² as a product with one weight for all
    // partners: uniform weights are checked at each value (else the float64 loop runs).
    const value = form && d <= MAX_KERNEL_DIM ? interactionEnergySource(d, form) : null;
    const wantValues = acc.request === 'gpu' || exactValues === undefined;
    // Velocity and value in one pass where the lanes fit (a record's value, then the next step's velocity).
    const record = form && d <= MAX_KERNEL_DIM ? interactionRecordSource(d, form) : null;
    const lanes = form && record ? recordLanes(d, form)! : 0;
    const kernels = velocity
      ? [
          { source: velocity, outDim: d },
          ...(value && wantValues ? [{ source: value, outDim: form?.logCoeff !== undefined ? 3 : 1 }] : []),
          ...(record && wantValues ? [{ source: record, outDim: lanes }] : []),
        ]
      : null;
    const loop = acc.bindPairs({ loop: this.name, family: 'interaction', size: { n, d }, kernels, exactValues });
    this.device = loop ? new DevicePairs(loop, n, d) : null;
    this.velocityOf.clear();
    this.sources = velocity ? { velocity, value: loop?.deviceValues ? value : null, record: loop?.deviceValues ? record : null, lanes } : null;
  }

  value(m: ParticleMeasure): number {
    const method = this.methodFor(m.n, m.d);
    if (method !== 'direct') return this.meshFor(method).evaluate(m, null, true);
    const dev = this.device;
    if (dev && this.sources?.record && uniform(m.w)) return this.deviceRecord(dev, this.sources.record, this.sources.lanes, m);
    if (dev && this.sources?.value && uniform(m.w)) return this.deviceValue(dev, this.sources.value, m);
    const { n, d, x, w } = m;
    let s: number;
    if (d === 2) s = interactionValue2(x, w, n, this.W);
    else if (d === 3) s = interactionValue3(x, w, n, this.W);
    else s = interactionValueD(x, w, n, d, this.W);
    return s + selfTerm(this.W, w);
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    const method = this.methodFor(m.n, m.d);
    if (method !== 'direct') {
      this.meshFor(method).evaluate(m, v, false);
      return;
    }
    const dev = this.device;
    if (dev && this.sources) {
      // The rows of the record kernel at this state are the velocity kernel's, bit for bit.
      const out = this.velocityOf.matches(m) ? this.recordedVelocity : dev.pack(m).run(this.sources.velocity, m.d);
      for (let i = 0; i < v.length; i++) v[i] += out[i];
      return;
    }
    if (m.d === 2) interactionVelocity2(m.x, m.w, m.n, this.W, v);
    else if (m.d === 3) interactionVelocity3(m.x, m.w, m.n, this.W, v);
    else interactionVelocityD(m.x, m.w, m.n, m.d, this.W, v);
  }

  /**
   * F from the record kernel's rows (interactionRecordSource), summed in float64 as
   * deviceValue does; its velocity rows are kept for the next velocity at this state. For a
   * logarithmic W the part value = q r² is summed here through centred moments:
   * ½ Σ_i Σ_j w_i w_j q r²_ij = q (M Σ w |x − c|² − |Σ w (x − c)|²).
   */
  private deviceRecord(dev: DevicePairs, source: string, lanes: number, m: ParticleMeasure): number {
    const { n, d, w, x } = m;
    const out = dev.pack(m).run(source, lanes);
    if (this.recordedVelocity.length !== n * d) this.recordedVelocity = new Float32Array(n * d);
    const rv = this.recordedVelocity;
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) rv[i * d + k] = out[i * lanes + k];
    this.velocityOf.set(m);
    const c = this.W.gpu?.logCoeff;
    let e = 0;
    if (c === undefined) for (let i = 0; i < n; i++) e += w[i] * out[i * lanes + d];
    else {
      const shift = -Math.log(LOG_EPS2);
      for (let i = 0; i < n; i++) e += w[i] * c * w[0] * (Math.log(out[i * lanes + d]) + out[i * lanes + d + 1] * Math.LN2 + shift);
      const q = this.W.gpu!.valueQuadratic!;
      let M = 0, sq = 0, s1sq = 0;
      for (let i = 0; i < n; i++) M += w[i];
      for (let k = 0; k < d; k++) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += w[i] * x[i * d + k];
        mean /= M;
        let s1 = 0;
        for (let i = 0; i < n; i++) {
          const z = x[i * d + k] - mean;
          s1 += w[i] * z;
          sq += w[i] * z * z;
        }
        s1sq += s1 * s1;
      }
      e += 2 * q * (M * sq - s1sq);
    }
    return 0.5 * e + selfTerm(this.W, w);
  }

  /** F from the device's rows (interactionEnergySource), summed in float64. */
  private deviceValue(dev: DevicePairs, source: string, m: ParticleMeasure): number {
    const c = this.W.gpu?.logCoeff;
    const out = dev.pack(m).run(source, c === undefined ? 1 : 3);
    const { n, w } = m;
    let e = 0;
    if (c === undefined) for (let i = 0; i < n; i++) e += w[i] * out[i];
    else {
      // Σ_{j≠i} log r²_ij = log P_i + k_i log 2 − log 2^−60 (the diagonal's factor); uniform weights w_j = w.
      const shift = -Math.log(LOG_EPS2);
      for (let i = 0; i < n; i++) e += w[i] * (out[3 * i] + c * w[0] * (Math.log(out[3 * i + 1]) + out[3 * i + 2] * Math.LN2 + shift));
    }
    return 0.5 * e + selfTerm(this.W, w);
  }
}

/** Whether all weights are equal (the device's logarithmic value kernel needs it). */
function uniform(w: Float64Array): boolean {
  for (let i = 1; i < w.length; i++) if (w[i] !== w[0]) return false;
  return true;
}

/** ½ Σ w_i² W(0) for a regular W (the pair loops skip the diagonal), 0 for a singular one. */
function selfTerm(W: RadialKernel, w: Float64Array): number {
  if (W.singular) return 0;
  let w2 = 0;
  for (let i = 0; i < w.length; i++) w2 += w[i] * w[i];
  return 0.5 * w2 * W.value(0);
}

/** Σ_i w_i Σ_{j>i} w_j W(r²_ij) in 2D (each unordered pair once). */
function interactionValue2(x: Float64Array, w: Float64Array, n: number, W: RadialKernel): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[2 * i], yi = x[2 * i + 1];
    let si = 0;
    for (let j = i + 1; j < n; j++) {
      const zx = xi - x[2 * j], zy = yi - x[2 * j + 1];
      si += w[j] * W.value(zx * zx + zy * zy);
    }
    s += w[i] * si;
  }
  return s;
}

function interactionValue3(x: Float64Array, w: Float64Array, n: number, W: RadialKernel): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
    let si = 0;
    for (let j = i + 1; j < n; j++) {
      const zx = xi - x[3 * j], zy = yi - x[3 * j + 1], zz = zi - x[3 * j + 2];
      si += w[j] * W.value(zx * zx + zy * zy + zz * zz);
    }
    s += w[i] * si;
  }
  return s;
}

function interactionValueD(x: Float64Array, w: Float64Array, n: number, d: number, W: RadialKernel): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let si = 0;
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        r2 += z * z;
      }
      si += w[j] * W.value(r2);
    }
    s += w[i] * si;
  }
  return s;
}
function interactionVelocity2(x: Float64Array, w: Float64Array, n: number, W: RadialKernel, v: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const xi = x[2 * i], yi = x[2 * i + 1], wi = w[i];
    let vx = 0, vy = 0;
    for (let j = i + 1; j < n; j++) {
      const zx = xi - x[2 * j], zy = yi - x[2 * j + 1];
      const g = W.gradFactor(zx * zx + zy * zy);
      const fx = g * zx, fy = g * zy;
      const wj = w[j];
      vx -= wj * fx;
      vy -= wj * fy;
      v[2 * j] += wi * fx;
      v[2 * j + 1] += wi * fy;
    }
    v[2 * i] += vx;
    v[2 * i + 1] += vy;
  }
}

function interactionVelocity3(x: Float64Array, w: Float64Array, n: number, W: RadialKernel, v: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], wi = w[i];
    let vx = 0, vy = 0, vz = 0;
    for (let j = i + 1; j < n; j++) {
      const zx = xi - x[3 * j], zy = yi - x[3 * j + 1], zz = zi - x[3 * j + 2];
      const g = W.gradFactor(zx * zx + zy * zy + zz * zz);
      const fx = g * zx, fy = g * zy, fz = g * zz;
      const wj = w[j];
      vx -= wj * fx;
      vy -= wj * fy;
      vz -= wj * fz;
      v[3 * j] += wi * fx;
      v[3 * j + 1] += wi * fy;
      v[3 * j + 2] += wi * fz;
    }
    v[3 * i] += vx;
    v[3 * i + 1] += vy;
    v[3 * i + 2] += vz;
  }
}

function interactionVelocityD(x: Float64Array, w: Float64Array, n: number, d: number, W: RadialKernel, v: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const z = x[i * d + k] - x[j * d + k];
        r2 += z * z;
      }
      const g = W.gradFactor(r2);
      for (let k = 0; k < d; k++) {
        const f = g * (x[i * d + k] - x[j * d + k]);
        v[i * d + k] -= w[j] * f;
        v[j * d + k] += w[i] * f;
      }
    }
  }
}
