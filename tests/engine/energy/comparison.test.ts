import { describe, expect, it } from 'vitest';
import {
  Grid, comparisonSimulation, gridCloud, normalizedMasses, quadraticPotential, sampleGridDensity, wassersteinPower1d,
} from '../../../engine/index.ts';
import { defaultBlobWidth } from '../../../engine/particles/blob-width.ts';
import { DivergenceError } from '../../../engine/core/simulation.ts';
import { copyState } from '../../../engine/core/state-record.ts';

/**
 * One free energy, two discretizations (issue #15), on the Ornstein–Uhlenbeck flow
 * F = ∫|x|²/2 dρ + ∫ρ log ρ in 1D from N(1, 0.5²): the exact law at t is
 * N(e^{−t}, 0.25 e^{−2t} + 1 − e^{−2t}) (docs/design.md §4). W2 in 1D is exact (quantiles);
 * the exact law is taken as its cell masses on a fine grid of 8000 cells (floor h/√12 ≈ 4e−4).
 */
const BOX: [number, number] = [-5, 5];
const fine = new Grid([8000], [BOX]);
function exactLaw(t: number) {
  const m = Math.exp(-t), v = 0.25 * Math.exp(-2 * t) + 1 - Math.exp(-2 * t);
  return gridCloud(fine, normalizedMasses(fine.evaluate(([x]) => Math.exp(-((x - m) ** 2) / (2 * v))), fine));
}

/**
 * A level of refinement: grid cells (h = 10/cells), ε = h² (smaller ε pins the entropic
 * transport to the cells: with ε = h²/10, τ = 0.02 the grid moved at 0.36 of the true speed),
 * τ = h (the entropic blur ε/(2τ) = h/2 and the implicit step's O(τ) error both ∝ h), n = 2·cells
 * particles with the automatic blob width.
 */
function runTo1(cells: number) {
  const h = (BOX[1] - BOX[0]) / cells, n = 2 * cells;
  const grid = new Grid([cells], [BOX]);
  const sim = comparisonSimulation({
    energy: { potential: quadraticPotential(1), entropy: 1 },
    grid,
    initial: grid.evaluate(([x]) => Math.exp(-((x - 1) ** 2) / (2 * 0.25))),
    jko: { tau: h, eps: h * h },
    particles: { n, seed: 0, entropy: 'blob', delta: defaultBlobWidth(n, 1, 1).delta },
  });
  const steps = Math.round(1 / h);
  for (let i = 0; i < steps; i++) sim.advance();
  const ex = exactLaw(1);
  const g = gridCloud(grid, sim.state.x);
  return {
    sim,
    between: sim.metrics(1).w2_between,
    grid: Math.sqrt(wassersteinPower1d(g.x, ex.x, 2, g.w, ex.w)),
    particles: Math.sqrt(wassersteinPower1d(sim.state.particles.x, ex.x, 2, undefined, ex.w)),
  };
}

