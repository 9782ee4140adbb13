/** `wgf ot`'s work (loaded when the command runs: cli/commands/ot.ts registers it). */
import { join } from 'node:path';
import { allFinite } from '../../engine/core/finite.ts';
import type { NpyArray } from '../../engine/core/npy.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { sinkhornDivergence } from '../../engine/ot/divergence.ts';
import { wassersteinPower1d } from '../../engine/ot/exact1d.ts';
import { PointCloudGeometry } from '../../engine/ot/point-cloud-geometry.ts';
import { barycentricMap, checkCouplingSize, sinkhorn, type SinkhornMode, type SinkhornResult } from '../../engine/ot/sinkhorn.ts';
import { slicedWassersteinPower } from '../../engine/ot/sliced.ts';
import { readNpy, writeNpy } from '../../node/files.ts';
import { createNodeAccelerator } from '../../node/backend/node-accelerator.ts';
import { sequentialLse } from '../../engine/ot/lse-executor.ts';
import { METHODS, type Method, type OtCliOptions } from './ot-options.ts';

/** What `--potentials`, `--plan` and `--map` ask for (sinkhorn only). */
export function outputsOf(opts: OtCliOptions): { flag: string; path: string }[] {
  return (['potentials', 'plan', 'map'] as const).filter((k) => opts[k] !== undefined).map((k) => ({ flag: `--${k}`, path: opts[k]! }));
}

