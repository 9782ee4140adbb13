import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, MeanFieldRisk, ParticleMeasure, Rng, activationByName, balancedNeurons, makeMlpData, neuronDim, type Activation } from '../../../../engine/index.ts';
import { riskOn } from '../../../../engine/models/mlp/risk.ts';

/** A small teacher–student problem with random (non-balanced) neurons and biases. */
function problem(act: Activation, d: number, m: number, seed = 0) {
  const rng = new Rng(seed);
  const data = makeMlpData(rng, { kind: 'gaussian', d, teacher: 2, train: 40, test: 10, activation: act });
  const theta = balancedNeurons(rng, m, d, 0.7);
  for (let i = 0; i < theta.length; i++) theta[i] += 0.3 * rng.normal();
  return { data, theta };
}

describe('mean-field risk velocity', () => {
  // v_i = −∇_θ δR/δμ(θ_i) = −(1/ω_i) ∂R/∂θ_i. Central differences with h = 1e-5 have
  // truncation error O(h² R''') ~ 1e-10 and round-off ~ 1e-16 R / h ~ 1e-12 (R ~ 0.1), so a
  // relative tolerance of 1e-6 on each component is ample. For ReLU the kinks z = 0 are a
  // null set: with 40 Gaussian points no z lies within h|x| ~ 1e-4 of 0 for these seeds.
  for (const name of ACTIVATIONS) {
    for (const d of [2, 3]) {
      it(`equals −(1/ω_i) ∂R/∂θ_i by finite differences (${name}, d=${d}, non-uniform ω)`, () => {
        const act = activationByName(name);
        const m = 5;
        const { data, theta } = problem(act, d, m, d);
        const omega = new Float64Array([0.1, 0.3, 0.15, 0.25, 0.2]);
        const risk = new MeanFieldRisk(act, data.train, true);
        const v = new Float64Array(theta.length);
        risk.addVelocity(new ParticleMeasure(theta, neuronDim(d), omega), v);
        const h = 1e-5;
        let worst = 0;
        for (let c = 0; c < theta.length; c++) {
          const x0 = theta[c];
          theta[c] = x0 + h;
          const up = riskOn(theta, omega, act, data.train);
          theta[c] = x0 - h;
          const dn = riskOn(theta, omega, act, data.train);
          theta[c] = x0;
          const grad = (up - dn) / (2 * h);
          const i = Math.floor(c / neuronDim(d));
          const expected = -grad / omega[i];
          worst = Math.max(worst, Math.abs(v[c] - expected) / (1e-3 + Math.abs(expected)));
        }
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }

  it('with uniform ω = 1/m is −m × the parameter gradient (relu, d=3, fused kernel)', () => {
    const act = activationByName('relu');
    const m = 6;
    const { data, theta } = problem(act, 3, m, 11);
    const omega = new Float64Array(m).fill(1 / m);
    const v = new Float64Array(theta.length);
    new MeanFieldRisk(act, data.train).addVelocity(new ParticleMeasure(theta, 5, omega), v);
    const h = 1e-5;
    for (const c of [0, 1, 4, 7, 13, 29]) {
      const x0 = theta[c];
      theta[c] = x0 + h;
      const up = riskOn(theta, omega, act, data.train);
      theta[c] = x0 - h;
      const dn = riskOn(theta, omega, act, data.train);
      theta[c] = x0;
      const expected = -m * ((up - dn) / (2 * h));
      expect(Math.abs(v[c] - expected)).toBeLessThan(1e-6 * (1e-3 + Math.abs(expected)));
    }
  });

  it('fused ReLU kernel in R³ agrees with the generic vector path to round-off', () => {
    const act = activationByName('relu');
    // Same function under another name: the generic path (fused kernels dispatch on the name).
    const generic = { ...act, name: 'generic' } as unknown as Activation;
    const { data, theta } = problem(act, 3, 64, 5);
    const mu = new ParticleMeasure(theta, 5);
    const v1 = new Float64Array(theta.length);
    const v2 = new Float64Array(theta.length);
    new MeanFieldRisk(act, data.train).addVelocity(mu, v1);
    new MeanFieldRisk(generic, data.train).addVelocity(mu, v2);
    let scale = 0, err = 0;
    for (let c = 0; c < v1.length; c++) {
      scale = Math.max(scale, Math.abs(v2[c]));
      err = Math.max(err, Math.abs(v1[c] - v2[c]));
    }
    // Both sum the same 40 terms in a different association: error ~ 40 ε × scale.
    expect(err).toBeLessThan(1e-13 * Math.max(1, scale));
    // Forward passes: the same 64 terms per point, summed in pairs by the fused kernel.
    const r1 = riskOn(theta, mu.w, act, data.test), r2 = riskOn(theta, mu.w, generic, data.test);
    expect(Math.abs(r1 - r2)).toBeLessThan(1e-13 * r2);
    const odd = new ParticleMeasure(theta.subarray(0, 5 * 63), 5); // odd m: the kernel's tail neuron
    expect(Math.abs(riskOn(odd.x, odd.w, act, data.test) / riskOn(odd.x, odd.w, generic, data.test) - 1)).toBeLessThan(1e-13);
  });
});
