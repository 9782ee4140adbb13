import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { MIN_PAIRS_FOR_THREADS, PoolLseExecutor } from '../../../node/backend/row-executors.ts';
import { startRowPool } from '../../../node/backend/row-pool.ts';
import { EXP } from '../../../engine/core/exp.ts';
import { lseRows, lseRowsBlocked } from '../../../engine/ot/lse-kernel.ts';
import type { LseExecutor } from '../../../engine/core/accelerator.ts';
import { sequentialLse } from '../../../engine/ot/lse-executor.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { sinkhorn } from '../../../engine/ot/sinkhorn.ts';
import { wasmLseInstance, wasmLseModule, wasmLseRows } from '../../../engine/ot/wasm-lse.ts';
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { uniformCloud } from './clouds.ts';

const U = 2 ** -53;
/** The accelerator's assembler (node/backend/node-accelerator.ts loads the same one). */
const assembler = await loadWatAssembler();

/** The JavaScript kernels, called directly: the reference for the WebAssembly path. */
const jsExecutor: LseExecutor = {
  threads: 1,
  run(t) {
    if (t.blocks) {
      const { size, lo, hi, hmax } = t.blocks;
      lseRowsBlocked(t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, 0, t.nr, new Float64Array(t.nc), t.out, EXP, size, lo, hi, hmax, new Float64Array(hmax.length));
    } else lseRows(t.d, t.p, t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, 0, t.nr, new Float64Array(t.nc), t.out, EXP);
  },
};
/** This thread's SIMD kernel (what an accelerator with an assembler and one thread runs). */
const simdExecutor = sequentialLse(assembler);

interface Problem { d: number; nr: number; nc: number; inv: number; X: Float64Array; sqX: Float64Array; Ys: Float64Array; hs: Float64Array }

/** A random p = 2 problem in the kernel's form (hs = h − |y|²/(2ε), Ys = y/ε); `dead` columns get h = −∞. */
function problem(seed: number, d: number, nr: number, nc: number, inv: number, dead: (j: number) => boolean): Problem {
  const rng = new Rng(seed);
  const X = new Float64Array(nr * d).map(() => rng.uniform() - 0.5);
  const y = new Float64Array(nc * d).map(() => rng.uniform() - 0.5);
  const sqX = new Float64Array(nr);
  for (let i = 0; i < nr; i++) for (let k = 0; k < d; k++) sqX[i] += X[i * d + k] ** 2;
  const hs = new Float64Array(nc);
  for (let j = 0; j < nc; j++) {
    let sq = 0;
    for (let k = 0; k < d; k++) sq += y[j * d + k] ** 2;
    hs[j] = dead(j) ? -Infinity : 3 * (rng.uniform() - 0.5) - 0.5 * inv * sq;
  }
  return { d, nr, nc, inv, X, sqX, Ys: y.map((v) => v * inv), hs };
}

/**
 * Every term e^{e − max} has the same bits in both kernels (same exponents, the same exp —
 * engine/core/exp.ts in JavaScript and as WAT — and the same test e > max + LSE_FLOOR for
 * the terms skipped), so they differ only in the order of the sum: nc positive terms summed
 * in any order are within (nc − 1)u relative of the exact sum, so the two logs differ by at
 * most 2(nc − 1)u; then mx + log(S) − base rounds twice, by u times the magnitudes involved.
 */
function expectClose(p: Problem, a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < p.nr; i++) {
    if (a[i] === -Infinity) {
      expect(b[i]).toBe(-Infinity);
      continue;
    }
    let mag = 1 + Math.abs(a[i]) + 0.5 * p.inv * p.sqX[i];
    for (let j = 0; j < p.nc; j++) {
      let e = p.hs[j];
      for (let k = 0; k < p.d; k++) e += p.X[i * p.d + k] * p.Ys[j * p.d + k];
      if (Number.isFinite(e)) mag = Math.max(mag, Math.abs(e));
    }
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(2 * p.nc * U + 4 * mag * U);
  }
}

