import type { CellList } from '../cell-list.ts';
import type { RadialPart } from './kernel-split.ts';
import type { PairForceTable } from './pair-force-table.ts';

/**
 * The short-range part of a split interaction over the pairs of a cell list closer
 * than its cutoff (P³M's particle–particle sum): adds −Σ_j w_j ∇S(x_i − x_j) into
 * the sorted velocity `vs` ([n, d], sorted order) when given, and returns
 * Σ_{i<j} w_i w_j S(|x_i − x_j|²) when `energy` is set (0 otherwise). Each pair is
 * visited once. Coincident pairs (r = 0) add no force (∇S(0) = 0 for
 * regular W) and, for `regular` W, the energy S(0); singular W never has them in a
 * valid state. The diagonal i = j is the caller's. This is the generic form (any
 * d, any RadialPart); pairForces2/3 are the fast velocity loops.
 */
export function shortRangeSums(cl: CellList, ws: Float64Array, S: RadialPart, vs: Float64Array | null, energy: boolean, regular: boolean): number {
  const s0 = regular && energy ? S.value(0) : 0;
  const { d, xs } = cl;
  const cut2 = cl.cutoff * cl.cutoff;
  let e = 0;
  cl.forEachCellPair((a0, a1, b0, b1) => {
    const same = a0 === b0;
    for (let s = a0; s < a1; s++) {
      const ws_ = ws[s];
      for (let t = same ? s + 1 : b0; t < b1; t++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const z = xs[s * d + k] - xs[t * d + k];
          r2 += z * z;
        }
        if (r2 >= cut2) continue;
        if (r2 === 0) {
          e += ws_ * ws[t] * s0;
          continue;
        }
        if (energy) e += ws_ * ws[t] * S.value(r2);
        if (vs) {
          const g = S.gradFactor(r2);
          const fs = ws[t] * g, ft = ws_ * g;
          for (let k = 0; k < d; k++) {
            const z = xs[s * d + k] - xs[t * d + k];
            vs[s * d + k] -= fs * z;
            vs[t * d + k] += ft * z;
          }
        }
      }
    }
  });
  return e;
}

/**
 * Adds the short-range velocity −Σ_j w_j ∇S(x_i − x_j) into the sorted `vs` ([n, d])
 * for d = 2 or 3 from the tabulated force, over all cells of the list. Same pairs and
 * same formula as shortRangeSums (up to the table's ~1e−12 relative error).
 */
export function shortRangeVelocity(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array): void {
  if (cl.d === 2) pairForces2(cl, ws, F, vs, 0, cl.dims[0]);
  else if (cl.d === 3) pairForces3(cl, ws, F, vs, 0, cl.dims[0]);
  else throw new Error(`tabulated pair forces exist for d = 2, 3; got d = ${cl.d}`);
}

/**
 * shortRangeVelocity and, in the same pass, Σ_{i<j} w_i w_j S(|x_i − x_j|) from F's energy
 * table (pair-force-table.ts PairEnergyTable, read at the force's index and fraction), as
 * shortRangeSums(…, energy = true) sums it from S (to the tables' ~1e−12 and the order of
 * summation). Coincident pairs add nothing: S(0) = 0 for the regular splits (their constant
 * is taken out) and singular W never has them. Returns null (and changes nothing) where F
 * has no energy table or d ∉ {2, 3}.
 */
export function shortRangeVelocityEnergy(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array): number | null {
  if (!F.energy || (cl.d !== 2 && cl.d !== 3)) return null;
  return (cl.d === 2 ? pairForces2 : pairForces3)(cl, ws, F, vs, 0, cl.dims[0], true);
}

/**
 * Starts (even entries) and ends (odd entries) of the runs of sorted particles in the
 * half stencil of the cell whose first-axis index is cx and whose linear index within
 * its first-axis slab is `rest` (2D: cy; 3D: cy·D2 + cz), written into `runs` from
 * entry 2; entry 1 is the end of the run that starts at s + 1 (the cell itself and the
 * cells after it on the last axis). Returns the number of entries written.
 */
