import type { LseExecutor, LseTask } from '../core/accelerator.ts';
import { EXP } from '../core/exp.ts';
import type { RowEnv, RowKernel } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { lseRows, lseRowsBlocked } from './lse-kernel.ts';
import { wasmLseInstance, wasmLseModule, wasmLseRows } from './wasm-lse.ts';

/**
 * Rows [r0, r1) of one log-sum-exp task (core/accelerator.ts LseTask) in this thread: the
 * WebAssembly SIMD kernel (wasm-lse.ts) for p = 2 when an assembler is given, else the
 * JavaScript one (lse-kernel.ts). `row`/`ub` are scratch (length ≥ nc, ≥ blocks).
 */
export function lseTaskRows(t: LseTask, r0: number, r1: number, assembler: WatAssembler | null, row: Float64Array, ub: Float64Array): void {
  const b = t.blocks;
  const w = t.p === 2 ? wasmLseInstance(t.d, assembler) : null;
  if (w) return wasmLseRows(w, t.d, t.inv, t.X, t.sqX, t.Ys, t.hs, t.nr, t.nc, r0, r1, t.out, b?.size ?? 0, b?.lo ?? null, b?.hi ?? null, b?.hmax ?? null);
  if (b) return lseRowsBlocked(t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, r0, r1, row, t.out, EXP, b.size, b.lo, b.hi, b.hmax, ub);
  lseRows(t.d, t.p, t.inv, t.X, t.sqX, t.Ys, t.hs, t.nc, r0, r1, row, t.out, EXP);
}

/** An LseTask as a row kernel's named arguments (flat: the blocks' size 0 and null boxes when there are none). */
export type LseArgs = {
  d: number; p: number; inv: number; nr: number; nc: number;
  X: Float64Array; sqX: Float64Array; Ys: Float64Array; hs: Float64Array; out: Float64Array;
  size: number; lo: Float64Array | null; hi: Float64Array | null; hmax: Float64Array | null;
};

export function lseArgs(t: LseTask): LseArgs {
  const b = t.blocks;
  return {
    d: t.d, p: t.p, inv: t.inv, nr: t.nr, nc: t.nc, X: t.X, sqX: t.sqX, Ys: t.Ys, hs: t.hs, out: t.out,
    size: b?.size ?? 0, lo: b?.lo ?? null, hi: b?.hi ?? null, hmax: b?.hmax ?? null,
  };
}

/**
 * The OT log-sum-exp rows as a row kernel (engine/core/row-kernel.ts): what the Node row
 * pool's threads run (node/backend/row-kernels.ts), each on its rows with its own scratch
 * and its own instance of the SIMD kernel.
 */
export const LSE_ROWS: RowKernel<LseArgs> = {
  name: 'ot-lse',
  outputs: ['out'],
  create(env: RowEnv) {
    let row = new Float64Array(0);
    let ub = new Float64Array(0);
    return (a, r0, r1) => {
      if (row.length < a.nc) row = new Float64Array(a.nc);
      if (a.hmax && ub.length < a.hmax.length) ub = new Float64Array(a.hmax.length);
      const blocks = a.size > 0 ? { size: a.size, lo: a.lo!, hi: a.hi!, hmax: a.hmax! } : undefined;
      const task: LseTask = { d: a.d, p: a.p, inv: a.inv, X: a.X, sqX: a.sqX, Ys: a.Ys, hs: a.hs, nr: a.nr, nc: a.nc, out: a.out, ...(blocks ? { blocks } : {}) };
      lseTaskRows(task, r0, r1, env.assembler, row, ub);
    };
  },
  prepare(env, a) {
    if (a.p === 2) wasmLseModule(a.d, env.assembler);
  },
};

/**
 * The OT rows in this thread: with `assembler` the SIMD kernel for p = 2, without it the
 * float64 JavaScript reference (what a geometry built without an accelerator runs).
 */
export function sequentialLse(assembler: WatAssembler | null = null): LseExecutor {
  const rows = LSE_ROWS.create({ assembler });
  return {
    threads: 1,
    run(t) {
      rows(lseArgs(t), 0, t.nr);
    },
  };
}
