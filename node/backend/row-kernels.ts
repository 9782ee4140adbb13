import { createRequire } from 'node:module';
import { GpuJsExecutor, type GpuJsConstructor } from '../../engine/backend/gpujs-executor.ts';
import type { RowArgs, RowKernel } from '../../engine/core/row-kernel.ts';
import { LSE_ROWS } from '../../engine/ot/lse-executor.ts';
import { BUILD_ROWS, KTU_ROWS, KV_ROWS } from '../../engine/ot/wasm-matvec.ts';
import { DENSE_ROWS } from '../../engine/grid/wasm-dense.ts';
import { LOW_RANK_ROWS } from '../../engine/grid/wasm-low-rank.ts';
import { SHORT_RANGE_ROWS } from '../../engine/particles/mesh/wasm-short-range.ts';
import { FFT_ROWS } from '../../engine/fourier/fft-rows.ts';

/** gpu.js's GPU class (loaded on first use: only runs with a pair loop on the pool need it). */
export function gpuJs(): GpuJsConstructor {
  return (createRequire(import.meta.url)('gpu.js') as { GPU: GpuJsConstructor }).GPU;
}

/** A gpu.js pair kernel's call as named arguments: its source, its float32 inputs, its output [n, outDim]. */
export type PairArgs = {
  source: string;
  outDim: number;
  /** Rows of the kernel (its output length). */
  n: number;
  /** The kernel's `n` argument: the length of its inner loop. */
  partners: number;
  inputs: readonly Float32Array[];
  out: Float32Array;
};

/**
 * The gpu.js pair kernels (engine/backend/kernel-sources.ts) as a row kernel: each thread
 * runs its rows with its own gpu.js (the WebAssembly SIMD backend in Node), compiling a
 * kernel per (source, rows) once.
 */
export const PAIR_ROWS: RowKernel<PairArgs> = {
  name: 'gpujs-pairs',
  outputs: ['out'],
  create() {
    let gpu: GpuJsExecutor | null = null;
    return (a, r0, r1) => {
      gpu ??= new GpuJsExecutor(gpuJs());
      gpu.runRows(a.source, a.outDim, a.inputs, a.n, r0, r1 - r0, a.out, r0, a.partners);
    };
  },
};

/**
 * Every kernel the row pool runs, by name: its workers find a call's kernel here. A new row
 * kernel (engine/core/row-kernel.ts) is added to this list.
 */
export const ROW_KERNELS: readonly RowKernel<RowArgs>[] = [LSE_ROWS, PAIR_ROWS, KV_ROWS, KTU_ROWS, BUILD_ROWS, DENSE_ROWS, LOW_RANK_ROWS, SHORT_RANGE_ROWS, FFT_ROWS] as unknown as RowKernel<RowArgs>[];

/** The registered kernel of that name, or undefined. */
export function rowKernel(name: string): RowKernel<RowArgs> | undefined {
  return ROW_KERNELS.find((k) => k.name === name);
}
