import type { LseExecutor, LseTask } from '../core/accelerator.ts';
import { EXP } from '../core/exp.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { lseRows, lseRowsBlocked } from './lse-kernel.ts';
import { wasmLseInstance, wasmLseRows } from './wasm-lse.ts';

/**
 * Rows [r0, r1) of one log-sum-exp task (core/accelerator.ts LseTask) in this thread: the
 * WebAssembly SIMD kernel (wasm-lse.ts) for p = 2 when an assembler is given, else the
 * JavaScript one (lse-kernel.ts). `row`/`ub` are scratch (length ≥ nc, ≥ blocks). The row
 * pool's workers run the same function on their rows (node/backend/row-pool.ts).
 */
export function lseTaskRows(t: LseTask, r0: number, r1: number, assembler: WatAssembler | null, row: Float64Array, ub: Float64Array): void {
  const b = t.blocks;
  const w = t.p === 2 ? wasmLseInstance(t.d, assembler) : null;
  if (w) return wasmLseRows(w, t.d, t.inv, t.X, t.sqX, t.Ys, t.hs, t.nr, t.nc, r0, r1, t.out, b?.size ?? 0, b?.lo ?? null, b?.hi ?? null, b?.hmax ?? null);
  if (b) return lseRowsBlocked(t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, r0, r1, row, t.out, EXP, b.size, b.lo, b.hi, b.hmax, ub);
  lseRows(t.d, t.p, t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, r0, r1, row, t.out, EXP);
}

/**
 * The OT rows in this thread: with `assembler` the SIMD kernel for p = 2, without it the
 * float64 JavaScript reference (what a geometry built without an accelerator runs).
 */
export function sequentialLse(assembler: WatAssembler | null = null): LseExecutor {
  let row = new Float64Array(0);
  let ub = new Float64Array(0);
  return {
    threads: 1,
    run(t) {
      if (row.length < t.nc) row = new Float64Array(t.nc);
      if (t.blocks && ub.length < t.blocks.hmax.length) ub = new Float64Array(t.blocks.hmax.length);
      lseTaskRows(t, 0, t.nr, assembler, row, ub);
    },
  };
}
