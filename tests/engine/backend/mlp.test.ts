import { describe, expect, it } from 'vitest';
import { callsMathImports, laneGroups, mlpBackwardSource, mlpForwardSource, mlpLanes } from '../../../engine/backend/index.ts';
import { ACTIVATIONS, activationByName } from '../../../engine/models/mlp/activations.ts';
import type { RegressionSet } from '../../../engine/models/mlp/network.ts';
import { MeanFieldRisk } from '../../../engine/models/mlp/risk.ts';
import { bound, useTwoThreadPool } from './executors.ts';
import { mlpTolerance, randomMlpProblem } from './mlp-problems.ts';

/**
 * The mean-field MLP velocity on gpu.js (float32 forward and backward kernels,
 * WebAssembly over the 2-thread worker pool) against the float64 TS loop, through
 * MeanFieldRisk built under `--backend gpu`: every activation, d = 1, 2, 3, with and
 * without bias, random networks (non-uniform ω) and Gaussian data, m and N = 1,
 * prime, not multiples of 4, and large enough that rows are split over threads.
 * Tolerance: mlpTolerance (mlp-problems.ts), per neuron and component; measured
 * errors are at most 11% of it.
 */
const accelerator = useTwoThreadPool();

// (m, N): single neuron and point; primes / not multiples of 4; rows split over the pool's
// threads (≥ 512 rows) in the forward pass (N = 1031) and in the backward pass (m = 1031).
const SIZES: [number, number][] = [[1, 1], [7, 13], [13, 97], [130, 1031], [1031, 130]];

describe('MLP velocity: gpu.js (float32) vs TS (float64)', () => {
  for (const name of ACTIVATIONS) {
    for (const d of [1, 2, 3]) {
      for (const bias of [true, false]) {
        it(`${name}, d=${d}, ${bias ? 'with' : 'without'} bias, (m, N) ∈ {${SIZES.map((s) => s.join('×')).join(', ')}}`, () => {
          const act = activationByName(name);
          for (const [m, N] of SIZES) {
            const { measure, set } = randomMlpProblem(1000 * m + 10 * N + d, m, N, d, bias);
            const ref = new MeanFieldRisk(act, set, bias);
            const acc = accelerator('gpu');
            const gpu = bound(new MeanFieldRisk(act, set, bias), acc, m, d + 2);
            const v0 = new Float64Array(measure.x.length);
            const v1 = new Float64Array(measure.x.length);
            ref.addVelocity(measure, v0);
            gpu.addVelocity(measure, v1);
            expect(acc.loops.risk.target, `m=${m} N=${N}`).toBe('gpu');
            const tol = mlpTolerance(act, bias, measure, set);
            let worst = 0;
            for (let c = 0; c < v0.length; c++) worst = Math.max(worst, Math.abs(v1[c] - v0[c]) / (tol[c] + 1e-300));
            expect(worst, `m=${m} N=${N}`).toBeLessThanOrEqual(1);
            // Not trivially equal: the float32 path differs from the float64 one somewhere.
            if (m * N > 1) expect(v1.some((x, c) => x !== v0[c]), `m=${m} N=${N}`).toBe(true);
            // The risk value stays the float64 loop under every backend.
            expect(gpu.value(measure)).toBe(ref.value(measure));
            if (!bias) for (let i = 0; i < m; i++) expect(v1[i * (d + 2) + d + 1]).toBe(0);
          }
        });
      }
    }
  }

  it('sources call no Math import (wasm: a JS call per pair, auto would keep ts): exp is inline', () => {
    for (const act of ACTIVATIONS) {
      for (const bias of [true, false]) {
        const groups = laneGroups(mlpLanes(3, act, bias));
        expect(groups.every((g) => g.length <= 4)).toBe(true);
        for (const src of [mlpForwardSource(3, act, 5), ...groups.map((g) => mlpBackwardSource(3, act, 5, g))]) {
          expect(callsMathImports(src), `${act}: ${src}`).toBe(false);
        }
      }
    }
  });

  it('follows a minibatch: the kernels are rebuilt when the batch size changes', () => {
    const act = activationByName('tanh');
    const { measure, set } = randomMlpProblem(5, 37, 211, 2, true);
    const ref = new MeanFieldRisk(act, set, true, 53);
    const acc = accelerator('gpu');
    const gpu = bound(new MeanFieldRisk(act, set, true, 53), acc, 37, 4);
    const idx = Int32Array.from({ length: 53 }, (_, b) => (7 * b) % 211);
    for (const batch of [idx, null, idx.subarray(0, 17)]) {
      ref.setBatch(batch);
      gpu.setBatch(batch);
      const v0 = new Float64Array(measure.x.length);
      const v1 = new Float64Array(measure.x.length);
      ref.addVelocity(measure, v0);
      gpu.addVelocity(measure, v1);
      expect(acc.loops.risk.target).toBe('gpu');
      const B = batch ? batch.length : set.size;
      const sub: RegressionSet = { d: 2, size: B, Xt: new Float64Array(2 * B), y: new Float64Array(B) };
      for (let b = 0; b < B; b++) {
        const k = batch ? batch[b] : b;
        for (let q = 0; q < 2; q++) sub.Xt[q * B + b] = set.Xt[q * set.size + k];
        sub.y[b] = set.y[k];
      }
      const tol = mlpTolerance(act, true, measure, sub);
      for (let c = 0; c < v0.length; c++) expect(Math.abs(v1[c] - v0[c]), `B=${B} c=${c}`).toBeLessThanOrEqual(tol[c]);
    }
  });
});