describe('comparison run: Fokker–Planck with V = |x|²/2 (1D), both discretizations against the exact OU law', () => {
  it('both approach the exact law at t = 1 and the distance between them falls as N grows and h, ε, τ shrink', () => {
    // Measured (seed 0): cells 100/200/400 →
    //   W2(particles, grid) 0.0813 / 0.0328 / 0.0195 (0.0118 at 800): order ≈ 0.7–1.3 in h, slowing to ~0.7;
    //   grid to exact       0.0347 / 0.0175 / 0.0088 (0.0044): first order in h (ε = h², τ = h);
    //   particles to exact  0.0688 / 0.0254 / 0.0165 (0.0106): ≈ n^{−0.6} (blob width and step).
    // Bounds: the measured values with 30% of room (the runs are deterministic; the room is for
    // platform round-off in a float64 code, which moves nothing near these digits).
    const levels = [100, 200, 400].map(runTo1);
    const want = [
      { between: 0.0813, grid: 0.0347, particles: 0.0688 },
      { between: 0.0328, grid: 0.0175, particles: 0.0254 },
      { between: 0.0195, grid: 0.0088, particles: 0.0165 },
    ];
    levels.forEach((l, k) => {
      expect(l.between, `level ${k} between`).toBeLessThan(1.3 * want[k].between);
      expect(l.grid, `level ${k} grid`).toBeLessThan(1.3 * want[k].grid);
      expect(l.particles, `level ${k} particles`).toBeLessThan(1.3 * want[k].particles);
    });
    for (let k = 1; k < levels.length; k++) {
      expect(levels[k].between).toBeLessThan(0.8 * levels[k - 1].between);
      expect(levels[k].grid).toBeLessThan(0.6 * levels[k - 1].grid);
      expect(levels[k].particles).toBeLessThan(0.8 * levels[k - 1].particles);
    }
    // The same law at t = 0: only the cells (the grid is its cell centres: h/√12 ≈ 0.0072 at h = 0.025)
    // and the stratified sampling of n = 800 separate them (measured 0.0116).
    const start = comparisonSimulation({
      energy: { potential: quadraticPotential(1), entropy: 1 }, grid: new Grid([400], [BOX]),
      initial: new Grid([400], [BOX]).evaluate(([x]) => Math.exp(-((x - 1) ** 2) / 0.5)), jko: { tau: 0.025, eps: 6.25e-4 }, particles: { n: 800, seed: 0, delta: 0.1 },
    });
    expect(start.metrics(0).w2_between).toBeLessThan(0.015);
  });

  it('records both energies, both runs\' metrics and W2, and resumes bit for bit from a snapshot', () => {
    const grid = new Grid([100], [BOX]);
    const make = () => comparisonSimulation({
      energy: { potential: quadraticPotential(1), entropy: 1 }, grid,
      initial: grid.evaluate(([x]) => Math.exp(-((x - 1) ** 2) / 0.5)), jko: { tau: 0.1, eps: 0.01 },
      particles: { n: 100, seed: 3, entropy: 'langevin' },
    });
    const a = make();
    for (let i = 0; i < 3; i++) a.advance();
    const snap = a.snapshot();
    for (let i = 0; i < 3; i++) a.advance();
    const b = make();
    b.restore(copyState(snap));
    for (let i = 0; i < 3; i++) b.advance();
    expect(Array.from(b.state.x)).toEqual(Array.from(a.state.x));
    expect(Array.from(b.state.particles.x)).toEqual(Array.from(a.state.particles.x));
    const r = a.metrics(0.6);
    for (const k of ['w2_between', 'sliced_w2_between', 'particle_energy', 'particle_energy_potential', 'grid_sinkhorn_iterations', 'grid_mass']) expect(Number.isFinite(r[k]), k).toBe(true);
    expect(a.energy().terms).toHaveProperty('entropy');
    expect(a.companion()!.shape).toEqual([100, 1]);
    expect(a.timing.particles).toBeGreaterThan(0);
  });

  it('warns when the particles\' blob step is beyond its stability limit, and stops as diverged when the particles become non-finite', () => {
    const grid = new Grid([50], [[-1, 1]]);
    const initial = grid.evaluate(([x]) => Math.exp(-(x * x) / 0.1));
    const unstable = comparisonSimulation({ energy: { potential: quadraticPotential(1), entropy: 1 }, grid, initial, jko: { tau: 0.1, eps: 0.002 }, particles: { n: 50, seed: 0, delta: 0.05 } });
    expect(unstable.info.warnings?.[0]).toMatch(/^the particles' blob step is beyond its stability limit: τ·D\/δ² = 40\.0 with δ = 0\.0500, D = 1\.00; stable up to 1\.8; use dt ≤ 0\.0045/);
    // V = e^{50x²}: the first explicit step throws the particles to |x| ~ 1e7, the second to ±∞.
    const steep = { value: (x: Float64Array, o: number) => Math.exp(50 * x[o] ** 2), gradient: (x: Float64Array, o: number, _d: number, g: Float64Array, go: number) => void (g[go] = 100 * x[o] * Math.exp(50 * x[o] ** 2)) };
    const sim = comparisonSimulation({ energy: { potential: steep, entropy: 1 }, grid, initial, jko: { tau: 0.01, eps: 0.002 }, particles: { n: 50, seed: 0, entropy: 'langevin' } });
    expect(sim.info.warnings).toBeUndefined();
    let err: unknown = null;
    try {
      for (let i = 0; i < 5; i++) sim.advance();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/^the particles became non-finite/);
  });

  it('samples the particles from the grid density: stratified, seeded, inside the cells of positive mass', () => {
    const grid = new Grid([10, 10], [[0, 1], [0, 2]]);
    const p = new Float64Array(100);
    p[23] = 0.25;
    p[77] = 0.75;
    const x = sampleGridDensity(grid, p, 400, 5);
    expect(Array.from(sampleGridDensity(grid, p, 400, 5))).toEqual(Array.from(x));
    let inA = 0, inB = 0;
    for (let i = 0; i < 400; i++) {
      const cx = Math.floor(x[2 * i] / 0.1), cy = Math.floor(x[2 * i + 1] / 0.2);
      if (cx * 10 + cy === 23) inA++;
      else if (cx * 10 + cy === 77) inB++;
    }
    // Stratified: exactly the mass share of 400 (each 1/400 of the cumulative mass gets one particle).
    expect([inA, inB]).toEqual([100, 300]);
  });
});
