/** A vector field on flat state vectors: out = F(x) (same length). */
export type VectorField = (x: Float64Array, out: Float64Array) => void;

/** Time integrators of the token dynamics. */
export const INTEGRATORS = ['euler', 'rk4'] as const;
/** One of INTEGRATORS. */
export type IntegratorName = (typeof INTEGRATORS)[number];

/** One time step x ← Φ_h(x) in place; buffers sized once for states of length `size`. */
export interface Integrator {
  readonly name: IntegratorName;
  /** x ← Φ_h(x) for the field F, in place. */
  step(x: Float64Array, h: number, F: VectorField): void;
}

/** Explicit Euler: x ← x + h F(x). First order. */
export function eulerIntegrator(size: number): Integrator {
  const k = new Float64Array(size);
  return {
    name: 'euler',
    step(x, h, F) {
      F(x, k);
      for (let i = 0; i < size; i++) x[i] += h * k[i];
    },
  };
}

/**
 * Classical fourth-order Runge–Kutta (Hairer, Nørsett & Wanner, Solving ODEs I, §II.1):
 * k1 = F(x), k2 = F(x + h/2 k1), k3 = F(x + h/2 k2), k4 = F(x + h k3),
 * x ← x + h/6 (k1 + 2k2 + 2k3 + k4). Four field evaluations per step; global error O(h⁴).
 */
export function rk4Integrator(size: number): Integrator {
  const k = new Float64Array(size);
  const acc = new Float64Array(size);
  const y = new Float64Array(size);
  return {
    name: 'rk4',
    step(x, h, F) {
      F(x, k);
      for (let i = 0; i < size; i++) {
        acc[i] = k[i];
        y[i] = x[i] + 0.5 * h * k[i];
      }
      F(y, k);
      for (let i = 0; i < size; i++) {
        acc[i] += 2 * k[i];
        y[i] = x[i] + 0.5 * h * k[i];
      }
      F(y, k);
      for (let i = 0; i < size; i++) {
        acc[i] += 2 * k[i];
        y[i] = x[i] + h * k[i];
      }
      F(y, k);
      for (let i = 0; i < size; i++) x[i] += (h / 6) * (acc[i] + k[i]);
    },
  };
}

/** The integrator called `name` for states of length `size`. */
export function makeIntegrator(name: IntegratorName, size: number): Integrator {
  return name === 'rk4' ? rk4Integrator(size) : eulerIntegrator(size);
}