function stencilRuns(cl: CellList, cx: number, cy: number, cz: number, runs: Int32Array): number {
  const { cellStart: start, dims, reach: k, d } = cl;
  const D0 = dims[0], D1 = dims[1], D2 = d === 3 ? dims[2] : 1;
  const last = d === 3 ? cz : cy;
  const Dlast = d === 3 ? D2 : D1;
  const lo = Math.max(0, last - k), hi = Math.min(Dlast - 1, last + k);
  let q = 2;
  if (d === 2) {
    runs[1] = start[cx * D1 + hi + 1];
    for (let j = 1; j <= k && cx + j < D0; j++) {
      runs[q++] = start[(cx + j) * D1 + lo];
      runs[q++] = start[(cx + j) * D1 + hi + 1];
    }
    return q;
  }
  runs[1] = start[(cx * D1 + cy) * D2 + hi + 1];
  // Same first-axis slab, later rows on the second axis; then the next slabs, every row within reach.
  for (let j = 1; j <= k && cy + j < D1; j++) {
    const row = (cx * D1 + cy + j) * D2;
    runs[q++] = start[row + lo];
    runs[q++] = start[row + hi + 1];
  }
  for (let i = 1; i <= k && cx + i < D0; i++)
    for (let j = Math.max(0, cy - k); j <= Math.min(D1 - 1, cy + k); j++) {
      const row = ((cx + i) * D1 + j) * D2;
      runs[q++] = start[row + lo];
      runs[q++] = start[row + hi + 1];
    }
  return q;
}

/**
 * The 2D pair loop over the cells whose first-axis index is in [row0, row1): every
 * pair (s, t) with s in those cells and t in its half stencil. It writes the rows
 * row0 … row1 − 1 + reach of `vs`, so strips of rows at least `reach` apart can run
 * at the same time (a row pool: even strips, then odd ones). With `withEnergy` and an
 * energy table on F, also returns Σ w_s w_t S(r_st) over those pairs (else 0).
 */
export function pairForces2(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, row0: number, row1: number, withEnergy = false): number {
  const { xs, cellStart: start } = cl;
  const D1 = cl.dims[1];
  const cut2 = cl.cutoff * cl.cutoff;
  const tv = F.table.v, td = F.table.dv, scale = F.invAlpha * F.table.inv, p = F.power;
  // The energy (withEnergy and a table): S = Ψ/r^q + c·ln r², Ψ on the force's nodes.
  const E = withEnergy && F.energy ? F.energy : null;
  const ev = E ? E.table.v : tv, ed = E ? E.table.dv : td, ep = E ? E.power : 0, lnc = E ? E.log : 0;
  let energy = 0;
  const runs = new Int32Array(2 + 4 * cl.reach);
  for (let cx = row0; cx < row1; cx++)
    for (let cy = 0; cy < D1; cy++) {
      const c = cx * D1 + cy;
      const a0 = start[c], a1 = start[c + 1];
      if (a0 === a1) continue;
      const nr = stencilRuns(cl, cx, cy, 0, runs);
      for (let s = a0; s < a1; s++) {
        const xi = xs[2 * s], yi = xs[2 * s + 1], wi = ws[s];
        let vx = 0, vy = 0, es = 0;
        runs[0] = s + 1;
        for (let q = 0; q < nr; q += 2) {
          const t1 = runs[q + 1];
          for (let t = runs[q]; t < t1; t++) {
            const zx = xi - xs[2 * t], zy = yi - xs[2 * t + 1];
            const r2 = zx * zx + zy * zy;
            if (r2 >= cut2 || r2 === 0) continue;
            const r = Math.sqrt(r2);
            let u = r * scale;
            const i = u | 0;
            u -= i;
            const v0 = tv[i], v1 = tv[i + 1], d0 = td[i], d1 = td[i + 1];
            const phi = v0 + u * (d0 + u * (3 * (v1 - v0) - 2 * d0 - d1 + u * (2 * (v0 - v1) + d0 + d1)));
            const g = phi / (p === 2 ? r2 : p === 3 ? r2 * r : p === 1 ? r : 1);
            const fx = g * zx, fy = g * zy, wt = ws[t];
            if (E) {
              const e0 = ev[i], e1 = ev[i + 1], h0 = ed[i], h1 = ed[i + 1];
              const psi = e0 + u * (h0 + u * (3 * (e1 - e0) - 2 * h0 - h1 + u * (2 * (e0 - e1) + h0 + h1)));
              es += wt * ((ep === 1 ? psi / r : psi) + (lnc !== 0 ? lnc * Math.log(r2) : 0));
            }
            vx -= wt * fx;
            vy -= wt * fy;
            vs[2 * t] += wi * fx;
            vs[2 * t + 1] += wi * fy;
          }
        }
        vs[2 * s] += vx;
        vs[2 * s + 1] += vy;
        energy += wi * es;
      }
    }
  return energy;
}

