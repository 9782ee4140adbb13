import { gaussianPrelude, lit, morsePrelude, pow2, type RadialForm } from '../backend/radial-forms.ts';

/**
 * Radial interaction kernels W(z) = W(|z|), written in r² = |z|² so that the pair
 * loops never take a square root unless the kernel needs one. The gradient is
 * ∇W(z) = z · gradFactor(|z|²) with gradFactor(r²) = W'(r)/r.
 */
export interface RadialKernel {
  readonly name: string;
  /** W at distance r = √r2. */
  value(r2: number): number;
  /** W'(r)/r at r = √r2, so that ∇W(z) = z · gradFactor(|z|²). */
  gradFactor(r2: number): number;
  /** Singular at 0: the pair loops skip i = j (docs/design.md §1.1). */
  readonly singular: boolean;
  /** Constructor arguments (recorded; the gpu.js form below is built from them). */
  readonly params?: readonly number[];
  /** The same W as gpu.js source (engine/backend/radial-forms.ts), next to its formula; absent: the TS loop only. */
  readonly gpu?: RadialForm;
}

/** W(z) = |z|²/2: aggregation; the spread contracts as e^{−t}. */
export function quadraticKernel(): RadialKernel {
  return { name: 'quadratic', singular: false, value: (r2) => 0.5 * r2, gradFactor: () => 1, gpu: { grad: '1.0', value: '0.5 * r2' } };
}

/**
 * W(z) = |z|²/2 − log|z| in 2D: the equilibrium is the uniform law on the unit disk
 * (ΔW = 2 − 2πδ₀, so ρ = 1/π on the support).
 */
export function logRepulsionKernel(): RadialKernel {
  return {
    name: 'attractive-repulsive-log',
    singular: true,
    value: (r2) => 0.5 * r2 - 0.5 * Math.log(r2),
    gradFactor: (r2) => 1 - 1 / r2,
    gpu: { grad: '1.0 - 1.0 / r2', value: '0.5 * r2', logCoeff: -0.5, valueQuadratic: 0.5 },
  };
}

/**
 * W(z) = |z|²/2 + 1/|z| in 3D: the equilibrium is the uniform law on the unit ball
 * (ΔW = 3 − 4πδ₀, so ρ = 3/(4π)).
 */
export function newtonRepulsionKernel(): RadialKernel {
  return {
    name: 'attractive-repulsive-newton',
    singular: true,
    value: (r2) => 0.5 * r2 + 1 / Math.sqrt(r2),
    gradFactor: (r2) => 1 - 1 / (r2 * Math.sqrt(r2)),
    gpu: { grad: '1.0 - 1.0 / (r2 * Math.sqrt(r2))', value: '0.5 * r2 + 1.0 / Math.sqrt(r2)' },
  };
}

/** W(z) = |z|^a/a − |z|^b/b (a > b: attraction at long range, repulsion at short range). */
export function powerKernel(a: number, b: number): RadialKernel {
  if (!(a > b)) throw new Error(`power kernel needs a > b; got a=${a}, b=${b}`);
  const pw = (r2: number, p: number) => Math.pow(r2, p / 2);
  return {
    name: `power-${a}-${b}`,
    params: [a, b],
    singular: b <= 0,
    value: (r2) => pw(r2, a) / a - (b === 0 ? 0.5 * Math.log(r2) : pw(r2, b) / b),
    gradFactor: (r2) => pw(r2, a - 2) - pw(r2, b - 2),
    gpu: {
      grad: `${pow2(a - 2)} - ${pow2(b - 2)}`, clamp: true,
      ...(b === 0 ? { value: `${pow2(a)} / ${lit(a)}`, logCoeff: -0.5 } : { value: `${pow2(a)} / ${lit(a)} - ${pow2(b)} / ${lit(b)}` }),
    },
  };
}

/**
 * Morse kernel W(r) = C_r e^{−r/ℓ_r} − C_a e^{−r/ℓ_a} (D'Orsogna et al. 2006):
 * repulsion of strength C_r over ℓ_r, attraction C_a over ℓ_a.
 */
export function morseKernel(Ca = 1, la = 2, Cr = 2, lr = 0.5): RadialKernel {
  return {
    name: 'morse',
    params: [Ca, la, Cr, lr],
    singular: false,
    value: (r2) => {
      const r = Math.sqrt(r2);
      return Cr * Math.exp(-r / lr) - Ca * Math.exp(-r / la);
    },
    gradFactor: (r2) => {
      const r = Math.sqrt(r2);
      if (r === 0) return 0;
      return ((Ca / la) * Math.exp(-r / la) - (Cr / lr) * Math.exp(-r / lr)) / r;
    },
    gpu: {
      gradPrelude: morsePrelude(la, lr),
      grad: `(${lit(Ca / la)} * mA - ${lit(Cr / lr)} * mB) / mR`,
      valuePrelude: morsePrelude(la, lr, 'u'),
      value: `${lit(Cr)} * uB - ${lit(Ca)} * uA`,
    },
  };
}

/** Attractive Gaussian W(z) = −A e^{−|z|²/(2s²)}. */
export function gaussianKernel(s = 1, amplitude = 1): RadialKernel {
  const c = 1 / (2 * s * s);
  return {
    name: 'gaussian',
    params: [s, amplitude],
    singular: false,
    value: (r2) => -amplitude * Math.exp(-c * r2),
    gradFactor: (r2) => ((amplitude / (s * s)) * Math.exp(-c * r2)),
    gpu: { gradPrelude: gaussianPrelude('gE', c), grad: `${lit(amplitude / (s * s))} * gE`, valuePrelude: gaussianPrelude('uE', c), value: `-${lit(amplitude)} * uE` },
  };
}
