import { Rng } from '../core/rng.ts';
import { UsageError } from '../core/simulation.ts';
import type { Grid } from '../grid/grid.ts';
import { sinkhornDivergence } from '../ot/divergence.ts';
import { wassersteinPower1d } from '../ot/exact1d.ts';
import { fixedPositions, slicedWassersteinPowers } from '../ot/sliced.ts';

/**
 * The grid's cell masses as a weighted point cloud at the cell centres, cells of zero mass
 * dropped: positions [m, d] row-major and weights [m] (Σ = 1).
 */
export function gridCloud(grid: Grid, p: Float64Array, minMass = 0): { x: Float64Array; w: Float64Array } {
  const d = grid.dim;
  const centres = grid.shape.map((_, k) => grid.centres(k));
  let m = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > minMass) m++;
  const x = new Float64Array(m * d);
  const w = new Float64Array(m);
  let j = 0, total = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] > minMass)) continue;
    let r = i;
    for (let k = d - 1; k >= 0; k--) {
      const n = grid.shape[k];
      x[j * d + k] = centres[k][r % n];
      r = Math.floor(r / n);
    }
    w[j] = p[i];
    total += p[i];
    j++;
  }
  for (let i = 0; i < m; i++) w[i] /= total;
  return { x, w };
}

/**
 * Every cell as a point of the cloud, zero masses included (they carry no weight in a
 * transport cost): weights [cells] (Σ = 1) and positions that are one read-only array per
 * grid, the same at every call, declared fixed (ot/sliced.ts fixedPositions): sliced
 * distances keep each direction's sorted projection of the cells and only gather the
 * weights at each record, O(cells) per direction instead of a projection and a sort.
 */
export function gridCellCloud(grid: Grid, p: Float64Array): { x: Float64Array; w: Float64Array } {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i] > 0 ? p[i] : 0;
  const w = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) w[i] = p[i] > 0 ? p[i] / total : 0;
  return { x: cellCentres(grid), w };
}

/** The cell centres [cells, d] row-major, one read-only array per grid. */
const centresOf = new WeakMap<Grid, Float64Array>();
function cellCentres(grid: Grid): Float64Array {
  let x = centresOf.get(grid);
  if (x) return x;
  const d = grid.dim;
  const cells = grid.shape.reduce((a, b) => a * b, 1);
  const centres = grid.shape.map((_, k) => grid.centres(k));
  x = new Float64Array(cells * d);
  for (let i = 0; i < cells; i++) {
    let r = i;
    for (let k = d - 1; k >= 0; k--) {
      const n = grid.shape[k];
      x[i * d + k] = centres[k][r % n];
      r = Math.floor(r / n);
    }
  }
  centresOf.set(grid, fixedPositions(x));
  return x;
}

/**
 * n particles sampled from the grid's density (piecewise constant on the cells), seeded:
 * stratified in the cumulative mass — particle i takes u_i = (i + U_i)/n, U_i uniform, its
 * cell by inverse CDF over the row-major cells, then a uniform point in that cell. The
 * cloud's law is the grid's density exactly, with less sampling noise than i.i.d. draws
 * (each 1/n of the mass gets one particle). Positions [n, d].
 */
export function sampleGridDensity(grid: Grid, p: Float64Array, n: number, seed: number): Float64Array {
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`number of particles must be a positive integer; got ${n}`);
  const d = grid.dim;
  const cdf = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = s += p[i];
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const u = ((i + rng.uniform()) / n) * s;
    let lo = 0, hi = p.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    while (lo < p.length - 1 && !(p[lo] > 0)) lo++; // never a cell of zero mass
    let r = lo;
    for (let k = d - 1; k >= 0; k--) {
      const nk = grid.shape[k];
      const cell = r % nk;
      r = Math.floor(r / nk);
      x[i * d + k] = grid.bounds[k][0] + (cell + rng.uniform()) * grid.h[k];
    }
  }
  return x;
}

/** How the cloud–grid distance is measured. */
export interface CloudGridDistanceOptions {
  /**
   * 'auto': exact W2 in 1D (quantiles), sliced W2 in d ≥ 2; 'exact1d' (1D only), 'sinkhorn'
   * (debiased: √(2 S_ε), S_ε → ½W2² as ε → 0), 'sliced'. The Sinkhorn divergence is not
   * the default in 2D because of its cost: its grid-to-grid self term is an online
   * (cells)² problem — 15 s per record for 1000 particles against a 64² grid (measured at
   * load 8 on 2 cores), 50 ms for the sliced W2 (64 directions).
   */
  method?: 'auto' | 'exact1d' | 'sinkhorn' | 'sliced';
  /** ε of the Sinkhorn divergence (cost ½|x − y|²); default (2h)², h the largest cell side. */
  eps?: number;
  /**
   * Directions of the sliced W2 (seeded, the same at every record). Default: in 2D 32
   * stratified ones (one per arc of π/32: ot/sliced.ts `stratified`), in 3D 64 random ones.
   */
  directions?: number;
}

