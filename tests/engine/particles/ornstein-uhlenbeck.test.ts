import { describe, expect, it } from 'vitest';
import { covariance, mean, resolveParams } from '../../../engine/index.ts';
import { particlesOf } from '../../../engine/particles/particle-simulation.ts';
import fokkerPlanck from '../../../scenes/fokker-planck.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';

/** Runs the fokker-planck scene for `steps` steps and returns mean/covariance errors to the exact OU law. */
function runOU(raw: Record<string, number | string>, steps: number) {
  const p = resolveParams(fokkerPlanck.params, raw);
  const sim = fokkerPlanck.build(p, { accelerator: referenceAccelerator() });
  for (let k = 0; k < steps; k++) sim.advance();
  const t = steps * sim.info.dt;
  const d = p.d as number;
  const mu = mean(particlesOf(sim));
  const S = covariance(particlesOf(sim), mu);
  // Exact OU law from N(m0·1, s0² I) with σ = 1: N(m0 e^{−t}, s0² e^{−2t} + (1 − e^{−2t}) I).
  const m = (p.m0 as number) * Math.exp(-t);
  const v = (p.s0 as number) ** 2 * Math.exp(-2 * t) + (1 - Math.exp(-2 * t));
  let meanErr = 0, covErr = 0;
  for (let k = 0; k < d; k++) meanErr = Math.max(meanErr, Math.abs(mu[k] - m));
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) covErr = Math.max(covErr, Math.abs(S[a * d + b] - (a === b ? v : 0)));
  return { meanErr, covErr, t, v };
}

describe('Ornstein–Uhlenbeck (V = |x|²/2, σ = 1) against the exact Gaussian solution', () => {
  it('Langevin particles: mean and covariance at t = 1', () => {
    const n = 4000;
    const { meanErr, covErr, t, v } = runOU({ entropy: 'langevin', n, d: 2, dt: 0.01, seed: 3 }, 100);
    expect(t).toBeCloseTo(1, 12);
    // Monte Carlo: the mean has standard error √(v/n) ≈ 0.015 and a covariance entry
    // √(2/n)·v ≈ 0.02; Euler–Maruyama biases are O(τ): |m0((1−τ)^k − e^{−t})| = 0.004 for the
    // mean and ≈ τ/2·(1−e^{−2t}) ≈ 0.004 for the variance. Tolerance: 4 standard errors + bias.
    expect(meanErr).toBeLessThan(4 * Math.sqrt(v / n) + 0.004);
    expect(covErr).toBeLessThan(4 * Math.sqrt(2 / n) * v + 0.005);
  });

  it('blob particles (deterministic): mean and covariance at t = 1 in 1D and 2D', () => {
    // Blob bias: the blob-regularized flow keeps a Gaussian within O(δ⁴) of the exact
    // variance, but the quadrature of φ_δ * μ by N particles adds an O(h/δ) error that grows
    // with d (h = spacing ∝ N^{−1/d}). Measured errors: 1D N=1000 ≈ 1e−3, 2D N=1000 ≈ 2e−2;
    // tolerances are twice these (not a statistical quantity: the run is deterministic).
    const one = runOU({ entropy: 'blob', n: 1000, d: 1, dt: 0.01 }, 100);
    expect(one.meanErr).toBeLessThan(0.01);
    expect(one.covErr).toBeLessThan(0.003);
    const two = runOU({ entropy: 'blob', n: 1000, d: 2, dt: 0.01 }, 100);
    expect(two.meanErr).toBeLessThan(0.015);
    expect(two.covErr).toBeLessThan(0.05);
  });
});
