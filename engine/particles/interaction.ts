import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import type { RadialKernel } from './radial-kernels.ts';
import { acceleratedInteractionValue, acceleratedInteractionVelocity, interactionSources } from '../backend/particle-hooks.ts';
import { backendSlot } from '../backend/scope.ts';
import { MeshInteraction, type MeshOptions } from './mesh/mesh-interaction.ts';
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
 */
export class Interaction implements ParticleEnergy {
  /**
   * Where the pair loops run (ts or gpu.js), from the backend scope it was built in
   * (engine/backend). A mesh method runs no pair loop over all N rows: its size is 0
   * for the rule, so the slot settles on ts without compiling anything.
   */
  readonly backend = backendSlot('interaction', (d) => interactionSources(this.W, d), (n, d) => ({ n: this.methodFor(n, d) === 'direct' ? n : 0, d }));
  readonly name: string;
  readonly request: InteractionMethodRequest;
  private readonly meshOptions: MeshOptions;
  private mesh: MeshInteraction | null = null;

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
    return this.mesh;
  }

  value(m: ParticleMeasure): number {
    const method = this.methodFor(m.n, m.d);
    if (method !== 'direct') return this.meshFor(method).evaluate(m, null, true);
    const accelerated = acceleratedInteractionValue(this.backend, this.W, m);
    if (accelerated !== null) return accelerated;
    const { n, d, x, w } = m;
    const W = this.W;
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
    if (!W.singular) {
      let w2 = 0;
      for (let i = 0; i < n; i++) w2 += w[i] * w[i];
      s += 0.5 * w2 * W.value(0);
    }
    return s;
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    const method = this.methodFor(m.n, m.d);
    if (method !== 'direct') {
      this.meshFor(method).evaluate(m, v, false);
      return;
    }
    if (acceleratedInteractionVelocity(this.backend, this.W, m, v)) return;
    if (m.d === 2) interactionVelocity2(m.x, m.w, m.n, this.W, v);
    else if (m.d === 3) interactionVelocity3(m.x, m.w, m.n, this.W, v);
    else interactionVelocityD(m.x, m.w, m.n, m.d, this.W, v);
  }
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
