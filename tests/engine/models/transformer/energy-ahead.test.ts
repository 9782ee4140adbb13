import { describe, expect, it } from 'vitest';
import { Rng, gaussianCloud, makeAttentionWeights, uniformSphere, type Accelerator, type QkvKind } from '../../../../engine/index.ts';
import { referenceAccelerator } from '../../../../engine/backend/accelerator.ts';
import { logAttentionEnergy } from '../../../../engine/models/transformer/token-metrics.ts';
import { tokenSimulation, type TokenSimulation } from '../../../../engine/models/transformer/token-simulation.ts';
import { useTwoThreadPool } from '../../backend/executors.ts';
import { EXP_REL_ERROR, U32 } from '../../backend/clouds.ts';

/**
 * The record's energy E_β comes from the row sums of an attention pass at the recorded
 * state, and the next step's first stage reuses that pass's velocity (token-field.ts
 * evaluateAhead): a record costs no extra attention pass, and must change neither the
 * trajectory (same bits with and without records) nor the value (the pair sum of
 * logAttentionEnergy, to round-off on the float64 loop, to float32's bound on gpu.js).
 */
interface Case { attention: 'softmax' | 'usa'; qkv: QkvKind; sphere: boolean; integrator: 'euler' | 'rk4'; beta: number }

function tokens(c: Case, n: number, d: number, seed: number, acc: Accelerator): TokenSimulation {
  const rng = new Rng(seed);
  const weights = makeAttentionWeights(c.qkv, d, rng);
  const x = c.sphere ? uniformSphere(rng, n, d) : gaussianCloud(rng, n, d, 0, 0.5);
  const w = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const sw = w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) w[i] /= sw;
  return tokenSimulation({ accelerator: acc, x, w, weights, attention: c.attention, beta: c.beta, sphere: c.sphere, integrator: c.integrator, dt: 0.05, clusterRadius: 0.01 });
}

const CASES: Case[] = [
  { attention: 'softmax', qkv: 'identity', sphere: true, integrator: 'rk4', beta: 1 },
  { attention: 'softmax', qkv: 'random', sphere: true, integrator: 'euler', beta: 4 },
  { attention: 'softmax', qkv: 'symmetric', sphere: false, integrator: 'rk4', beta: 1 },
  { attention: 'usa', qkv: 'symmetric', sphere: true, integrator: 'rk4', beta: 2 },
  { attention: 'usa', qkv: 'random', sphere: true, integrator: 'rk4', beta: 1 },
];
const label = (c: Case) => `${c.attention}, ${c.qkv}, ${c.sphere ? 'sphere' : 'R^d'}, ${c.integrator}, β=${c.beta}`;

describe('transformer tokens: the energy from the attention pass the next step reuses', () => {
  for (const c of CASES) {
    it(`float64 loop: log E_β = the pair sum to 1e-12, and records do not change the trajectory (${label(c)})`, () => {
      const n = 37, d = 3;
      const recorded = tokens(c, n, d, 5, referenceAccelerator());
      const plain = tokens(c, n, d, 5, referenceAccelerator());
      for (let k = 0; k < 12; k++) {
        const E = recorded.energy().total;
        const ref = logAttentionEnergy(recorded.state.x, recorded.weights()!, recorded.field.o.weights.M, d, c.beta);
        expect(Math.abs(Math.log(E) - ref)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref)));
        recorded.advance();
        plain.advance();
        expect(recorded.state.x).toEqual(plain.state.x);
      }
    });
  }

  it('a restored state does not take the velocity kept for the state it replaced', () => {
    const c = CASES[0];
    const a = tokens(c, 29, 3, 1, referenceAccelerator());
    const b = tokens(c, 29, 3, 1, referenceAccelerator());
    b.state.x.reverse(); // other tokens on the sphere (mirrored), same weights
    for (let k = 0; k < 5; k++) (a.advance(), b.advance());
    const bSnap = b.snapshot();
    a.energy(); // keeps the velocity at a's state, step 5
    expect(bSnap.k).toBe(a.state.k);
    a.restore(bSnap); // same step count, other tokens
    a.advance();
    b.advance();
    expect(a.state.x).toEqual(b.state.x);
  });

  describe('gpu.js (float32, two threads)', () => {
    const accelerator = useTwoThreadPool();
    for (const c of CASES.slice(1)) {
      it(`log E_β within float32's bound of the float64 pair sum, same trajectory with records (${label(c)})`, () => {
        // n above the pool's threshold, so rows are split over both threads.
        const n = 613, d = 3;
        const recorded = tokens(c, n, d, 7, accelerator('gpu'));
        const plain = tokens(c, n, d, 7, accelerator('gpu'));
        expect(recorded.field).toBeDefined();
        for (let k = 0; k < 3; k++) {
          const logE = Math.log(recorded.energy().total);
          const x = recorded.state.x;
          const ref = logAttentionEnergy(x, recorded.weights()!, recorded.field.o.weights.M, d, c.beta);
          // Logits lose 8u·β|x||kx| absolutely in float32, the row and total sums 8u·n relatively,
          // the exponential EXP_REL_ERROR, the inline log ~1e-6 (tests/engine/backend/exp-source.test.ts).
          let X = 0;
          for (let i = 0; i < n; i++) X = Math.max(X, Math.hypot(x[3 * i], x[3 * i + 1], x[3 * i + 2]));
          const K = X * 3; // |M x| ≤ ‖M‖ |x|, ‖M‖ ≤ 3 for these weights (entries ~N(0, 1/d))
          const tol = 8 * U32 * c.beta * X * K + 16 * U32 * n + EXP_REL_ERROR + 1e-6 * (1 + Math.abs(ref));
          expect(Math.abs(logE - ref), `step ${k}`).toBeLessThan(tol);
          recorded.advance();
          plain.advance();
          expect(recorded.state.x).toEqual(plain.state.x);
        }
      });
    }
  });
});
