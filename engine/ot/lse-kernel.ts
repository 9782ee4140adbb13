import type { ExpMethod } from '../core/exp.ts';

/**
 * The hot loop of the online point-cloud geometry: for rows i in [r0, r1),
 *
 *   out[i] = log Σ_j exp(e_ij) − base_i,
 *   e_ij = hs[j] + x_i·Ys[j]                    (p = 2: hs = h − |y|²/(2ε), Ys = y/ε, base_i = |x_i|²/(2ε))
 *   e_ij = hs[j] − |x_i − Ys[j]|^p / (pε)       (other p: hs = h, Ys = y, base_i = 0)
 *
 * X [nr, d], sqX [nr], Ys [nc, d], hs [nc], row: scratch [nc], exp: the exponential
 * (engine/core/exp.ts, EXP).
 *
 * Every row is one sequential sum, so the row pool (node/backend/row-pool.ts, through the
 * row kernel LSE_ROWS of lse-executor.ts) may split the rows over threads: the same bits
 * for any split.
 *
 * Two passes per row over an O(nc) buffer: the row maximum, then Σ e^{e − max} over the
 * terms above max + LSE_FLOOR = max − 45 (skipped terms change the sum by < nc·e^{−45} ≈
 * nc·2.9e−20 relative), so at small ε most exponentials are skipped. (A one-pass variant
 * shifted by the previous call's answer was measured no faster in V8 and was dropped.)
 * For p = 2, wasm-lse.ts runs these rows in WebAssembly SIMD with the same exponents, the
 * same exp and the same culling; this function is its fallback and its reference.
 */
export function lseRows(
  d: number, p: number, inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array,
  nc: number, r0: number, r1: number, row: Float64Array, out: Float64Array, exp: ExpMethod,
): void {
  const expNeg = exp.expNeg, floor = exp.LSE_FLOOR;
  const quadratic = p === 2;
  const c = inv / p;
  for (let i = r0; i < r1; i++) {
    const base = quadratic ? 0.5 * inv * sqX[i] : 0;
    const o = i * d;
    let mx = -Infinity;
    if (quadratic && d === 2) {
      const a0 = X[o], a1 = X[o + 1];
      for (let j = 0; j < nc; j++) {
        const e = hs[j] + a0 * Ys[2 * j] + a1 * Ys[2 * j + 1];
        row[j] = e;
        if (e > mx) mx = e;
      }
    } else if (quadratic) {
      for (let j = 0; j < nc; j++) {
        let e = hs[j];
        for (let k = 0; k < d; k++) e += X[o + k] * Ys[j * d + k];
        row[j] = e;
        if (e > mx) mx = e;
      }
    } else {
      for (let j = 0; j < nc; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (X[o + k] - Ys[j * d + k]) ** 2;
        const e = hs[j] - c * (p === 1 ? Math.sqrt(r2) : Math.pow(r2, 0.5 * p));
        row[j] = e;
        if (e > mx) mx = e;
      }
    }
    if (mx === -Infinity) {
      out[i] = -Infinity;
      continue;
    }
    const lo = mx + floor;
    let sum = 0;
    for (let j = 0; j < nc; j++) {
      const e = row[j];
      if (e > lo) sum += expNeg(e - mx);
    }
    out[i] = mx + Math.log(sum) - base;
  }
}

/**
 * lseRows for p = 2 in 2D with the columns in blocks of `size` consecutive points (sorted
 * along a Morton curve by the geometry, so each block is spatially compact): a block whose
 * upper bound  hmax_b − dist²(x_i, box_b)/(2ε)  is more than 45 (−LSE_FLOOR) below the row maximum holds
 * only terms the two-pass sum skips anyway, so it is skipped whole — in both passes. The
 * block with the largest bound goes first, to raise the running maximum early. Same terms,
 * same order as lseRows on the same column order: the same bits. Pays off at small ε.
 * bLo, bHi: block boxes [nb, 2]; hmax: max of h (not hs) per block [nb]; ub: scratch [nb].
 */
export function lseRowsBlocked(
  inv: number, X: Float64Array, sqX: Float64Array, Ys: Float64Array, hs: Float64Array, nc: number, r0: number, r1: number,
  row: Float64Array, out: Float64Array, exp: ExpMethod, size: number, bLo: Float64Array, bHi: Float64Array, hmax: Float64Array, ub: Float64Array,
): void {
  const expNeg = exp.expNeg, floor = exp.LSE_FLOOR;
  const nb = Math.ceil(nc / size);
  for (let i = r0; i < r1; i++) {
    const a0 = X[2 * i], a1 = X[2 * i + 1];
    const base = 0.5 * inv * sqX[i];
    let best = -Infinity;
    let bb = -1;
    for (let b = 0; b < nb; b++) {
      const dx = a0 < bLo[2 * b] ? bLo[2 * b] - a0 : a0 > bHi[2 * b] ? a0 - bHi[2 * b] : 0;
      const dy = a1 < bLo[2 * b + 1] ? bLo[2 * b + 1] - a1 : a1 > bHi[2 * b + 1] ? a1 - bHi[2 * b + 1] : 0;
      const u = hmax[b] - 0.5 * inv * (dx * dx + dy * dy) + base;
      ub[b] = u;
      if (u > best) {
        best = u;
        bb = b;
      }
    }
    if (bb < 0) {
      out[i] = -Infinity;
      continue;
    }
    let mx = -Infinity;
    for (let q = -1; q < nb; q++) {
      const b = q < 0 ? bb : q;
      if (q === bb) continue;
      if (!(ub[b] > mx + floor)) {
        ub[b] = -Infinity;
        continue;
      }
      const j1 = Math.min(nc, (b + 1) * size);
      for (let j = b * size; j < j1; j++) {
        const e = hs[j] + a0 * Ys[2 * j] + a1 * Ys[2 * j + 1];
        row[j] = e;
        if (e > mx) mx = e;
      }
    }
    const lo = mx + floor;
    let sum = 0;
    for (let b = 0; b < nb; b++) {
      if (!(ub[b] > lo)) continue;
      const j1 = Math.min(nc, (b + 1) * size);
      for (let j = b * size; j < j1; j++) {
        const e = row[j];
        if (e > lo) sum += expNeg(e - mx);
      }
    }
    out[i] = mx + Math.log(sum) - base;
  }
}
