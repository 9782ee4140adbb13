import { expNegSource } from './exp-source.ts';
import { lit } from './literal.ts';

export { lit };

/**
 * A radial kernel W(|z|) written as gpu.js source, carried by the kernel itself
 * (engine/particles/radial-kernels.ts, `RadialKernel.gpu`): expressions in the local
 * variable `r2` (= |z|², float32 on the device) for gradFactor(r²) = W'(r)/r and W(r²).
 * Constants are inlined as literals so each kernel compiles to straight arithmetic.
 * Kernels without a form stay on the TypeScript reference.
 */
export interface RadialForm {
  grad: string;
  /**
   * Statements run before `grad` in the velocity loop: the exponentials of the Gaussian
   * and Morse kernels as exp-source.ts's inline form (wasm has no exp opcode; Math.exp
   * would be a call into JavaScript per pair).
   */
  gradPrelude?: string;
  /** Bound the gradient factor where a power kernel overflows float32 at the diagonal (inf·0 would be NaN). */
  clamp?: boolean;
  /** W(r²), or its part without the logarithm when `logCoeff` is set. */
  value: string;
  /** Statements run before `value` (inline exponentials, as gradPrelude). */
  valuePrelude?: string;
  /**
   * W(r²) = value + logCoeff · log r²: the logarithm is not evaluated per pair (wasm has
   * no log opcode) but summed as the log of a running product (kernel-sources.ts).
   */
  logCoeff?: number;
  /**
   * `value` is exactly this constant times r² (the attractive part of the log kernel): the
   * host sums it through moments in float64, which frees its lane in the record kernel
   * (kernel-sources.ts interactionRecordSource).
   */
  valueQuadratic?: number;
}

/** r²^{p/2} with the exponent folded (p = 2 gives r², p = 0 gives 1). */
export function pow2(p: number): string {
  if (p === 0) return '1.0';
  if (p === 2) return 'r2';
  if (p === 1) return 'Math.sqrt(r2)';
  return `Math.pow(r2, ${lit(p / 2)})`;
}

/** e^{−c r²} as gpu.js statements declaring `name` (the inline float32 exponential). */
export function gaussianPrelude(name: string, c: number): string {
  return expNegSource(name, `-${lit(c)} * r2`);
}

/** e^{−r/ℓa} and e^{−r/ℓr} (names mA, mB) and r (mR) as gpu.js statements: the Morse kernel's exponentials. */
export function morsePrelude(la: number, lr: number, prefix = 'm'): string {
  return `    const ${prefix}R = Math.sqrt(r2);\n` + expNegSource(`${prefix}A`, `-${prefix}R * ${lit(1 / la)}`) + expNegSource(`${prefix}B`, `-${prefix}R * ${lit(1 / lr)}`);
}