describe('WebAssembly SIMD log-sum-exp rows (wasm-lse.ts)', () => {
  it('is available in Node (WebAssembly SIMD), for d = 1 … 16 only', () => {
    expect(wasmLseModule(2, assembler)).not.toBeNull();
    expect(wasmLseModule(16, assembler)).not.toBeNull();
    expect(wasmLseModule(17, assembler)).toBeNull();
    expect(wasmLseModule(2, null)).toBeNull(); // no assembler: the JavaScript kernels
  });

  it('matches lseRows for d = 1, 2, 3, 5, odd sizes, dead columns and all-dead rows', () => {
    for (const d of [1, 2, 3, 5])
      for (const [nr, nc] of [[1, 1], [7, 2], [37, 53], [64, 301]]) {
        for (const [inv, dead] of [
          [3, () => false],
          [200, (j: number) => j % 3 === 1], // small ε: most terms below max − 45
          [30, () => true], // every term −∞: out = −∞
        ] as const) {
          const p = problem(100 * d + nr, d, nr, nc, inv, dead);
          const a = new Float64Array(nr);
          const b = new Float64Array(nr).fill(7); // stale values must not leak into the result
          lseRows(d, 2, inv, p.X, p.sqX, p.Ys, p.hs, nc, 0, nr, new Float64Array(nc), a, EXP);
          wasmLseRows(wasmLseInstance(d, assembler)!, d, inv, p.X, p.sqX, p.Ys, p.hs, nr, nc, 0, nr, b, 0, null, null, null);
          expectClose(p, a, b);
        }
      }
  });

  it('matches lseRowsBlocked (2D, culled blocks of 8 columns), rows computed in two calls', () => {
    for (const inv of [10, 1000]) {
      const nr = 45, nc = 203, size = 8, nb = Math.ceil(nc / size);
      const p = problem(7, 2, nr, nc, inv, (j) => j % 5 === 0);
      const bLo = new Float64Array(2 * nb).fill(Infinity), bHi = new Float64Array(2 * nb).fill(-Infinity);
      const hmax = new Float64Array(nb).fill(-Infinity);
      for (let j = 0; j < nc; j++) {
        const b = Math.floor(j / size);
        for (let k = 0; k < 2; k++) {
          const y = p.Ys[2 * j + k] / inv;
          bLo[2 * b + k] = Math.min(bLo[2 * b + k], y);
          bHi[2 * b + k] = Math.max(bHi[2 * b + k], y);
        }
        let sq = 0;
        for (let k = 0; k < 2; k++) sq += (p.Ys[2 * j + k] / inv) ** 2;
        hmax[b] = Math.max(hmax[b], p.hs[j] + 0.5 * inv * sq); // ≥ h_j up to round-off; widened below
      }
      for (let b = 0; b < nb; b++) hmax[b] += 1e-9;
      const a = new Float64Array(nr), out = new Float64Array(nr);
      lseRowsBlocked(inv, p.X, p.sqX, p.Ys, p.hs, nc, 0, nr, new Float64Array(nc), a, EXP, size, bLo, bHi, hmax, new Float64Array(nb));
      const w = wasmLseInstance(2, assembler)!;
      wasmLseRows(w, 2, inv, p.X, p.sqX, p.Ys, p.hs, nr, nc, 0, 20, out, size, bLo, bHi, hmax);
      wasmLseRows(w, 2, inv, p.X, p.sqX, p.Ys, p.hs, nr, nc, 20, nr, out, size, bLo, bHi, hmax);
      expectClose(p, a, out);
    }
  });

  it('gives the same bits on 1 and 2 threads (2D culled and 3D), and differs from the JavaScript sum order', async () => {
    const n = 1100, m = 1000;
    expect(n * m).toBeGreaterThan(MIN_PAIRS_FOR_THREADS);
    const rows = await startRowPool(2, assembler);
    const pool = new PoolLseExecutor(rows);
    try {
      for (const d of [2, 3]) {
        const x = uniformCloud(80 + d, n, d), y = uniformCloud(90 + d, m, d);
        const h = uniformCloud(95, m, 1);
        const one = new Float64Array(n), two = new Float64Array(n), js = new Float64Array(n);
        new PointCloudGeometry(x, y, d, 2, simdExecutor).logApply(0.01, h, one);
        new PointCloudGeometry(x, y, d, 2, pool).logApply(0.01, h, two);
        new PointCloudGeometry(x, y, d, 2, jsExecutor).logApply(0.01, h, js);
        expect(Array.from(two)).toEqual(Array.from(one));
        expect(Array.from(one)).not.toEqual(Array.from(js)); // the WebAssembly kernel did run
        for (let i = 0; i < n; i++) expect(Math.abs(one[i] - js[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(js[i])));
      }
    } finally {
      rows.close();
    }
  });

  it('without an assembler runs the JavaScript kernels, bit for bit, on 1 and 2 threads', async () => {
    const n = 1100, m = 1000;
    const rows = await startRowPool(2, null);
    const pool = new PoolLseExecutor(rows);
    try {
      for (const d of [2, 3]) {
        const x = uniformCloud(60 + d, n, d), y = uniformCloud(70 + d, m, d);
        const h = uniformCloud(75, n, 1);
        const js = new Float64Array(m), one = new Float64Array(m), two = new Float64Array(m);
        new PointCloudGeometry(x, y, d, 2, jsExecutor).logApplyT(0.002, h, js);
        new PointCloudGeometry(x, y, d).logApplyT(0.002, h, one);
        new PointCloudGeometry(x, y, d, 2, pool).logApplyT(0.002, h, two);
        expect(Array.from(one)).toEqual(Array.from(js));
        expect(Array.from(two)).toEqual(Array.from(js));
      }
    } finally {
      rows.close();
    }
  });

  it('a full sinkhorn() solve gives the value of the JavaScript kernel to 1e-12 relative', () => {
    const x = uniformCloud(31, 400, 2), y = uniformCloud(32, 350, 2);
    const wasm = sinkhorn(x, y, 2, { eps: 1e-2, tol: 1e-9, maxIter: 5000, mode: 'online', lse: simdExecutor });
    const js = sinkhorn(x, y, 2, { eps: 1e-2, tol: 1e-9, maxIter: 5000, mode: 'online' });
    expect(wasm.converged && js.converged).toBe(true);
    expect(Math.abs(wasm.value - js.value)).toBeLessThan(1e-12 * Math.abs(js.value));
  });
});