/** The distances recorded between the particle cloud and the grid density. */
export interface CloudGridDistance {
  /** W2 by the method of `method` (the main figure). */
  w2: number;
  method: 'exact1d' | 'sinkhorn' | 'sliced';
  /** Sliced W2 (same seeded directions every call), in every dimension: cheap and comparable across d. */
  slicedW2: number;
  /** Sinkhorn: iterations of the cross problem. */
  iterations?: number;
}

/** The method 'auto' resolves to in dimension d. */
export function distanceMethod(method: CloudGridDistanceOptions['method'], d: number): CloudGridDistance['method'] {
  if (method === 'exact1d' && d !== 1) throw new UsageError(`distance exact1d needs d = 1; this grid has ${d} axes (use sinkhorn or sliced)`);
  if (method && method !== 'auto') return method;
  return d === 1 ? 'exact1d' : 'sliced';
}

/**
 * W2 between the particle cloud (uniform weights, positions [n, d]) and the grid density
 * seen as the weighted cloud of its cell centres (gridCloud). The cell-centre quantization
 * adds at most h/√12·√d to it (h the cell side), its floor on a resolved pair.
 */
export function cloudGridDistance(x: Float64Array, grid: Grid, p: Float64Array, o: CloudGridDistanceOptions = {}): CloudGridDistance {
  return cloudGridDistances(x, grid, p, [], o);
}

/**
 * The sliced W2's directions between a cloud and a grid density, seed 7. In 2D, 32 stratified
 * directions: measured on the comparison scenes' default states (compare-fokker-planck at
 * steps 15 and 60, compare-aggregation-diffusion at steps 8 and 30; cloud–grid, grid–law and
 * cloud–law with the stationary law; 24 seeds against 1440 equispaced directions), their
 * relative RMS error on SW2 was 0.03–1.03% where 64 random directions (the default before)
 * erred 0.06–4.6%: smaller in 10 cases of 12 (five to seven times on fokker-planck, whose
 * W2 varies with the angle), at most 0.15 points larger in the other two, for half the
 * projections and merges.
 */
export function slicedDirections(d: number, directions?: number): { directions: number; seed: number; stratified: boolean } {
  return d === 2 ? { directions: directions ?? 32, seed: 7, stratified: true } : { directions: directions ?? 64, seed: 7, stratified: false };
}

/** Each discretization's W2 to one reference law: from the grid density and from the particle cloud. */
export interface ReferenceDistance {
  grid: number;
  cloud: number;
}

/**
 * `cloudGridDistance`, and W2 from the grid density and from the cloud to each of some
 * reference laws (cell masses on the same grid, any positive scale, e.g. an exact solution):
 * exact by quantiles in 1D; in d ≥ 2 sliced (the same seeded directions as the distance
 * between the two), all of them in one pass that projects and sorts the cloud, the grid and
 * each reference once per direction (ot/sliced.ts slicedWassersteinPowers) — the same bits
 * as one sliced call per distance, at a third of the gathers and sorts for one reference.
 */
export function cloudGridDistances(x: Float64Array, grid: Grid, p: Float64Array, references: readonly Float64Array[], o: CloudGridDistanceOptions = {}): CloudGridDistance & { references: ReferenceDistance[] } {
  const d = grid.dim;
  const method = distanceMethod(o.method, d);
  let sliced: number | null = null;
  let references_: ReferenceDistance[];
  if (d === 1) {
    const g = gridCloud(grid, p);
    references_ = references.map((q) => {
      const r = gridCloud(grid, q);
      return { grid: Math.sqrt(wassersteinPower1d(g.x, r.x, 2, g.w, r.w)), cloud: Math.sqrt(wassersteinPower1d(x, r.x, 2, undefined, r.w)) };
    });
  } else {
    const cells = gridCellCloud(grid, p);
    const refs = references.map((q) => gridCellCloud(grid, q));
    // Measures: 0 the cloud, 1 the grid, 2 + k reference k; pairs: between, then (grid, ref k) and (cloud, ref k).
    const pairs: [number, number][] = [[0, 1]];
    for (let k = 0; k < refs.length; k++) pairs.push([1, 2 + k], [0, 2 + k]);
    const w2 = slicedWassersteinPowers([{ x }, cells, ...refs], pairs, d, slicedDirections(d, o.directions)).map((v) => Math.sqrt(Math.max(0, v)));
    sliced = w2[0];
    references_ = refs.map((_, k) => ({ grid: w2[1 + 2 * k], cloud: w2[2 + 2 * k] }));
  }
  if (method === 'sliced') return { w2: sliced!, method, slicedW2: sliced!, references: references_ };
  const g = gridCloud(grid, p);
  if (method === 'exact1d') {
    const w2 = Math.sqrt(wassersteinPower1d(x, g.x, 2, undefined, g.w));
    return { w2, method, slicedW2: w2, references: references_ };
  }
  const h = Math.max(...grid.h);
  const eps = o.eps ?? (2 * h) ** 2;
  const r = sinkhornDivergence(x, g.x, d, { eps, wy: g.w, tol: 1e-4, maxIter: 2000 });
  return { w2: Math.sqrt(2 * Math.max(0, r.value)), method, slicedW2: sliced!, iterations: r.xy.iterations, references: references_ };
}
