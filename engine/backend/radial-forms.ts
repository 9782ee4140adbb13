import type { RadialKernel } from '../particles/radial-kernels.ts';
import { expNegSource } from './exp-source.ts';
import { lit } from './literal.ts';

export { lit };

/**
 * A radial kernel W(|z|) written as gpu.js source: expressions in the local
 * variable `r2` (= |z|², float32 on the device) for gradFactor(r²) = W'(r)/r and
 * W(r²). Constants are inlined as literals so each kernel compiles to straight
 * arithmetic. Kernels without a form here stay on the TypeScript reference.
 */
export interface RadialForm {
  grad: string;
  value: string;
  /**
   * Statements run before `grad` in the velocity loop: the exponentials of the
   * Gaussian and Morse kernels as exp-source.ts's inline form (wasm has no exp
   * opcode; Math.exp would be a call into JavaScript per pair).
   */
  gradPrelude?: string;
}

/** r²^{p/2} with the exponent folded (p = 2 gives r², p = 0 gives 1). */
function pow2(p: number): string {
  if (p === 0) return '1.0';
  if (p === 2) return 'r2';
  if (p === 1) return 'Math.sqrt(r2)';
  return `Math.pow(r2, ${lit(p / 2)})`;
}

/** The gpu.js form of `W`, or null when it has none (then `ts` runs it). */
export function radialForm(W: RadialKernel): RadialForm | null {
  const p = W.params ?? [];
  switch (W.name) {
    case 'quadratic':
      return { grad: '1.0', value: '0.5 * r2' };
    case 'attractive-repulsive-log':
      return { grad: '1.0 - 1.0 / r2', value: '0.5 * r2 - 0.5 * Math.log(r2)' };
    case 'attractive-repulsive-newton':
      return { grad: '1.0 - 1.0 / (r2 * Math.sqrt(r2))', value: '0.5 * r2 + 1.0 / Math.sqrt(r2)' };
    case 'gaussian': {
      if (p.length !== 2) return null;
      const [s, a] = p;
      const c = lit(1 / (2 * s * s));
      return {
        gradPrelude: expNegSource('gE', `-${c} * r2`),
        grad: `${lit(a / (s * s))} * gE`,
        value: `-${lit(a)} * Math.exp(-${c} * r2)`,
      };
    }
    case 'morse': {
      if (p.length !== 4) return null;
      const [Ca, la, Cr, lr] = p;
      const r = 'Math.sqrt(r2)';
      return {
        gradPrelude: `    const mR = ${r};\n` + expNegSource('mA', `-mR * ${lit(1 / la)}`) + expNegSource('mB', `-mR * ${lit(1 / lr)}`),
        grad: `(${lit(Ca / la)} * mA - ${lit(Cr / lr)} * mB) / mR`,
        value: `${lit(Cr)} * Math.exp(-${r} / ${lit(lr)}) - ${lit(Ca)} * Math.exp(-${r} / ${lit(la)})`,
      };
    }
    default: {
      if (!W.name.startsWith('power-') || p.length !== 2) return null;
      const [a, b] = p;
      const vb = b === 0 ? '0.5 * Math.log(r2)' : `${pow2(b)} / ${lit(b)}`;
      return { grad: `${pow2(a - 2)} - ${pow2(b - 2)}`, value: `${pow2(a)} / ${lit(a)} - ${vb}` };
    }
  }
}