/** The 3D pair loop over the cells whose first-axis index is in [row0, row1) (as pairForces2). */
export function pairForces3(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, row0: number, row1: number, withEnergy = false): number {
  const { xs, cellStart: start } = cl;
  const D1 = cl.dims[1], D2 = cl.dims[2];
  const cut2 = cl.cutoff * cl.cutoff;
  const tv = F.table.v, td = F.table.dv, scale = F.invAlpha * F.table.inv, p = F.power;
  // The energy (withEnergy and a table): S = Ψ/r^q + c·ln r², Ψ on the force's nodes.
  const E = withEnergy && F.energy ? F.energy : null;
  const ev = E ? E.table.v : tv, ed = E ? E.table.dv : td, ep = E ? E.power : 0, lnc = E ? E.log : 0;
  let energy = 0;
  const k = cl.reach;
  const runs = new Int32Array(2 + 2 * (k + k * (2 * k + 1)));
  for (let cx = row0; cx < row1; cx++)
    for (let cy = 0; cy < D1; cy++)
      for (let cz = 0; cz < D2; cz++) {
        const c = (cx * D1 + cy) * D2 + cz;
        const a0 = start[c], a1 = start[c + 1];
        if (a0 === a1) continue;
        const nr = stencilRuns(cl, cx, cy, cz, runs);
        for (let s = a0; s < a1; s++) {
          const xi = xs[3 * s], yi = xs[3 * s + 1], zi = xs[3 * s + 2], wi = ws[s];
          let vx = 0, vy = 0, vz = 0, es = 0;
          runs[0] = s + 1;
          for (let q = 0; q < nr; q += 2) {
            const t1 = runs[q + 1];
            for (let t = runs[q]; t < t1; t++) {
              const zx = xi - xs[3 * t], zy = yi - xs[3 * t + 1], zz = zi - xs[3 * t + 2];
              const r2 = zx * zx + zy * zy + zz * zz;
              if (r2 >= cut2 || r2 === 0) continue;
              const r = Math.sqrt(r2);
              let u = r * scale;
              const i = u | 0;
              u -= i;
              const v0 = tv[i], v1 = tv[i + 1], d0 = td[i], d1 = td[i + 1];
              const phi = v0 + u * (d0 + u * (3 * (v1 - v0) - 2 * d0 - d1 + u * (2 * (v0 - v1) + d0 + d1)));
              const g = phi / (p === 3 ? r2 * r : p === 2 ? r2 : p === 1 ? r : 1);
              const fx = g * zx, fy = g * zy, fz = g * zz, wt = ws[t];
              if (E) {
                const e0 = ev[i], e1 = ev[i + 1], h0 = ed[i], h1 = ed[i + 1];
                const psi = e0 + u * (h0 + u * (3 * (e1 - e0) - 2 * h0 - h1 + u * (2 * (e0 - e1) + h0 + h1)));
                es += wt * ((ep === 1 ? psi / r : psi) + (lnc !== 0 ? lnc * Math.log(r2) : 0));
              }
              vx -= wt * fx;
              vy -= wt * fy;
              vz -= wt * fz;
              vs[3 * t] += wi * fx;
              vs[3 * t + 1] += wi * fy;
              vs[3 * t + 2] += wi * fz;
            }
          }
          vs[3 * s] += vx;
          vs[3 * s + 1] += vy;
          vs[3 * s + 2] += vz;
          energy += wi * es;
        }
      }
  return energy;
}
