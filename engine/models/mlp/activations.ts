import { ParamError } from '../../core/params.ts';

/**
 * A scalar activation σ of a two-layer network, applied to whole pre-activation
 * vectors so that the loop over data points lives inside each activation (one
 * monomorphic loop per activation, no per-element virtual call in the hot path).
 */
export interface Activation {
  readonly name: ActivationName;
  /** Whether σ is positively 1-homogeneous (σ(λz) = λσ(z), λ > 0): ReLU. */
  readonly homogeneous: boolean;
  /** σ(z) for scalars (tests, plots). */
  value(z: number): number;
  /** σ'(z) for scalars. */
  derivative(z: number): number;
  /** s[k] = σ(z[k]) for k < n. */
  forward(z: Float64Array, s: Float64Array, n: number): void;
  /** s[k] = σ(z[k]), ds[k] = σ'(z[k]) for k < n. */
  forwardWithDerivative(z: Float64Array, s: Float64Array, ds: Float64Array, n: number): void;
}

/** Names of the activations σ (the `activation` parameter of network scenes). */
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu'] as const;
/** One of ACTIVATIONS. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** ReLU σ(z) = max(z, 0), σ'(z) = 1{z > 0} (the subgradient 0 at z = 0). */
export const relu: Activation = {
  name: 'relu',
  homogeneous: true,
  value: (z) => (z > 0 ? z : 0),
  derivative: (z) => (z > 0 ? 1 : 0),
  forward(z, s, n) {
    for (let k = 0; k < n; k++) s[k] = z[k] > 0 ? z[k] : 0;
  },
  forwardWithDerivative(z, s, ds, n) {
    for (let k = 0; k < n; k++) {
      const p = z[k] > 0;
      s[k] = p ? z[k] : 0;
      ds[k] = p ? 1 : 0;
    }
  },
};

/** σ(z) = tanh z, σ' = 1 − tanh² z. */
export const tanh: Activation = {
  name: 'tanh',
  homogeneous: false,
  value: (z) => Math.tanh(z),
  derivative: (z) => 1 - Math.tanh(z) ** 2,
  forward(z, s, n) {
    for (let k = 0; k < n; k++) s[k] = Math.tanh(z[k]);
  },
  forwardWithDerivative(z, s, ds, n) {
    for (let k = 0; k < n; k++) {
      const t = Math.tanh(z[k]);
      s[k] = t;
      ds[k] = 1 - t * t;
    }
  },
};

/** Logistic σ(z) = 1/(1 + e^{−z}), σ' = σ(1 − σ). */
export const sigmoid: Activation = {
  name: 'sigmoid',
  homogeneous: false,
  value: (z) => 1 / (1 + Math.exp(-z)),
  derivative: (z) => {
    const p = 1 / (1 + Math.exp(-z));
    return p * (1 - p);
  },
  forward(z, s, n) {
    for (let k = 0; k < n; k++) s[k] = 1 / (1 + Math.exp(-z[k]));
  },
  forwardWithDerivative(z, s, ds, n) {
    for (let k = 0; k < n; k++) {
      const p = 1 / (1 + Math.exp(-z[k]));
      s[k] = p;
      ds[k] = p * (1 - p);
    }
  },
};

// GELU in its tanh form (Hendrycks & Gimpel 2016, eq. in §2), since JavaScript has no erf:
// σ(z) = ½ z (1 + tanh u), u = c (z + 0.044715 z³), c = √(2/π); it differs from z Φ(z) by < 5e-4.
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

function geluValue(z: number): number {
  return 0.5 * z * (1 + Math.tanh(GELU_C * (z + GELU_A * z * z * z)));
}

/** σ'(z) = ½(1 + tanh u) + ½ z (1 − tanh² u) c (1 + 3·0.044715 z²). */
function geluDerivative(z: number, t: number): number {
  return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * z * z);
}

/** GELU, tanh approximation (see above). */
export const gelu: Activation = {
  name: 'gelu',
  homogeneous: false,
  value: geluValue,
  derivative: (z) => geluDerivative(z, Math.tanh(GELU_C * (z + GELU_A * z * z * z))),
  forward(z, s, n) {
    for (let k = 0; k < n; k++) s[k] = geluValue(z[k]);
  },
  forwardWithDerivative(z, s, ds, n) {
    for (let k = 0; k < n; k++) {
      const x = z[k];
      const t = Math.tanh(GELU_C * (x + GELU_A * x * x * x));
      s[k] = 0.5 * x * (1 + t);
      ds[k] = geluDerivative(x, t);
    }
  },
};

const BY_NAME: Record<ActivationName, Activation> = { relu, tanh, sigmoid, gelu };

/** The activation called `name`; a ParamError naming the allowed values otherwise. */
export function activationByName(name: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new ParamError(`parameter 'activation' must be one of ${ACTIVATIONS.join(', ')}; got '${name}'`);
  }
  return BY_NAME[name as ActivationName];
}
