import type { BackendSlot } from './scope.ts';
import { attentionSource } from './attention-sources.ts';
import { pairExecutor } from './executor.ts';
import { MAX_KERNEL_DIM } from './kernel-sources.ts';
import { settleTarget } from './particle-hooks.ts';

/**
 * The hook of the transformer-token field (engine/models/transformer/token-field.ts):
 * softmax and USA attention outputs u_i = Σ_j A_ij V x_j on gpu.js in float32, the
 * same quantity as plainAttention (softmax-attention.ts). Sinkhorn attention stays
 * on its float64 solver (its scalings must meet a marginal tolerance float32 cannot).
 * Returns false when the TS loop should run.
 */
export function attentionSlotSources(kind: string, beta: number): (d: number) => [string, number][] | null {
  return (d) => (kind === 'sinkhorn' || d > MAX_KERNEL_DIM ? null : [[attentionSource(d, kind as 'softmax' | 'usa', beta), d + 1]]);
}

interface Scratch {
  key: string;
  inputs: Float32Array[];
  out: Float32Array;
}

const scratches = new WeakMap<BackendSlot, Scratch>();

export function acceleratedAttention(
  slot: BackendSlot, kind: string, beta: number, x: Float64Array, kx: Float64Array, vx: Float64Array, w: Float64Array, d: number, out: Float64Array,
): boolean {
  if (kind === 'sinkhorn') return false;
  const n = w.length;
  if (settleTarget(slot, n, d) !== 'gpu') return false;
  const key = `${n},${d}`;
  let s = scratches.get(slot);
  if (!s || s.key !== key) {
    s = { key, inputs: Array.from({ length: 3 * d + 1 }, () => new Float32Array(n)), out: new Float32Array(n * (d + 1)) };
    scratches.set(slot, s);
  }
  const arrays = [x, kx, vx];
  for (let a = 0; a < 3; a++) {
    for (let k = 0; k < d; k++) {
      const dst = s.inputs[a * d + k];
      const src = arrays[a];
      for (let i = 0; i < n; i++) dst[i] = src[i * d + k];
    }
  }
  s.inputs[3 * d].set(w);
  const ex = pairExecutor();
  if (!ex) throw new Error('gpu.js executor disappeared after a kernel was prepared');
  ex.run(attentionSource(d, kind as 'softmax' | 'usa', beta), d + 1, s.inputs, n, s.out);
  const r = s.out;
  for (let i = 0; i < n; i++) {
    const last = r[i * (d + 1) + d];
    const f = kind === 'softmax' ? 1 / last : Math.exp(last);
    for (let k = 0; k < d; k++) out[i * d + k] = f * r[i * (d + 1) + k];
  }
  return true;
}
