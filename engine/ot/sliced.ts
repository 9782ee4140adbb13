import { Rng } from '../core/rng.ts';
import { SortHint, argsortFloat64 } from '../core/sort.ts';
import { sortedSupport, sortedWassersteinPower } from './exact1d.ts';
import { checkCloud, checkWeights } from './validate.ts';

/** Options of `slicedWassersteinPower`: the number and seed of the directions, the exponent p and the weights. */
export interface SlicedOptions {
  /** Number of random directions L. Default 64. */
  directions?: number;
  /** Seed of the directions (uniform on S^{d−1}). Default 0. */
  seed?: number;
  p?: number;
  wx?: ArrayLike<number>;
  wy?: ArrayLike<number>;
}

/**
 * Sliced Wasserstein power SW_p^p(α, β) = E_θ W_p^p(θ#α, θ#β), θ uniform on S^{d−1},
 * estimated with L seeded directions (Rabin et al. 2011; Bonneel et al. 2015):
 * O(L (n log n + m log m)) time, O(n + m) memory. x [n, d], y [m, d].
 * The Monte Carlo error is O(L^{−1/2}); the same seed gives the same directions, so
 * values recorded along a run are comparable with each other.
 */
export function slicedWassersteinPower(x: Float64Array, y: Float64Array, d: number, opts: SlicedOptions = {}): number {
  const n = checkCloud('x', x, d);
  const m = checkCloud('y', y, d);
  const a = checkWeights('wx', opts.wx, n);
  const b = checkWeights('wy', opts.wy, m);
  const L = opts.directions ?? 64;
  if (!Number.isInteger(L) || L < 1) throw new Error(`directions must be a positive integer; got ${L}`);
  const p = opts.p ?? 2;
  const rng = new Rng(opts.seed ?? 0);
  const theta = new Float64Array(d);
  const px = new Float64Array(n);
  const py = new Float64Array(m);
  // Uniform weights: the sorted projections alone (ties need no order), each side from the
  // previous call's order on the same direction (a run records the metric at every record).
  const hinted = (n + m) * L <= HINT_MAX && equalWeights(a) && equalWeights(b);
  const xs = hinted ? new Float64Array(n) : null;
  const ys = hinted ? new Float64Array(m) : null;
  let own = (n + m) * L <= HINT_MAX ? hintsOf.get(x) : undefined;
  if ((n + m) * L <= HINT_MAX && !own) hintsOf.set(x, (own = { uniform: [], weighted: [] }));
  // A side whose positions never move (fixedPositions: a grid's cells) keeps each direction's sorted projection and order.
  const fx = (n + m) * L <= HINT_MAX ? fixedSupports(x, d, L, opts.seed ?? 0) : null;
  const fy = (n + m) * L <= HINT_MAX ? fixedSupports(y, d, L, opts.seed ?? 0) : null;
  let total = 0;
  for (let l = 0; l < L; l++) {
    randomDirection(rng, theta);
    if (fx || fy) {
      // Same permutation as the sorts below (stable, ties in index order): same bits.
      const sx = fx ? fx.support(l, theta, a) : sortedSupport(project(x, d, theta, px), a, (own!.weighted[l] ??= [new SortHint(), new SortHint()])[0]);
      const sy = fy ? fy.support(l, theta, b) : sortedSupport(project(y, d, theta, py), b, (own!.weighted[l] ??= [new SortHint(), new SortHint()])[1]);
      total += sortedWassersteinPower(sx, sy, p);
      continue;
    }
    project(x, d, theta, px);
    project(y, d, theta, py);
    if (xs && ys) {
      const h = (own!.uniform[l] ??= [new SortHint(), new SortHint()]);
      total += sortedWassersteinPower([h[0].sortInto(px, xs), a], [h[1].sortInto(py, ys), b], p);
    } else if ((n + m) * L <= HINT_MAX) {
      // Weights carried along: the stable index sort, from the previous call's order.
      const h = (own!.weighted[l] ??= [new SortHint(), new SortHint()]);
      total += sortedWassersteinPower(sortedSupport(px, a, h[0]), sortedSupport(py, b, h[1]), p);
    } else total += sortedWassersteinPower(sortedSupport(px, a), sortedSupport(py, b), p);
  }
  return total / L;
}

/**
 * Sort hints per direction index, for the two sides, kept per first cloud's array (a run's
 * records pass the same position array, moved in place): they live and die with the
 * simulation that owns it, no state shared between runs (a hint only changes the speed).
 */
interface CloudHints {
  uniform: [SortHint, SortHint][];
  weighted: [SortHint, SortHint][];
}
const hintsOf = new WeakMap<Float64Array, CloudHints>();
const HINT_MAX = 2 ** 22;

function equalWeights(a: Float64Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}

/** Fills theta with a direction uniform on S^{d−1}: a standard normal vector, normalized. */
export function randomDirection(rng: Rng, theta: Float64Array): void {
  let norm = 0;
  do {
    rng.fillNormal(theta);
    norm = Math.hypot(...theta);
  } while (norm === 0);
  for (let k = 0; k < theta.length; k++) theta[k] /= norm;
}

function project(x: Float64Array, d: number, theta: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] * theta[k];
    out[i] = s;
  }
  return out;
}

/** Position arrays that never change (fixedPositions). */
const fixed = new WeakSet<Float64Array>();
const fixedCache = new WeakMap<Float64Array, Map<string, FixedSupports>>();

/**
 * Declares that the positions in `x` will never change (e.g. a grid's cell centres,
 * energy/cloud-grid-distance.ts gridCellCloud): sliced distances then keep, per direction,
 * the sorted projection of `x` and its order, and each later call only gathers the
 * weights in that order — O(points) per direction, no projection and no sort.
 */
export function fixedPositions(x: Float64Array): Float64Array {
  fixed.add(x);
  return x;
}

/** The sorted projections of fixed positions on the L seeded directions, computed at first use. */
class FixedSupports {
  private readonly xs: Float64Array[] = [];
  private readonly perm: Uint32Array[] = [];
  constructor(private readonly x: Float64Array, private readonly d: number) {}

  /** [sorted projection on direction l, the weights w in that order]. */
  support(l: number, theta: Float64Array, w: Float64Array): [Float64Array, Float64Array] {
    if (!this.xs[l]) {
      const n = this.x.length / this.d;
      const px = project(this.x, this.d, theta, new Float64Array(n));
      const idx = argsortFloat64(px, new Uint32Array(n));
      const xs = new Float64Array(n);
      for (let k = 0; k < n; k++) xs[k] = px[idx[k]];
      this.xs[l] = xs;
      this.perm[l] = idx;
    }
    const idx = this.perm[l];
    const ws = new Float64Array(idx.length);
    for (let k = 0; k < idx.length; k++) ws[k] = w[idx[k]];
    return [this.xs[l], ws];
  }
}

function fixedSupports(x: Float64Array, d: number, L: number, seed: number): FixedSupports | null {
  if (!fixed.has(x)) return null;
  let byKey = fixedCache.get(x);
  if (!byKey) fixedCache.set(x, (byKey = new Map()));
  const key = `${d}|${L}|${seed}`;
  let f = byKey.get(key);
  if (!f) byKey.set(key, (f = new FixedSupports(x, d)));
  return f;
}
