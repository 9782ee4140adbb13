import { describe, expect, it } from 'vitest';
import {
  forwardScheme, Interaction, ParticleMeasure, Rng, gaussianCloud, mean, quadraticKernel, radialKsToUniformBall, radialW1ToUniformBall,
  resolveParams, type SceneDefinition,
} from '../../../engine/index.ts';
import { particlesOf } from '../../../engine/particles/particle-simulation.ts';
import { aggregationBall as ball, aggregationDisk as disk } from '../../../scenes/aggregation.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';
import { nextTurn } from '../../run-helpers.ts';

describe('quadratic aggregation W(z) = |z|²/2', () => {
  it('contracts every particle towards the fixed centre by exactly (1−τ)^k', () => {
    // v_i = −Σ_j w_j (x_i − x_j) = −(x_i − x̄), so x_i − x̄ ← (1−τ)(x_i − x̄) exactly in exact
    // arithmetic; in floating point the relative error grows like k·n·ε_mach.
    const rng = new Rng(5);
    const n = 300, d = 3, tau = 0.05, k = 40;
    const w = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
    const wsum = w.reduce((a, b) => a + b, 0);
    w.forEach((v, i) => (w[i] = v / wsum));
    const m = new ParticleMeasure(gaussianCloud(rng, n, d, [1, -2, 0.5], 1.3), d, w);
    const c0 = mean(m);
    const x0 = m.x.slice();
    const scheme = forwardScheme({ energies: [new Interaction(quadraticKernel())], d, weights: w, dt: tau });
    const state = scheme.init(m.x);
    for (let s = 0; s < k; s++) scheme.step(state);
    const c1 = mean(m);
    const f = (1 - tau) ** k;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++) {
        const expected = f * (x0[i * d + a] - c0[a]);
        worst = Math.max(worst, Math.abs(m.x[i * d + a] - c1[a] - expected));
      }
    for (let a = 0; a < d; a++) expect(Math.abs(c1[a] - c0[a])).toBeLessThan(1e-13);
    expect(worst).toBeLessThan(1e-12);
  });
});

async function equilibrium(scene: SceneDefinition<any>, n: number, steps: number) {
  const sim = scene.build(resolveParams(scene.params, { n, steps }), { accelerator: referenceAccelerator() });
  for (let k = 0; k < steps; k++) {
    sim.advance();
    await nextTurn(); // the worker answers vitest between steps (tests/worker-blocking.ts)
  }
  const m = particlesOf(sim);
  const c = mean(m);
  return { w1: radialW1ToUniformBall(m, c), ks: radialKsToUniformBall(m, c), m: sim.metrics(steps * sim.info.dt) };
}

describe('attractive–repulsive equilibria', () => {
  // Finite-N equilibria are crystals: particles sit on shells whose spacing ∝ N^{−1/d}, so the
  // radial CDF is a staircase around r^d. Its W1 distance and KS distance to r^d scale like
  // N^{−1/d} (measured constants at N = 250…2000: W1·N^{1/d} ≤ 0.1 in 2D, ≤ 0.2 in 3D;
  // KS·N^{1/d} ≤ 1.1 in 2D, ≤ 1.5 in 3D). Tolerances are 1.5× these constants.
  it('2D, W = |z|²/2 − log|z|: uniform law on the unit disk (radial CDF r²)', async () => {
    const n = 1000;
    const small = await equilibrium(disk, 250, 400);
    const big = await equilibrium(disk, n, 400);
    expect(big.w1).toBeLessThan(0.15 / Math.sqrt(n));
    expect(big.ks).toBeLessThan(1.6 / Math.sqrt(n));
    expect(big.w1).toBeLessThan(small.w1); // converges as N grows
    expect(Math.abs(big.m.max_radius - 1)).toBeLessThan(0.05);
    // Sliced W2 to the exact uniform-disk law (OT metric of the scene): from 0.21 at the
    // start to 0.0082 (N = 250) and 0.0029 (N = 1000) measured; tolerance 1.5× the latter.
    expect(big.m.sliced_w2_to_ball).toBeLessThan(0.0045);
    expect(big.m.sliced_w2_to_ball).toBeLessThan(small.m.sliced_w2_to_ball);
  });

  it('3D, W = |z|²/2 + 1/|z|: uniform law on the unit ball (radial CDF r³)', async () => {
    const n = 1000;
    const small = await equilibrium(ball, 250, 400);
    const big = await equilibrium(ball, n, 400);
    expect(big.w1).toBeLessThan(0.3 * Math.pow(n, -1 / 3));
    expect(big.ks).toBeLessThan(2.25 * Math.pow(n, -1 / 3));
    expect(big.w1).toBeLessThan(small.w1);
    expect(Math.abs(big.m.max_radius - 1)).toBeLessThan(0.1);
    // Sliced W2 to the exact uniform-ball law: 0.15 at the start, 0.0139 (N = 250) and
    // 0.0055 (N = 1000) measured; tolerance 1.5× the latter.
    expect(big.m.sliced_w2_to_ball).toBeLessThan(0.0083);
    expect(big.m.sliced_w2_to_ball).toBeLessThan(small.m.sliced_w2_to_ball);
  });
});
