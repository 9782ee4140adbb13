import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';

/** A potential V: R^d → R with its gradient. */
export interface PotentialFunction {
  value(x: Float64Array, offset: number, d: number): number;
  /** Writes ∇V(x) into g[goff .. goff+d). */
  gradient(x: Float64Array, offset: number, d: number, g: Float64Array, goff: number): void;
}

/** V(x) = ½ (x−c)ᵀ diag(k) (x−c); k and c default to 1 and 0. */
export function quadraticPotential(stiffness: number | readonly number[] = 1, centre?: readonly number[]): PotentialFunction {
  const k = (i: number) => (typeof stiffness === 'number' ? stiffness : stiffness[i]);
  const c = (i: number) => (centre ? centre[i] : 0);
  return {
    value(x, o, d) {
      let s = 0;
      for (let i = 0; i < d; i++) s += k(i) * (x[o + i] - c(i)) ** 2;
      return 0.5 * s;
    },
    gradient(x, o, d, g, go) {
      for (let i = 0; i < d; i++) g[go + i] = k(i) * (x[o + i] - c(i));
    },
  };
}

/**
 * Double well along the first axis, quadratic in the others:
 * V(x) = h (x₁² − 1)² + ½ Σ_{i>1} x_i² (minima at x₁ = ±1, barrier height h).
 */
export function doubleWellPotential(height = 1, tilt = 0): PotentialFunction {
  return {
    value(x, o, d) {
      const a = x[o];
      let s = height * (a * a - 1) ** 2 + tilt * a;
      for (let i = 1; i < d; i++) s += 0.5 * x[o + i] ** 2;
      return s;
    },
    gradient(x, o, d, g, go) {
      const a = x[o];
      g[go] = 4 * height * a * (a * a - 1) + tilt;
      for (let i = 1; i < d; i++) g[go + i] = x[o + i];
    },
  };
}

/**
 * A user potential from a function of the coordinates; the gradient is taken by
 * central differences unless given (step h ~ ε^{1/3} for O(ε^{2/3}) accuracy).
 */
export function userPotential(
  fn: (x: ArrayLike<number>) => number,
  grad?: (x: ArrayLike<number>, g: Float64Array) => void,
): PotentialFunction {
  const h = 6e-6;
  return {
    value(x, o, d) {
      return fn(x.subarray(o, o + d));
    },
    gradient(x, o, d, g, go) {
      const p = x.slice(o, o + d);
      if (grad) {
        const out = new Float64Array(d);
        grad(p, out);
        for (let i = 0; i < d; i++) g[go + i] = out[i];
        return;
      }
      for (let i = 0; i < d; i++) {
        const xi = p[i];
        p[i] = xi + h;
        const fp = fn(p);
        p[i] = xi - h;
        const fm = fn(p);
        p[i] = xi;
        g[go + i] = (fp - fm) / (2 * h);
      }
    },
  };
}

/** F(μ) = ∫ V dμ; velocity −∇V(x_i). */
export class Potential implements ParticleEnergy {
  private grad = new Float64Array(0);
  constructor(
    readonly V: PotentialFunction,
    readonly name = 'potential',
  ) {}

  value(m: ParticleMeasure): number {
    let s = 0;
    for (let i = 0; i < m.n; i++) s += m.w[i] * this.V.value(m.x, i * m.d, m.d);
    return s;
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    const d = m.d;
    if (this.grad.length !== d) this.grad = new Float64Array(d);
    const g = this.grad;
    for (let i = 0; i < m.n; i++) {
      this.V.gradient(m.x, i * d, d, g, 0);
      for (let k = 0; k < d; k++) v[i * d + k] -= g[k];
    }
  }
}
