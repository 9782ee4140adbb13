import { describe, expect, it } from 'vitest';
import { attentionLoopRequest, DeviceAttention } from '../../../engine/models/transformer/device-attention.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { applyMatrix, attentionWeights } from '../../../engine/models/transformer/qkv.ts';
import { plainAttention } from '../../../engine/models/transformer/softmax-attention.ts';
import { useTwoThreadPool } from './executors.ts';
import { EXP_REL_ERROR, U32 } from './clouds.ts';

/**
 * Softmax and USA attention on gpu.js (float32, WebAssembly over the worker pool)
 * against the float64 TS loop plainAttention, symmetric and non-symmetric logits,
 * tokens on the sphere and in R^d, non-uniform weights, N = 1, prime, not a
 * multiple of 4, split over threads. Stated tolerance per token and coordinate:
 * |Δu_i| ≤ 2 (8u·β|x_i|K + 8u·N + EXP_REL_ERROR) S_i, S_i = Σ_j |A_ij| |vx_j|,
 * K = max_j |kx_j|: the logits lose 8u·β|x_i||kx_j| absolutely in float32, the
 * sums 8u·N relatively, and normalizing doubles the bound.
 */
const accelerator = useTwoThreadPool();

function tokens(rng: Rng, n: number, d: number, sphere: boolean): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  if (sphere) for (let i = 0; i < n; i++) {
    let r = 0;
    for (let k = 0; k < d; k++) r += x[i * d + k] ** 2;
    for (let k = 0; k < d; k++) x[i * d + k] /= Math.sqrt(r);
  }
  return x;
}

function matrix(rng: Rng, d: number, symmetric: boolean): Float64Array {
  const A = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) A[i] = rng.normal() / Math.sqrt(d);
  if (symmetric) for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) A[j * d + i] = A[i * d + j];
  return A;
}

describe('attention kernels: gpu.js (float32) vs plainAttention (float64)', () => {
  for (const kind of ['softmax', 'usa'] as const) {
    for (const d of [1, 2, 3]) {
      it(`${kind}, d=${d}`, () => {
        for (const [n, beta, symmetric, sphere] of [[1, 1, true, true], [7, 4, false, true], [97, 1, true, false], [130, 2, false, false], [1031, 4, true, true]] as const) {
          const rng = new Rng(100 * n + d);
          const x = tokens(rng, n, d, sphere); // d = 1 "sphere": ±1
          const Q = symmetric ? matrix(rng, d, false) : matrix(rng, d, false);
          const weights = attentionWeights(d, Q, symmetric ? Q : matrix(rng, d, false), matrix(rng, d, false));
          const w = Float64Array.from({ length: n }, () => 0.2 + rng.uniform());
          const sw = w.reduce((a, b) => a + b, 0);
          for (let i = 0; i < n; i++) w[i] /= sw;
          const kx = new Float64Array(n * d);
          const vx = new Float64Array(n * d);
          applyMatrix(weights.M, x, d, kx);
          applyMatrix(weights.V, x, d, vx);
          const ref = new Float64Array(n * d);
          plainAttention(kind, beta, x, kx, vx, w, d, weights.symmetricLogits, ref, new Float64Array(n));
          const acc = accelerator('gpu');
          const loop = acc.bindPairs(attentionLoopRequest(kind, beta, n, d, 'attention'));
          expect(loop, `N=${n}`).not.toBeNull();
          expect(acc.loops.attention).toMatchObject({ target: 'gpu', precision: 'float32' });
          const got = new Float64Array(n * d);
          new DeviceAttention(loop!, kind, beta, n, d).attend(x, kx, vx, w, got);
          let K = 0;
          for (let j = 0; j < n; j++) {
            let r = 0;
            for (let k = 0; k < d; k++) r += kx[j * d + k] ** 2;
            K = Math.max(K, Math.sqrt(r));
          }
          for (let i = 0; i < n; i++) {
            // S_i = Σ_j |A_ij| |vx_j| in float64, A as the TS reference defines it.
            let mx = -Infinity;
            const L = new Float64Array(n);
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
              L[j] = beta * s;
              mx = Math.max(mx, L[j]);
            }
            let z = 0, S = 0, xi = 0;
            for (let j = 0; j < n; j++) z += w[j] * Math.exp(L[j] - mx);
            for (let j = 0; j < n; j++) {
              let v = 0;
              for (let k = 0; k < d; k++) v += vx[j * d + k] ** 2;
              S += (kind === 'softmax' ? w[j] * Math.exp(L[j] - mx) / z : w[j] * Math.exp(L[j])) * Math.sqrt(v);
            }
            for (let k = 0; k < d; k++) xi += x[i * d + k] ** 2;
            const tol = 2 * (8 * U32 * beta * Math.sqrt(xi) * K + 8 * U32 * n + EXP_REL_ERROR) * S + 1e-300;
            for (let k = 0; k < d; k++) {
              expect(Math.abs(got[i * d + k] - ref[i * d + k]) / tol, `N=${n} i=${i} k=${k}`).toBeLessThanOrEqual(1);
            }
          }
        }
      });
    }
  }

  it('leaves Sinkhorn attention and d > 3 to the TS loops', () => {
    expect(attentionLoopRequest('sinkhorn', 1, 4096, 3, 'attention').kernels).toBeNull();
    expect(attentionLoopRequest('softmax', 1, 4096, 4, 'attention').kernels).toBeNull();
    const notices: string[] = [];
    const acc = accelerator('auto', (m) => notices.push(m));
    expect(acc.bindPairs(attentionLoopRequest('sinkhorn', 1, 4096, 3, 'attention'))).toBeNull();
    expect(acc.loops.attention).toMatchObject({ target: 'ts', precision: 'float64', reason: 'this kernel has no gpu.js form' });
    expect(notices).toEqual(['wgflow backend: attention (N=4096, d=3) runs on the float64 TypeScript loop: this kernel has no gpu.js form']);
  });
});
