import { ParamError, describeAllowed, resolveParams, type ParamValues, type RawParams } from '../../engine/core/params.ts';
import type { SceneDefinition, SceneEstimate } from '../../engine/core/simulation.ts';

/**
 * Limits on what one live scene may cost (`wgf view --max-memory --max-work`), checked
 * against the scene's own `estimate(params)` before anything is built: at start and on
 * every parameter change from a browser.
 */
export interface SceneLimits {
  /** Bytes the simulation may hold. */
  maxBytes: number;
  /** Operations one step (plus its record) may take. */
  maxWork: number;
}

/**
 * 2 GiB of simulation memory; 10¹¹ operations per step: a minute or more of one core
 * (the estimates of scenes/estimate.ts ran at 10⁸–2·10⁹ operations per second on the
 * plain TypeScript backend, on a loaded 2-core machine).
 */
export const DEFAULT_LIMITS: SceneLimits = { maxBytes: 2 * 2 ** 30, maxWork: 1e11 };

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** '2GiB', '512MiB', '1.5GB', '4e9' → bytes; null when it is none of these. */
export function parseByteSize(s: string): number | null {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  const v = Number(m[1]) * unit;
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** '1e11', '5e10', '100000000' → a positive count; null otherwise. */
export function parseCount(s: string): number | null {
  const v = /^\s*[0-9]*\.?[0-9]+(?:e[+-]?\d+)?\s*$/i.test(s) ? Number(s) : NaN;
  return Number.isFinite(v) && v > 0 ? v : null;
}

export function formatBytes(b: number): string {
  const [unit, size] = b >= 2 ** 30 ? ['GiB', 2 ** 30] : b >= 2 ** 20 ? ['MiB', 2 ** 20] : ['KiB', 2 ** 10];
  return `${(b / size).toPrecision(3)} ${unit}`;
}

const formatWork = (w: number) => w.toExponential(1).replace('e+', 'e');

type Quantity = 'bytes' | 'workPerStep';

/**
 * The parameters that make `q` large: those set away from their default whose return
 * to the default divides `q` by 2 or more (all changed ones when no single one does).
 */
function culprits(def: SceneDefinition<any>, p: ParamValues<any>, q: Quantity, value: number): string[] {
  const changed = Object.keys(def.params).filter((k) => p[k] !== def.params[k].default);
  const big = changed.filter((k) => def.estimate!({ ...p, [k]: def.params[k].default })[q] <= value / 2);
  return big.length ? big : changed;
}

/** What exceeds a limit: a one-line account naming the parameters, and the flags that set those limits. */
export interface LimitExcess {
  message: string;
  flags: string[];
}

/**
 * Whether `p` exceeds a limit: the message names the parameter(s) responsible, the
 * estimate and the limit; null when within the limits or when the scene states no
 * estimate (a scene file may not).
 */
export function exceedsLimits(def: SceneDefinition<any>, p: ParamValues<any>, limits: SceneLimits): LimitExcess | null {
  if (!def.estimate) return null;
  const e: SceneEstimate = def.estimate(p);
  const over: string[] = [];
  const flags: string[] = [];
  let q: Quantity | null = null;
  if (e.bytes > limits.maxBytes) {
    over.push(`about ${formatBytes(e.bytes)} of memory (limit ${formatBytes(limits.maxBytes)})`);
    flags.push('--max-memory');
    q = 'bytes';
  }
  if (e.workPerStep > limits.maxWork) {
    over.push(`about ${formatWork(e.workPerStep)} operations per step (limit ${formatWork(limits.maxWork)})`);
    flags.push('--max-work');
    q ??= 'workPerStep';
  }
  if (!q) return null;
  const names = culprits(def, p, q, e[q]);
  const setting = names.length ? names.map((k) => `${k}=${p[k]}`).join(', ') : 'its default parameters';
  return { message: `${def.id} with ${setting} needs ${over.join(' and ')}${e.note ? ` [${e.note}]` : ''}`, flags };
}

/** The refusal line of `wgf view` (at start, and for a browser's parameter change). */
export const refusal = (x: LimitExcess) => `${x.message}; choose smaller values or raise ${x.flags.join(' and ')}`;

/**
 * Resolves a browser's parameter change against the scene's schema and the limits:
 * the values the run would restart with, or a ParamError whose one line names the
 * parameter and what is allowed (never the value sent) or the limit exceeded.
 */
export function checkParamChange(def: SceneDefinition<any>, current: RawParams, change: RawParams, limits: SceneLimits): ParamValues<any> {
  const names = Object.keys(def.params);
  for (const [k, v] of Object.entries(change)) {
    if (!Object.hasOwn(def.params, k)) throw new ParamError(`unknown parameter (allowed: ${names.join(', ')})`);
    try {
      resolveParams(def.params, { [k]: v });
    } catch {
      throw new ParamError(`parameter '${k}' must be ${describeAllowed(def.params[k])}`);
    }
  }
  const p = resolveParams(def.params, { ...current, ...change });
  const excess = exceedsLimits(def, p, limits);
  if (excess) throw new ParamError(refusal(excess));
  return p;
}
