import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';
import type { RadialKernel } from './radial-kernels.ts';
import { acceleratedInteractionValue, acceleratedInteractionVelocity, interactionSources } from '../backend/particle-hooks.ts';
import { backendSlot } from '../backend/scope.ts';

/**
 * Interaction energy F(μ) = ½ ∫∫ W(x − y) dμ(x) dμ(y) for an even radial W,
 * with particle velocity −Σ_j w_j ∇W(x_i − x_j) (docs/design.md §1.1).
 *
 * The pair loop visits each unordered pair once and adds the force to both ends
 * (∇W is odd), halving the work; the diagonal i = j is skipped (∇W(0) = 0 for
 * smooth kernels, and it is undefined for singular ones). The loops are written
 * for d = 2 and d = 3 with scalar locals and no allocation.
 */
export class Interaction implements ParticleEnergy {
  /** Where the pair loops run (ts or gpu.js), from the backend scope it was built in (engine/backend). */
  readonly backend = backendSlot('interaction', (d) => interactionSources(this.W, d));

  constructor(
    readonly W: RadialKernel,
    readonly name = 'interaction',
  ) {}

  value(m: ParticleMeasure): number {
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
