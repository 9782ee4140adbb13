import { firstNonFinite } from '../core/finite.ts';
import { UsageError } from '../core/simulation.ts';

/**
 * Input checks shared by the OT solvers: every bad input is one UsageError line
 * naming what was wrong and what is allowed.
 */
export function checkCloud(name: string, x: ArrayLike<number>, d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new UsageError(`${name}: dimension must be a positive integer; got ${d}`);
  if (x.length === 0 || x.length % d !== 0) throw new UsageError(`${name}: ${x.length} values do not form a non-empty [n, ${d}] array`);
  const i = firstNonFinite(x);
  if (i >= 0) throw new UsageError(`${name}: entry ${i} (point ${Math.floor(i / d)}) is ${x[i]}; coordinates must be finite`);
  return x.length / d;
}

/**
 * Weights of a cloud of n points: non-negative, finite, not all zero; returned
 * normalized to total mass 1 (uniform when absent).
 */
export function checkWeights(name: string, w: ArrayLike<number> | undefined, n: number): Float64Array {
  if (!w) return new Float64Array(n).fill(1 / n);
  if (w.length !== n) throw new UsageError(`${name}: ${w.length} weights for ${n} points; give one weight per point`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(w[i]) || w[i] < 0) throw new UsageError(`${name}: weight ${i} is ${w[i]}; weights must be finite and ≥ 0`);
    total += w[i];
  }
  if (!(total > 0)) throw new UsageError(`${name}: all weights are zero; at least one must be positive`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w[i] / total;
  return out;
}

export function checkEpsilon(eps: number): number {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new UsageError(`eps must be a positive finite number; got ${eps}`);
  return eps;
}
