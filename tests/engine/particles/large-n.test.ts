import { describe, expect, it } from 'vitest';
import { Rng, covariance, mean, radialW1ToUniformBall, resolveParams, type SceneDefinition, type Simulation } from '../../../engine/index.ts';
import { particlesOf } from '../../../engine/particles/particle-simulation.ts';
import { blobStationaryRatio, defaultBlobWidth } from '../../../engine/particles/blob-width.ts';
import { aggregationBall as ball, aggregationDisk as disk } from '../../../scenes/aggregation.ts';
import fokkerPlanck from '../../../scenes/fokker-planck.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';

/** Lets the test runner's messages through between steps (each is a long synchronous pass). */
const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * n points filling the ball of radius R at uniform density without close pairs: a cubic
 * lattice of spacing a = (|B|/n)^{1/d}, each point jittered by ±a/4 per axis (so no lattice
 * symmetry survives), the n innermost kept and scaled to radius R. Its nearest neighbours are
 * ≥ a/2 apart. Uniform random points are not a usable start at N = 10⁵ in 3D: their closest
 * pairs (≈ 7e−4 apart) feel a Coulomb force 1/(n r²) ≈ 20, and one explicit step of τ = 0.3
 * throws them out of the ball; the mesh must then cover the escapees, its spacing grows, and
 * the neighbour sums with it (CI: the 3D test ran past 20 minutes).
 */
function latticeBall(n: number, d: 2 | 3, R: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = Math.pow((d === 2 ? Math.PI : (4 * Math.PI) / 3) / n, 1 / d);
  const m = Math.ceil(1 / a) + 2;
  const pts: number[] = [];
  const idx = new Array<number>(d).fill(-m);
  for (let done = false; !done; ) {
    for (let k = 0; k < d; k++) pts.push((idx[k] + 0.5 + 0.5 * (rng.uniform() - 0.5)) * a);
    let k = 0;
    while (k < d && ++idx[k] > m) idx[k++] = -m;
    done = k === d;
  }
  const count = pts.length / d;
  const r = Float64Array.from({ length: count }, (_, i) => Math.hypot(...pts.slice(i * d, i * d + d)));
  const order = Array.from({ length: count }, (_, i) => i).sort((i, j) => r[i] - r[j]);
  const s = R / r[order[n - 1]];
  const x = new Float64Array(n * d);
  for (let o = 0; o < n; o++) for (let k = 0; k < d; k++) x[o * d + k] = pts[order[o] * d + k] * s;
  return x;
}

async function run(scene: SceneDefinition<any>, params: Record<string, number | string>, steps: number, init?: Float64Array): Promise<Simulation> {
  const sim = scene.build(resolveParams(scene.params, params), { accelerator: referenceAccelerator() });
  if (init) sim.setInitial(init, sim.info.shape);
  for (let k = 0; k < steps; k++) {
    sim.advance();
    await tick();
  }
  return sim;
}

function secondMoment(sim: Simulation): number {
  const m = particlesOf(sim);
  const c = mean(m);
  let s = 0;
  for (let i = 0; i < m.n; i++) for (let k = 0; k < m.d; k++) s += m.w[i] * (m.x[i * m.d + k] - c[k]) ** 2;
  return s;
}

// Run time: the three runs take ≈ 1 min at load 15 on the 2-core machine (3D: 256³ mesh, ≈ 5 s a step
// there). Every tolerance below was measured on these exact runs (deterministic: fixed seeds, fixed
// method rule) and is stated with its measured value.
describe('attractive–repulsive equilibria at N = 10⁵ (P³M, auto)', () => {
  it('2D disk: E|x−c|² = (1 − 1/n)/2 and the radial law r²', { timeout: 600_000 }, async () => {
    // From a lattice disk of radius 0.95 the mean-field radius relaxes as R²' = 2(1 − R²): with
    // τ = 0.4 the deviation shrinks by |1 − 2τ| = 0.2 a step, 0.1 → 1e−8 after 10 steps; the
    // crystal forms locally meanwhile.
    const n = 100_000;
    const sim = await run(disk, { n, dt: 0.4, steps: 10 }, 10, latticeBall(n, 2, 0.95, 1));
    expect(sim.info.methods?.interaction).toMatch(/^p3m/);
    // Stationarity: Σ w_i x_i·v_i = 0 gives ΣΣ w_i w_j |x_i − x_j|² = Σ_{i≠j} w_i w_j, i.e.
    // E|x − c|² = (1 − 1/n)/2 exactly for the exact forces. Measured −3.2e−8 relative here
    // (the P³M force error and what is left of the relaxation); 2e−7 allowed.
    const target = (1 - 1 / n) / 2;
    expect(Math.abs(secondMoment(sim) - target) / target).toBeLessThan(2e-7);
    // The radial law r²: W1 measured 0.028/√N (the start, a 0.95-disk, is ≈ 0.03 away, 1000/√N); 0.06/√N allowed.
    const c = mean(particlesOf(sim));
    expect(radialW1ToUniformBall(particlesOf(sim), c)).toBeLessThan(0.06 / Math.sqrt(n));
    // The outermost shell sits just inside r = 1: measured 0.9984.
    expect(Math.abs(sim.metrics(0).max_radius - 1)).toBeLessThan(0.005);
  });

  it('3D ball: the virial identity E|x−c|² = ½ΣΣ_{i≠j} w_i w_j/|x_i−x_j| and the radial law r³', { timeout: 600_000 }, async () => {
    // Mean-field radius: R' = −R + R^{−2}, rate 3 at R = 1; τ = 0.3 shrinks the deviation from
    // R = 0.97 by 0.1 a step (3e−7 after 5 steps).
    const n = 100_000;
    const sim = await run(ball, { n, dt: 0.3, steps: 5 }, 5, latticeBall(n, 3, 0.97, 2));
    expect(sim.info.methods?.interaction).toMatch(/^p3m/);
    const q = secondMoment(sim);
    // Energy = ½E|x−c|² (moments, exact) + Coulomb part (mesh + neighbours); stationarity makes
    // the Coulomb part equal to E|x−c|², so the energy is 1.5 E|x−c|². Measured residual −4.1e−6
    // here (−4.7e−6 from 1.0, −8.6e−6 after 3 steps: it still falls with the local relaxation);
    // the P³M energy's own bound is 2e−4 (mesh-accuracy.test.ts). 2e−5 allowed.
    const e = sim.energy().total;
    expect(Math.abs(e - 1.5 * q) / e).toBeLessThan(2e-5);
    // The finite crystal's shells keep E|x−c|² below the continuum 3/5 by ≈ 0.58 n^{−2/3}
    // (measured 0.59 at N = 2·10⁴; 0.579 here, 0.578–0.581 at 10⁵ from other starts).
    const shell = (0.6 - q) * Math.pow(n, 2 / 3);
    expect(shell).toBeGreaterThan(0.5);
    expect(shell).toBeLessThan(0.66);
    // Radial law r³: W1 measured 0.023 n^{−1/3} (the 0.97-ball start is ≈ 0.02 away, 1000× more); 0.05 n^{−1/3} allowed.
    const c = mean(particlesOf(sim));
    expect(radialW1ToUniformBall(particlesOf(sim), c)).toBeLessThan(0.05 * Math.pow(n, -1 / 3));
    // Outermost shell: measured 0.9931.
    expect(Math.abs(sim.metrics(0).max_radius - 1)).toBeLessThan(0.015);
  });
});

