import { describe, expect, it } from 'vitest';
import { MeanFieldRisk, ParticleMeasure, Rng, activationByName, balancedNeurons, makeMlpData, predict } from '../../../../engine/index.ts';
import { NetworkScratch } from '../../../../engine/models/mlp/network.ts';

describe('MLP data', () => {
  it('teacher–student on the sphere: unit inputs, y = (1/k) Σ_j relu(w*_j·x)', () => {
    const act = activationByName('relu');
    const { train, teacher } = makeMlpData(new Rng(2), { kind: 'sphere', d: 4, teacher: 5, train: 30, test: 5, activation: act });
    for (let n = 0; n < 30; n++) {
      let r2 = 0;
      for (let c = 0; c < 4; c++) r2 += train.Xt[c * 30 + n] ** 2;
      expect(Math.abs(Math.sqrt(r2) - 1)).toBeLessThan(1e-15);
      let y = 0;
      for (let j = 0; j < 5; j++) {
        let z = 0;
        for (let c = 0; c < 4; c++) z += teacher!.theta[j * 6 + 1 + c] * train.Xt[c * 30 + n];
        y += Math.max(z, 0) / 5;
      }
      expect(train.y[n]).toBeCloseTo(y, 14);
    }
  });

  it('regression target Π sin(π x_c) on [−1, 1]^d', () => {
    const { train, teacher } = makeMlpData(new Rng(1), { kind: 'regression', d: 2, teacher: 1, train: 20, test: 5, activation: activationByName('tanh') });
    expect(teacher).toBeNull();
    for (let n = 0; n < 20; n++) {
      const x0 = train.Xt[n], x1 = train.Xt[20 + n];
      expect(Math.abs(x0)).toBeLessThanOrEqual(1);
      expect(train.y[n]).toBeCloseTo(Math.sin(Math.PI * x0) * Math.sin(Math.PI * x1), 15);
    }
  });

  it('a minibatch holding every point (in any order) gives the full-batch velocity', () => {
    for (const name of ['relu', 'sigmoid']) {
      const act = activationByName(name);
      const data = makeMlpData(new Rng(3), { kind: 'gaussian', d: 3, teacher: 2, train: 24, test: 4, activation: act });
      const theta = balancedNeurons(new Rng(4), 9, 3, 0.6);
      const mu = new ParticleMeasure(theta, 5);
      const risk = new MeanFieldRisk(act, data.train);
      const full = new Float64Array(theta.length), batch = new Float64Array(theta.length);
      risk.addVelocity(mu, full);
      risk.setBatch(Int32Array.from({ length: 24 }, (_, i) => (7 * i + 5) % 24)); // a permutation (gcd(7, 24) = 1)
      risk.addVelocity(mu, batch);
      // Same 24 terms summed in another order: round-off ~ 24 ε relative.
      for (let c = 0; c < theta.length; c++) expect(Math.abs(batch[c] - full[c])).toBeLessThan(1e-14 * (1 + Math.abs(full[c])));
      risk.setBatch(null);
      const again = new Float64Array(theta.length);
      risk.addVelocity(mu, again);
      expect(Array.from(again)).toEqual(Array.from(full));
    }
  });

  it('predict: f is linear in the neuron weights ω (mean-field scaling)', () => {
    const act = activationByName('gelu');
    const data = makeMlpData(new Rng(5), { kind: 'gaussian', d: 2, teacher: 1, train: 10, test: 1, activation: act });
    const theta = balancedNeurons(new Rng(6), 2, 2, 1);
    const f1 = new Float64Array(10), f2 = new Float64Array(10), fb = new Float64Array(10);
    const s = new NetworkScratch();
    predict(theta.subarray(0, 4), new Float64Array([1]), 2, act, data.train.Xt, 10, f1, s);
    predict(theta.subarray(4, 8), new Float64Array([1]), 2, act, data.train.Xt, 10, f2, s);
    predict(theta, new Float64Array([0.25, 0.75]), 2, act, data.train.Xt, 10, fb, s);
    for (let n = 0; n < 10; n++) expect(fb[n]).toBeCloseTo(0.25 * f1[n] + 0.75 * f2[n], 15);
  });
});
