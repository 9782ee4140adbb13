import type { Command } from 'commander';
import type { NpyArray } from '../../engine/core/npy.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { sinkhornDivergence } from '../../engine/ot/divergence.ts';
import { wassersteinPower1d } from '../../engine/ot/exact1d.ts';
import { PointCloudGeometry } from '../../engine/ot/point-cloud-geometry.ts';
import { sinkhorn, type SinkhornMode } from '../../engine/ot/sinkhorn.ts';
import { slicedWassersteinPower } from '../../engine/ot/sliced.ts';
import { readNpy } from '../../node/files.ts';
import { createNodeAccelerator } from '../../node/backend/node-accelerator.ts';
import { sequentialLse } from '../../engine/ot/lse-executor.ts';

const METHODS = ['sinkhorn', 'divergence', 'exact1d', 'sliced'] as const;
type Method = (typeof METHODS)[number];

interface OtCliOptions {
  eps?: string;
  method: string;
  p: string;
  wx?: string;
  wy?: string;
  tol: string;
  maxIter: string;
  mode: string;
  directions: string;
  seed: string;
  threads?: string;
  json?: boolean;
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
  const wx = readWeights(opts.wx, X.n, '--wx');
  const wy = readWeights(opts.wy, Y.n, '--wy');
  const base = { method, p, n: X.n, m: Y.n, d: X.d };
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
  };
  if (method === 'sinkhorn') {
    const r = sinkhorn(X.x, Y.x, X.d, solver);
    return { ...base, value: r.value, eps: r.eps, iterations: r.iterations, marginal_error: r.marginalError, converged: r.converged, diverged: r.diverged, mode: r.mode };
  }
  const r = sinkhornDivergence(X.x, Y.x, X.d, solver);
  const parts = [r.xy, r.xx, r.yy];
  return {
    ...base, value: r.value, eps: r.xy.eps, iterations: parts.reduce((s, q) => s + q.iterations, 0),
    marginal_error: Math.max(...parts.map((q) => q.marginalError)), converged: r.converged, diverged: r.diverged, mode: r.xy.mode,
  };
}

export function registerOt(program: Command): void {
  program
    .command('ot')
    .description('optimal transport between two point clouds (NPY [n, d]); cost |x−y|^p/p')
    .argument('<x>', 'first cloud, NPY [n, d] float32/float64')
    .argument('<y>', 'second cloud, NPY [m, d]')
    .option('--eps <E>', 'entropic regularization ε (default: 1% of the largest cost)')
    .option('--method <M>', `one of ${METHODS.join(', ')}`, 'sinkhorn')
    .option('--p <P>', 'cost exponent p ≥ 1', '2')
    .option('--wx <file>', 'weights of x, NPY [n] (normalized; default uniform)')
    .option('--wy <file>', 'weights of y, NPY [m]')
    .option('--tol <T>', 'stop when ‖π1 − a‖₁ < T', '1e-6')
    .option('--max-iter <N>', 'iteration budget', '5000')
    .option('--mode <M>', 'kernel application: auto, online (O(n+m) memory) or kernel (stored n×m)', 'auto')
    .option('--directions <L>', 'sliced: number of random directions', '64')
    .option('--seed <S>', 'sliced: seed of the directions', '0')
    .option('--threads <T>', 'threads for the online kernel (same bits for any T; default: every core, as wgf run)')
    .option('--json', 'print one JSON object')
    .action(async (x: string, y: string, opts: OtCliOptions) => {
      const out = await otCommand(x, y, opts);
      process.stdout.write(opts.json ? JSON.stringify(out) + '\n' : `${out.value}\n`);
      if (out.diverged) {
        process.stderr.write(`wgf: ot diverged (non-finite values) after ${out.iterations} iterations; try a larger --eps\n`);
        process.exitCode = 3;
      } else if (!out.converged) {
        process.stderr.write(`wgf: warning: not converged in ${out.iterations} iterations (marginal error ${out.marginal_error} ≥ tol ${opts.tol}); raise --max-iter or --eps\n`);
      }
    });
}