describe('Fokker–Planck at N = 10⁵ with the blob entropy on a mesh', () => {
  // V = |x|²/2, σ = 1: the exact stationary law is N(0, I). The default δ = 0.123 predicts a
  // stationary variance of 0.99934σ (blob-width.ts). Waiting for the variance to relax (rate 2)
  // would take ≈ 400 steps, because the explicit step must stay under 1.8 δ²/σ = 0.027
  // (BLOB_MAX_STEP; CI's old τ = 0.1 is 6.6 δ²/σ: the cloud jitters at the blob scale and
  // its variance settled 19% high). Instead: the virial identity of the blob flow,
  //   d/dt E|x|² = −2 E|x|² + 2σd·R,   R = blobVirialRatio (blob-entropy.ts),
  // says the variance relaxes to σR, and R settles on the particle time scale δ²/σ. So: start
  // from the exact law, run 20 steps of τ = 0.01 (16 δ²/σ), measure R (on the mesh, O(N)),
  // and check that the variance moved as the identity says.
  it('stationary variance within 2% of σ', { timeout: 600_000 }, async () => {
    const n = 100_000;
    const dt = 0.01, steps = 20;
    const sim = await run(fokkerPlanck, { n, d: 2, dt, steps, m0: 0, s0: 1 }, 0);
    expect(sim.info.warnings).toBeUndefined();
    const S0 = covariance(particlesOf(sim));
    const var0 = (S0[0] + S0[3]) / 2;
    for (let k = 0; k < steps; k++) {
      sim.advance();
      await tick();
    }
    expect(sim.info.methods?.entropy).toMatch(/^mesh/);
    const R = sim.metrics(dt * steps).blob_virial_ratio;
    // The stationary variance σR, within 2% of σ (issue #17); measured R = 0.99926.
    expect(Math.abs(R - 1)).toBeLessThan(0.02);
    // …and not trivially: the blob bias is there, and it is the predicted one (0.99934;
    // the 2D mesh error on R is ≤ 4e−5, blob-methods.test.ts). 5e−4 allowed.
    expect(R).toBeLessThan(1);
    const predicted = blobStationaryRatio(n, 2, defaultBlobWidth(n, 2, 1).delta);
    expect(Math.abs(R - predicted)).toBeLessThan(5e-4);
    // The variance follows the identity: var(t) = R + (var0 − R) e^{−2t} (R taken at the end);
    // measured difference −9.2e−5 (−8e−5 after 40 steps). 3e−4 allowed — 60× smaller than the
    // variance moved off σR here would be with a bias of 2%.
    const S = covariance(particlesOf(sim));
    const v = (S[0] + S[3]) / 2;
    expect(Math.abs(v - (R + (var0 - R) * Math.exp(-2 * dt * steps)))).toBeLessThan(3e-4);
    for (const s of [S[0], S[3]]) expect(Math.abs(s - 1)).toBeLessThan(0.02);
  });

  it('a step too large for the blob width is reported, not silent', () => {
    // CI's τ = 0.1 at this N relaxed to a variance 19% high (BLOB_MAX_STEP in blob-width.ts).
    const build = (dt: number) => fokkerPlanck.build(resolveParams(fokkerPlanck.params, { n: 100_000, d: 2, dt, m0: 0, s0: 1 }), { accelerator: referenceAccelerator() });
    expect(build(0.1).info.warnings?.join('\n')).toMatch(/dt=0\.1 is 6\.6 × δ²\/σ.*use dt ≤ 0\.027/);
    expect(build(0.02).info.warnings).toBeUndefined();
  });
});