/** Writes an NPY output; a path that cannot be written is one line naming the flag. */
function writeOutput(flag: string, path: string, data: Float64Array, shape: number[]): void {
  try {
    writeNpy(path, data, shape);
  } catch (e) {
    throw new UsageError(`cannot write ${flag} '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The solution beyond its value (what POT/OTT/GeomLoss users ask for): dual potentials
 * f [n], g [m] (DIR/f.npy, DIR/g.npy; OTT-JAX/GeomLoss convention, value = ⟨f, a⟩ + ⟨g, b⟩),
 * the dense plan π [n, m] (refused above 2²⁴ entries) and the barycentric map T(x_i) [n, d].
 */
function writeSolution(r: SinkhornResult, X: { x: Float64Array; n: number; d: number }, Y: { x: Float64Array; n: number }, p: number, opts: OtCliOptions): Record<string, string> {
  const files: Record<string, string> = {};
  if (opts.potentials !== undefined) {
    writeOutput('--potentials', join(opts.potentials, 'f.npy'), r.f, [X.n]);
    writeOutput('--potentials', join(opts.potentials, 'g.npy'), r.g, [Y.n]);
    files.potentials = opts.potentials;
  }
  if (opts.plan !== undefined) {
    writeOutput('--plan', opts.plan, r.coupling!, [X.n, Y.n]);
    files.plan = opts.plan;
  }
  if (opts.map !== undefined) {
    writeOutput('--map', opts.map, barycentricMap(X.x, Y.x, X.d, r, p), [X.n, X.d]);
    files.map = opts.map;
  }
  return files;
}

/** A cloud [n, d] from an NPY file: float32/float64, 2D (or 1D = [n, 1]). */
function readCloud(path: string): { x: Float64Array; n: number; d: number } {
  const a = readNpy(path);
  checkFloat(path, a);
  if (a.shape.length === 1) return { x: Float64Array.from(a.data), n: a.shape[0], d: 1 };
  if (a.shape.length !== 2 || a.shape[0] < 1 || a.shape[1] < 1) {
    throw new UsageError(`'${path}' has shape [${a.shape.join(', ')}]; expected points [n, d] with n, d ≥ 1`);
  }
  return { x: Float64Array.from(a.data), n: a.shape[0], d: a.shape[1] };
}

function readWeights(path: string | undefined, n: number, flag: string): Float64Array | undefined {
  if (path === undefined) return undefined;
  const a = readNpy(path);
  checkFloat(path, a);
  const count = a.shape.reduce((s, v) => s * v, 1);
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) || count !== n) {
    throw new UsageError(`${flag} '${path}' has shape [${a.shape.join(', ')}]; expected [${n}] (one weight per point)`);
  }
  return Float64Array.from(a.data);
}

function checkFloat(path: string, a: NpyArray): void {
  if (a.dtype !== '<f8' && a.dtype !== '<f4') throw new UsageError(`'${path}' has dtype ${a.dtype}; expected float32 (<f4) or float64 (<f8)`);
}

/**
 * Diagonal of the box holding both clouds, computed without squaring the raw ranges
 * (coordinates near 1e200 would overflow |x − y|² before the check could name them).
 */
function boxDiagonal(a: Float64Array, b: Float64Array, d: number): number {
  const ranges: number[] = [];
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const z of [a, b]) for (let i = k; i < z.length; i += d) (lo = Math.min(lo, z[i])), (hi = Math.max(hi, z[i]));
    ranges.push(hi - lo);
  }
  const top = Math.max(...ranges);
  if (top === 0 || top === Infinity) return top; // all points equal; or hi − lo overflowed
  return top * Math.sqrt(ranges.reduce((s, r) => s + (r / top) ** 2, 0));
}

/**
 * Refuses clouds and exponents whose largest cost diam^p/p is not a normal float64:
 * above ~1.8e308 every cost is Infinity and the solver would fail (and blame ε); below
 * 1e-300 every cost underflows to 0 and the value (and W_p = (p·value)^{1/p}) would be 0.
 */
function checkCostRange(x: Float64Array, y: Float64Array, d: number, p: number, xPath: string, yPath: string): void {
  // NaN or ±Infinity coordinates are reported by the solvers, with the point.
  if (!allFinite(x) || !allFinite(y)) return;
  const diam = boxDiagonal(x, y, d);
  if (diam === 0) return; // every point equal: all costs are exactly 0
  const largest = Math.pow(diam, p) / p;
  const where = `the clouds '${xPath}' and '${yPath}' span ${diam.toPrecision(3)} and --p is ${p}`;
  if (!Number.isFinite(largest)) throw new UsageError(`the cost |x−y|^p/p overflows float64: ${where}; rescale the coordinates or lower --p`);
  if (largest < 1e-300) throw new UsageError(`the cost |x−y|^p/p underflows float64 (largest cost below 1e-300): ${where}; rescale the coordinates or lower --p`);
}

function number(flag: string, v: string, check: (x: number) => boolean, allowed: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`${flag} must be ${allowed}; got '${v}'`);
  return x;
}

/** Computes the requested OT quantity; every value uses the cost c(x, y) = |x − y|^p / p. */
export async function otCommand(xPath: string, yPath: string, opts: OtCliOptions): Promise<Record<string, unknown>> {
  if (!METHODS.includes(opts.method as Method)) throw new UsageError(`--method must be one of ${METHODS.join(', ')}; got '${opts.method}'`);
  const method = opts.method as Method;
  const p = number('--p', opts.p, (x) => x >= 1, 'a number ≥ 1');
  const X = readCloud(xPath);
  const Y = readCloud(yPath);
  if (X.d !== Y.d) throw new UsageError(`dimension mismatch: '${xPath}' has d = ${X.d}, '${yPath}' has d = ${Y.d}; both clouds need the same d`);
  checkCostRange(X.x, Y.x, X.d, p, xPath, yPath);
  const wx = readWeights(opts.wx, X.n, '--wx');
  const wy = readWeights(opts.wy, Y.n, '--wy');
  const base = { method, p, n: X.n, m: Y.n, d: X.d };
  const outputs = outputsOf(opts);
  if (outputs.length && method !== 'sinkhorn') {
    throw new UsageError(`${outputs.map((o) => o.flag).join(', ')} ${outputs.length > 1 ? 'need' : 'needs'} --method sinkhorn (the entropic plan between x and y); got --method ${method}`);
  }
  if (opts.plan !== undefined) checkCouplingSize(X.n, Y.n);
  if (method === 'exact1d') {
    if (X.d !== 1) throw new UsageError(`--method exact1d needs d = 1; got d = ${X.d} (use sliced or sinkhorn)`);
    const w = wassersteinPower1d(X.x, Y.x, p, wx, wy);
    return { ...base, value: w / p, distance: Math.pow(w, 1 / p), eps: null, iterations: 0, marginal_error: 0, converged: true };
  }
  if (method === 'sliced') {
    const L = number('--directions', opts.directions, (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
    const seed = number('--seed', opts.seed, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    const w = slicedWassersteinPower(X.x, Y.x, X.d, { directions: L, seed, p, wx, wy });
    return { ...base, value: w / p, distance: Math.pow(w, 1 / p), directions: L, seed, eps: null, iterations: 0, marginal_error: 0, converged: true };
  }
  if (!['auto', 'online', 'kernel'].includes(opts.mode)) throw new UsageError(`--mode must be auto, online or kernel; got '${opts.mode}'`);
  // The same accelerator as `wgf run` (its thread policy, its SIMD kernels); --threads overrides the count.
  const threads = opts.threads === undefined ? undefined : number('--threads', opts.threads, (x) => Number.isInteger(x) && x >= 1 && x <= 64, 'an integer in [1, 64]');
  const acc = await createNodeAccelerator({ request: 'auto', threads });
  const lse = acc.lse() ?? sequentialLse(acc.assembler);
  const eps = opts.eps === undefined
    ? 0.01 * new PointCloudGeometry(X.x, Y.x, X.d, p).costScale
    : number('--eps', opts.eps, (x) => x > 0, 'a positive number');
  const solver = {
    eps, p, wx, wy, mode: opts.mode as SinkhornMode,
    tol: number('--tol', opts.tol, (x) => x > 0, 'a positive number'),
    maxIter: number('--max-iter', opts.maxIter, (x) => Number.isInteger(x) && x >= 1, 'a positive integer'),
    lse,
    products: { assembler: acc.assembler, rows: acc.rows() },
  };
  if (method === 'sinkhorn') {
    const r = sinkhorn(X.x, Y.x, X.d, { ...solver, coupling: opts.plan !== undefined });
    const files = r.diverged ? {} : writeSolution(r, X, Y, p, opts);
    return { ...base, value: r.value, eps: r.eps, iterations: r.iterations, marginal_error: r.marginalError, converged: r.converged, diverged: r.diverged, mode: r.mode, ...files };
  }
  const r = sinkhornDivergence(X.x, Y.x, X.d, solver);
  const terms = { xy: r.xy, xx: r.xx, yy: r.yy };
  const parts = Object.values(terms);
  return {
    ...base, value: r.value, eps: r.xy.eps, iterations: parts.reduce((s, q) => s + q.iterations, 0),
    marginal_error: Math.max(...parts.map((q) => q.marginalError)), converged: r.converged, diverged: r.diverged, mode: r.xy.mode,
    // Which of OT(α,β), OT(α,α), OT(β,β) did what: a warning names the ones that did not converge.
    terms: Object.fromEntries(Object.entries(terms).map(([k, q]) => [k, { value: q.value, iterations: q.iterations, marginal_error: q.marginalError, converged: q.converged, diverged: q.diverged }])),
  };
}

/** 'OT(α,α) and OT(β,β)': the divergence terms with a flag set. */
export function termNames(out: Record<string, unknown>, flag: 'converged' | 'diverged', want: boolean): string {
  const names = { xy: 'OT(α,β)', xx: 'OT(α,α)', yy: 'OT(β,β)' } as const;
  const terms = out.terms as Record<keyof typeof names, { converged: boolean; diverged: boolean }> | undefined;
  if (!terms) return '';
  const hit = (Object.keys(names) as (keyof typeof names)[]).filter((k) => terms[k][flag] === want).map((k) => names[k]);
  return hit.length ? ` in ${hit.join(' and ')}` : '';
}

