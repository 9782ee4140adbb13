import type { DeviceLoop, LoopRequest } from '../../core/accelerator.ts';
import { attentionSource } from '../../backend/attention-sources.ts';
import { MAX_KERNEL_DIM } from '../../backend/kernel-sources.ts';

/**
 * The device form of the transformer-token field (token-field.ts): softmax and USA
 * attention outputs u_i = Σ_j A_ij V x_j on gpu.js in float32, the same quantity as
 * plainAttention (softmax-attention.ts). Sinkhorn attention stays on its float64 solver
 * (its scalings must meet a marginal tolerance float32 cannot): it has no kernel.
 */
export function attentionLoopRequest(kind: string, beta: number, n: number, d: number, family: string, loop = 'attention'): LoopRequest {
  const kernels = kind === 'sinkhorn' || d > MAX_KERNEL_DIM ? null : [{ source: attentionSource(d, beta), outDim: d + 1 }];
  // The energy E_β of a recorded state comes from this kernel's row sums (token-field.ts), in float32 here.
  return { loop, family, size: { n, d }, kernels, deviceValues: true };
}

/** Softmax or USA attention of n tokens in dimension d ≤ 3 bound to the device. */
export class DeviceAttention {
  private readonly inputs: Float32Array[];
  private readonly out: Float32Array;
  private readonly source: string;

  constructor(
    private readonly loop: DeviceLoop,
    private readonly kind: 'softmax' | 'usa',
    beta: number,
    private readonly n: number,
    private readonly d: number,
  ) {
    this.inputs = Array.from({ length: 3 * d + 1 }, () => new Float32Array(n));
    this.out = new Float32Array(n * (d + 1));
    this.source = attentionSource(d, beta);
  }

  /**
   * out [n, d] = Σ_j A_ij vx_j for tokens x, keys kx = M x, values vx = V x ([n, d] each),
   * weights w [n]; when given, each row's total weight Σ_j w_j e^{β⟨x_i, kx_j⟩} as Z_i e^{S_i}.
   */
  attend(x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array, out: Float64Array, Z?: Float64Array, S?: Float64Array): void {
    const { n, d, inputs } = this;
    const arrays = [x, kx, vx];
    for (let a = 0; a < 3; a++) {
      for (let k = 0; k < d; k++) {
        const dst = inputs[a * d + k];
        const src = arrays[a];
        for (let i = 0; i < n; i++) dst[i] = src[i * d + k];
      }
    }
    inputs[3 * d].set(w);
    const D = d + 1;
    this.loop.executor.run(this.source, D, inputs, n, this.out);
    const r = this.out;
    for (let i = 0; i < n; i++) {
      const L = r[i * D + d];
      const f = this.kind === 'softmax' ? 1 : Math.exp(L);
      for (let k = 0; k < d; k++) out[i * d + k] = f * r[i * D + k];
      if (Z) Z[i] = 1;
      if (S) S[i] = L;
    }
  }
}
