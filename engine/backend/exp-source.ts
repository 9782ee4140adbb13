import { expNegF32Source, F32_EXP_FLOOR, logUnitF32Source } from '../core/exp.ts';
import { lit } from './literal.ts';

export { F32_EXP_FLOOR };

/**
 * e^y for y ≤ 0 as gpu.js source: the float32 form of the engine's exponential
 * (engine/core/exp.ts, expNegF32Source), with this backend's float literals. Returns
 * statements that declare `const <name> = e^(<arg>)`.
 */
export function expNegSource(name: string, arg: string): string {
  return expNegF32Source(name, arg, lit);
}

/** log z for 2^-127 ≤ z ≤ 1 as gpu.js source (engine/core/exp.ts, logUnitF32Source): `const <name> = log(<arg>)`. */
export function logUnitSource(name: string, arg: string): string {
  return logUnitF32Source(name, arg, lit);
}
