import type { RowExecutor, RowKernel } from '../core/row-kernel.ts';
import { fftPasses, halfSpectrumShape, runFFTPass, type FFTPass } from './real-fft.ts';

/**
 * rfftN / irfftN (real-fft.ts) over a row pool: each sweep of independent lines (fftPasses)
 * is one call of FFT_ROWS, its items handed to the pool's threads. The real array and its
 * half spectrum live in one shared WebAssembly memory (passed as it is: the pool copies
 * nothing), so every thread transforms its lines in place there. Each line is computed by
 * the same code in whichever thread runs it: the same bits as rfftN / irfftN.
 */

/** One sweep's call: the memory, the arrays' byte offsets and lengths, the shape and limits, the sweep. */
export type FFTRowArgs = {
  memory: WebAssembly.Memory;
  oReal: number;
  realLength: number;
  oSpec: number;
  specLength: number;
  /** Comma-separated shape and limits (nonzero or needed). */
  shape: string;
  limit: string;
  axis: number;
  inverse: boolean;
  items: number;
};

const parse = (s: string) => s.split(',').map(Number);

export const FFT_ROWS: RowKernel<FFTRowArgs> = {
  name: 'fft-lines',
  outputs: [],
  create() {
    return (a, first, last) => {
      const x = new Float64Array(a.memory.buffer, a.oReal, a.realLength);
      const spec = new Float64Array(a.memory.buffer, a.oSpec, a.specLength);
      const pass: FFTPass = { axis: a.axis, inverse: a.inverse, items: a.items };
      runFFTPass(pass, x, spec, parse(a.shape), parse(a.limit), first, last);
    };
  },
};

/** A real array and its half spectrum in one shared memory: what FFT_ROWS transforms. */
export interface SharedSpectrum {
  memory: WebAssembly.Memory;
  /** The real array of `shape` and its half spectrum (views into `memory`). */
  real: Float64Array;
  spec: Float64Array;
}

/**
 * The arrays for `shape` in `prev`'s memory when it fits (grown otherwise, or a new memory):
 * the real array at offset 0, the spectrum after it.
 */
export function sharedSpectrum(shape: readonly number[], prev: SharedSpectrum | null): SharedSpectrum {
  const size = shape.reduce((p, q) => p * q, 1);
  const hsize = halfSpectrumShape(shape).reduce((p, q) => p * q, 1);
  const bytes = 8 * size + 16 * hsize;
  const pages = Math.ceil(bytes / 65536);
  let memory = prev?.memory;
  if (!memory) memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
  const have = memory.buffer.byteLength / 65536;
  if (pages > have) memory.grow(pages - have);
  const real = new Float64Array(memory.buffer, 0, size);
  const spec = new Float64Array(memory.buffer, 8 * size, 2 * hsize);
  return { memory, real, spec };
}

/** Runs the sweeps of rfftN (inverse false) or irfftN (inverse true) of `s` over `rows`. */
function runOnPool(rows: RowExecutor, s: SharedSpectrum, shape: readonly number[], limit: readonly number[], inverse: boolean): void {
  const base = {
    memory: s.memory, oReal: s.real.byteOffset, realLength: s.real.length, oSpec: s.spec.byteOffset, specLength: s.spec.length,
    shape: shape.join(','), limit: limit.join(','), inverse,
  };
  for (const pass of fftPasses(shape, limit, inverse)) if (pass.items > 0) rows.run(FFT_ROWS, { ...base, axis: pass.axis, items: pass.items }, pass.items);
}

/** rfftN(s.real, shape, s.spec, nonzero) with its sweeps over `rows`: the same bits. */
export function rfftNOnPool(rows: RowExecutor, s: SharedSpectrum, shape: readonly number[], nonzero: readonly number[] = shape): Float64Array {
  s.spec.fill(0);
  runOnPool(rows, s, shape, nonzero, false);
  return s.spec;
}

/** irfftN(s.spec, shape, s.real, needed) with its sweeps over `rows`: the same bits. */
export function irfftNOnPool(rows: RowExecutor, s: SharedSpectrum, shape: readonly number[], needed: readonly number[] = shape): Float64Array {
  runOnPool(rows, s, shape, needed, true);
  return s.real;
}
