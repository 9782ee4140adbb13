import { describe, expect, it } from 'vitest';
import { NetworkScratch, predict } from '../../../../engine/models/mlp/network.ts';
import { relu, tanh } from '../../../../engine/models/mlp/activations.ts';
import { Rng } from '../../../../engine/core/rng.ts';

/**
 * predict() computes a data set's predictions once per state (issue #19: a record's energy and
 * train_risk and the next step's velocity ask the same ones): the remembered predictions are
 * returned only for bit-identical parameters, weights and inputs, even when an input buffer is
 * refilled in place (SGD minibatches) or the parameters move in place (a step).
 */
describe('predict: one pass per state and data set', () => {
  for (const [name, d] of [['relu', 3], ['tanh', 2]] as const) {
    it(`${name}, d=${d}: in-place moves of θ, ω and the inputs are never answered from the memo`, () => {
      const rng = new Rng(4);
      const m = 40, N = 64, D = d + 2;
      const theta = Float64Array.from({ length: m * D }, () => rng.normal());
      const omega = new Float64Array(m).fill(1 / m);
      const Xt = Float64Array.from({ length: d * N }, () => rng.normal());
      const act = name === 'relu' ? relu : tanh;
      const fresh = () => {
        const f = new Float64Array(N);
        // Copies: a new input array has no memo, so this is the pass itself.
        predict(theta.slice(), omega.slice(), d, act, Xt.slice(), N, f, new NetworkScratch());
        return Array.from(f);
      };
      const f = new Float64Array(N);
      const scratch = new NetworkScratch();
      for (let round = 0; round < 4; round++) {
        predict(theta, omega, d, act, Xt, N, f, scratch);
        expect(Array.from(f), `round ${round}`).toEqual(fresh());
        f.fill(7);
        predict(theta, omega, d, act, Xt, N, f, scratch); // the memo
        expect(Array.from(f), `round ${round}, again`).toEqual(fresh());
        if (round === 0) theta[3] += 1e-9;
        if (round === 1) Xt[5] += 1e-9;
        if (round === 2) omega[1] *= 1.5;
      }
    });
  }
});
