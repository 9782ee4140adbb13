import type { DeviceLoop } from '../core/accelerator.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * A particle pair loop bound to the device (engine/core/accelerator.ts): the float32
 * structure-of-arrays copy of a measure that its gpu.js kernels read
 * (engine/backend/kernel-sources.ts), and the calls.
 *
 * Float32 on the device, float64 around it: positions are centred (mean subtracted in
 * float64) before the cast, so pair differences keep their relative precision away from
 * the origin; per-row sums come back as float32 and are combined in float64 by the
 * energies.
 */
export class DevicePairs {
  /** Centred coordinates, one float32 array per axis [n]. */
  readonly xs: Float32Array[];
  readonly w: Float32Array;
  /** A spare per-row input (1/ρ of the blob entropy). */
  readonly extra: Float32Array;
  /** Per-row outputs [n, ≤ 4] (gpu.js returns at most four floats per row). */
  readonly out: Float32Array;

  constructor(
    readonly loop: DeviceLoop,
    readonly n: number,
    readonly d: number,
  ) {
    this.xs = Array.from({ length: d }, () => new Float32Array(n));
    this.w = new Float32Array(n);
    this.extra = new Float32Array(n);
    this.out = new Float32Array(n * 4);
  }

  /** Copies the centred positions and the weights of `m` ([n, d], the bound shape). */
  pack(m: ParticleMeasure): this {
    const { n, d, x, w } = m;
    if (n !== this.n || d !== this.d) throw new Error(`device loop bound for [${this.n}, ${this.d}] got a measure [${n}, ${d}]`);
    for (let k = 0; k < d; k++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += x[i * d + k];
      c /= n;
      const xk = this.xs[k];
      for (let i = 0; i < n; i++) xk[i] = x[i * d + k] - c;
    }
    this.w.set(w);
    return this;
  }

  /** Runs `source` over the n rows with inputs (x0.., w[, extra]) into `out`. */
  run(source: string, outDim: number, withExtra = false): Float32Array {
    const inputs = withExtra ? [...this.xs, this.w, this.extra] : [...this.xs, this.w];
    const out = this.out.subarray(0, this.n * outDim);
    this.loop.executor.run(source, outDim, inputs, this.n, out);
    return out;
  }
}
