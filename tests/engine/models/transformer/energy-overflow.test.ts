import { describe, expect, it } from 'vitest';
import { Simulation, resolveParams } from '../../../../engine/index.ts';
import { runCollecting } from '../../../run-helpers.ts';
import { attentionSums } from '../../../../engine/models/transformer/attention-sums.ts';
import { attentionEnergy, logAttentionEnergy } from '../../../../engine/models/transformer/token-metrics.ts';
import type { TokenSimulation } from '../../../../engine/models/transformer/token-simulation.ts';
import scene from '../../../../scenes/transformer-tokens.ts';
import { referenceAccelerator } from '../../../../engine/backend/accelerator.ts';

/** log Σ_ij w_i w_j e^{β⟨x_i, x_j⟩} − log 2β by a plain two-pass log-sum-exp over all n² terms (M = I). */
function referenceLogEnergy(x: Float64Array, w: Float64Array, d: number, beta: number): number {
  const n = w.length;
  const terms: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      terms.push(Math.log(w[i]) + Math.log(w[j]) + beta * s);
    }
  const mx = Math.max(...terms);
  return mx + Math.log(terms.reduce((a, t) => a + Math.exp(t - mx), 0)) - Math.log(2 * beta);
}

describe('transformer tokens in R^d: E_β overflow is not divergence (issue #11)', () => {
  it('log E_β is exact where E_β overflows: n equal tokens with |x|² = 1000 give 1000 − log 2', () => {
    // E_β = (1/2β) Σ_ij w_i w_j e^{β|x|²} = e^{1000}/2 for β = 1, Σw = 1: beyond double precision.
    const d = 4, n = 5;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) x.set([20, 10, 10, Math.sqrt(1000 - 600)], i * d);
    const w = new Float64Array(n).fill(1 / n);
    const I = new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(attentionEnergy(x, w, I, d, 1)).toBe(Infinity);
    // Relative round-off of a 1000-sized log: a few ulps of 1000.
    expect(Math.abs(logAttentionEnergy(x, w, I, d, 1) - (1000 - Math.log(2)))).toBeLessThan(1e-12 * 1000);
  });

  it('sphere=false runs to the end with status ok; the energy is recorded as non-finite and log_E_beta stays exact', async () => {
    // Softmax attention with Q = K = V = I moves every token toward the convex hull's far
    // side: |x| grows like e^t, so β|x|² passes log(max double) ≈ 709 near t ≈ 3.3 while the
    // tokens are ~30 in size. Before the fix the run stopped there as 'diverged'.
    const p = resolveParams(scene.params, { n: 12, d: 3, sphere: false, dt: 0.1, steps: 60, seed: 4 });
    const sim = scene.build(p, { accelerator: referenceAccelerator() }) as TokenSimulation;
    const { summary, records: recs } = await runCollecting(sim, 60, 5);
    expect(summary.status, summary.message).toBe('ok');
    expect(summary.steps).toBe(60);
    for (const v of sim.measure()) expect(Number.isFinite(v)).toBe(true);
    const last = recs[recs.length - 1];
    expect(last.energy).toBe(Infinity);
    const logE = last.log_E_beta as number;
    expect(logE).toBeGreaterThan(709.8); // E_β itself would overflow
    // Same quantity by an independent n²-term log-sum-exp: agree to round-off of logE-sized sums.
    expect(Math.abs(logE - referenceLogEnergy(sim.measure(), sim.weights()!, 3, 1))).toBeLessThan(1e-12 * logE);
    // Softmax rows still sum to 1 at logits ~1e5 (the sums are computed while exact, LOG_PRECISION).
    expect(Math.abs((last.row_sum_min as number) - 1)).toBeLessThan(1e-9);
    expect(Math.abs((last.row_sum_max as number) - 1)).toBeLessThan(1e-9);
    // Where E_β is finite, log_E_beta is its logarithm.
    const early = recs.find((r) => Number.isFinite(r.energy) && r.step > 0)!;
    expect(Math.abs((early.log_E_beta as number) - Math.log(early.energy))).toBeLessThan(1e-12);
  });

  it('attention sums are NaN, not rounding noise, once the logits are too large for float64 log-domain sums', () => {
    // At |x| ~ 1e13 (the default run at t = 30) logits are ~1e26: log w_j (−2.5) is lost in
    // rounding, and a softmax row came out as Σ = n = 64. Below the bound they are exact.
    const d = 3, n = 12;
    const x = new Float64Array(n * d).map((_, i) => Math.sin(1 + i));
    const w = new Float64Array(n).fill(1 / n);
    const small = attentionSums('softmax', 1, x, x, w, d);
    expect(Math.abs(small.rowMin - 1)).toBeLessThan(1e-14);
    const huge = x.map((v) => v * 1e13);
    const s = attentionSums('softmax', 1, huge, huge, w, d);
    expect([s.rowMin, s.rowMax, s.colMin, s.colMax].every(Number.isNaN)).toBe(true);
  });

  it('a gradient flow whose energy becomes non-finite still stops as diverged', async () => {
    // The energy check is kept for gradient flows: a stub with a finite state and an infinite energy.
    const sim = new Simulation({
      info: { kind: 'particles', dim: 1, shape: [1, 1], dt: 0.1, gradientFlow: true },
      scheme: { name: 'stub', dt: 0.1, init: (x) => ({ x, k: 0 }), step: (s) => (s.k++, { tau: 0.1 }) },
      x0: new Float64Array([1]),
      energy: (s) => ({ total: s.k >= 2 ? Infinity : 1, terms: {} }),
    });
    const { summary } = await runCollecting(sim, 5, 1);
    expect(summary.status).toBe('diverged');
    expect(summary.diverged_step).toBe(2);
  });
});
