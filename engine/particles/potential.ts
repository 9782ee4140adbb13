import { UsageError } from '../core/simulation.ts';
import type { ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * A potential V: R^d → R evaluated at one point of a flat array of points: the point is
 * x[offset .. offset+d). `gradient` is optional: without it, `Potential` takes ∇V by
 * central differences of `value` (`centralDifferenceGradient`).
 */
export interface PotentialFunction {
  /** V(x) for the point x[offset .. offset+d). */
  value(x: Float64Array, offset: number, d: number): number;
  /** Writes ∇V(x) into g[goff .. goff+d). */
  gradient?(x: Float64Array, offset: number, d: number, g: Float64Array, goff: number): void;
}

/** A potential with its gradient, as `Potential` uses it. */
export type PotentialWithGradient = Required<PotentialFunction>;

/**
 * The central-difference gradient of a value V(x[o .. o+d)):
 * ∂_k V ≈ (V(x + h_k e_k) − V(x − h_k e_k)) / (2h_k), with h_k = 6e−6·max(1, |x_k|) ≈ u^{1/3}
 * relative to the coordinate (u = 2⁻⁵², the double rounding unit): the truncation error
 * O(h²) and the rounding error O(u/h) balance there, for an error of about u^{2/3} ≈ 4e−11
 * relative to the scale of V's derivatives. Evaluates V at 2d points per call; the
 * coordinates are restored bit-exactly afterwards.
 */
export function centralDifferenceGradient(value: PotentialFunction['value']): PotentialWithGradient['gradient'] {
  let p = new Float64Array(0);
  return (x, o, d, g, go) => {
    if (p.length !== d) p = new Float64Array(d);
    for (let k = 0; k < d; k++) p[k] = x[o + k];
    for (let k = 0; k < d; k++) {
      const xk = p[k];
      const h = 6e-6 * Math.max(1, Math.abs(xk));
      p[k] = xk + h;
      const fp = value(p, 0, d);
      p[k] = xk - h;
      const fm = value(p, 0, d);
      p[k] = xk;
      g[go + k] = (fp - fm) / (2 * h);
    }
  };
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
 * A user potential from a function of the coordinates, V(x) = fn(x) with x of length d;
 * the gradient is `grad` when given, else central differences (`centralDifferenceGradient`).
 */
export function userPotential(
  fn: (x: Float64Array) => number,
  grad?: (x: Float64Array, g: Float64Array) => void,
): PotentialFunction {
  const value: PotentialFunction['value'] = (x, o, d) => fn(x.subarray(o, o + d));
  if (!grad) return { value };
  let out = new Float64Array(0);
  return {
    value,
    gradient(x, o, d, g, go) {
      if (out.length !== d) out = new Float64Array(d);
      grad(x.subarray(o, o + d), out);
      for (let i = 0; i < d; i++) g[go + i] = out[i];
    },
  };
}

/**
 * F(μ) = ∫ V dμ = Σ_i w_i V(x_i); particle velocity −∇V(x_i) (docs/design.md §1.1). V is a
 * `PotentialFunction` (`quadraticPotential`, `doubleWellPotential`, `userPotential`, or
 * any `{ value, gradient? }`); without a gradient, ∇V is taken by central differences.
 */
export class Potential implements ParticleEnergy {
  /** V with its gradient (the given one, or central differences of V.value). */
  readonly V: PotentialWithGradient;
  private grad = new Float64Array(0);
  constructor(
    V: PotentialFunction,
    readonly name = 'potential',
  ) {
    if (typeof V?.value !== 'function') {
      throw new UsageError('Potential needs { value(x, offset, d) } (and optionally gradient(x, offset, d, g, goff)), or use userPotential((x) => …) / quadraticPotential()');
    }
    const value = V.value.bind(V);
    this.V = { value, gradient: V.gradient ? V.gradient.bind(V) : centralDifferenceGradient(value) };
  }

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
