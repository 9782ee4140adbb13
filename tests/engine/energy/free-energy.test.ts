import { describe, expect, it } from 'vitest';
import {
  BlobEntropy, Grid, GridMeasure, Interaction, ParticleMeasure, Potential, Rng, UsageError, gaussianCloud, logRepulsionKernel, normalizedMasses,
  quadraticPotential,
} from '../../../engine/index.ts';
import { totalVelocity } from '../../../engine/particles/energy.ts';
import { BlobPorous } from '../../../engine/particles/blob-porous.ts';
import { FreeEnergyTermError, defineFreeEnergy, describeFreeEnergy, gridEnergies, particleEnergies, sumKernel } from '../../../engine/energy/free-energy.ts';
import { PorousMedium } from '../../../engine/grid/grid-energy.ts';

const cloud = (n: number, d: number, seed = 1) => new ParticleMeasure(gaussianCloud(new Rng(seed), n, d, 0.2, 0.7), d);

describe('one free energy, particle discretization', () => {
  it('derives the same velocity as the energies written by hand (potential + quadratic/Gaussian W + blob entropy)', () => {
    const F = defineFreeEnergy({
      potential: quadraticPotential(1.5),
      interaction: [{ kind: 'quadratic', strength: 0.5 }, { kind: 'gaussian', amplitude: 0.3, width: 0.6 }],
      entropy: 0.4,
    });
    const { energies, noise } = particleEnergies(F, { entropy: 'blob', delta: 0.3 });
    expect(noise).toBeUndefined();
    const m = cloud(40, 2);
    const got = totalVelocity(energies, m, new Float64Array(80));
    // W = 0.5|z|²/2 + 0.3 e^{−|z|²/(2·0.36)}: its factor W'(r)/r.
    const W = { name: 'w', singular: false, value: (r2: number) => 0.25 * r2 + 0.3 * Math.exp(-r2 / 0.72), gradFactor: (r2: number) => 0.5 - (0.3 / 0.36) * Math.exp(-r2 / 0.72) };
    const want = totalVelocity([new Potential(quadraticPotential(1.5)), new Interaction(W), new BlobEntropy(0.4, 0.3)], m, new Float64Array(80));
    for (let i = 0; i < 80; i++) expect(got[i]).toBeCloseTo(want[i], 12);
  });

  it('the entropy as Langevin noise is the scheme temperature, not an energy', () => {
    const { energies, noise } = particleEnergies({ potential: quadraticPotential(1), entropy: 0.7 }, { entropy: 'langevin' });
    expect(energies.map((e) => e.name)).toEqual(['potential']);
    expect(noise?.temperature).toBe(0.7);
  });

  it('porous medium by blobs: at m = 2 it is the repulsive Gaussian interaction W = 2c φ_δ', () => {
    const delta = 0.35, c = 0.8, d = 2;
    const { energies } = particleEnergies({ porous: { m: 2, coefficient: c } }, { delta });
    expect(energies[0]).toBeInstanceOf(BlobPorous);
    const m = cloud(50, d, 3);
    const amp = (2 * c) / (2 * Math.PI * delta * delta);
    const W = sumKernel([{ kind: 'gaussian', amplitude: amp, width: delta }]);
    const a = totalVelocity(energies, m, new Float64Array(100));
    const b = totalVelocity([new Interaction(W)], m, new Float64Array(100));
    for (let i = 0; i < 100; i++) expect(a[i]).toBeCloseTo(b[i], 10);
    expect(energies[0].value(m)).toBeCloseTo(new Interaction(W).value(m), 10);
  });

  it('refuses congestion and obstacles with one line naming the term and the discretization', () => {
    const run = (f: Parameters<typeof particleEnergies>[0]) => {
      try {
        particleEnergies(f, { delta: 0.1 });
      } catch (e) {
        return e as Error;
      }
      throw new Error('no refusal');
    };
    const e1 = run({ potential: quadraticPotential(1), congestion: 2 });
    expect(e1).toBeInstanceOf(FreeEnergyTermError);
    expect(e1).toBeInstanceOf(UsageError);
    expect(e1.message).toMatch(/^free energy term 'congestion' cannot be discretized on particles \(forward Wasserstein gradient descent\): /);
    expect(e1.message).not.toContain('\n');
    const e2 = run({ potential: quadraticPotential(1), obstacles: (x) => x[0] > 0 });
    expect(e2.message).toMatch(/^free energy term 'obstacles' cannot be discretized on particles/);
  });

  it('needs a blob width for the blob entropy and the porous term', () => {
    expect(() => particleEnergies({ entropy: 1 })).toThrow(/blob entropy needs a width delta > 0/);
    expect(() => particleEnergies({ porous: { m: 2 } }, { entropy: 'langevin' })).toThrow(/blob porous medium needs a width delta/);
  });
});

describe('one free energy, grid discretization', () => {
  const grid = new Grid([32, 32], [[-2, 2], [-2, 2]]);
  const p = normalizedMasses(grid.evaluate(([x, y]) => Math.exp(-((x - 0.3) ** 2 + y * y))), grid);

  it('derives potential, interaction, entropy, porous, congestion and obstacles, with the values of the grid energies', () => {
    const F = defineFreeEnergy({
      potential: quadraticPotential(1),
      interaction: { kind: 'quadratic', strength: 2 },
      entropy: 0.5,
      porous: { m: 2, coefficient: 0.25 },
      congestion: 5,
      obstacles: ([x, y]) => x * x + y * y > 3.9,
    });
    const { energies, mask } = gridEnergies(F, grid);
    expect(energies.map((e) => e.name)).toEqual(['potential', 'interaction', 'entropy', 'porous', 'congestion', 'obstacles']);
    expect(mask!.reduce((s, b) => s + b, 0)).toBeGreaterThan(0);
    const m = new GridMeasure(grid, p.slice());
    // ∫V dρ with V = |x|²/2; ½∫∫ c|x−y|²/2 dρdρ = (c/2) tr Cov, = tr Cov for c = 2.
    const V = grid.evaluate(([x, y]) => 0.5 * (x * x + y * y));
    let pot = 0;
    for (let i = 0; i < p.length; i++) pot += V[i] * p[i];
    expect(energies[0].value(m)).toBeCloseTo(pot, 12);
    let mx = 0, my = 0, s2 = 0;
    const cx = grid.centres(0), cy = grid.centres(1);
    for (let i = 0; i < p.length; i++) {
      const x = cx[Math.floor(i / 32)], y = cy[i % 32];
      mx += p[i] * x;
      my += p[i] * y;
      s2 += p[i] * (x * x + y * y);
    }
    expect(energies[1].value(m)).toBeCloseTo(s2 - mx * mx - my * my, 10);
    expect(energies[3].value(m)).toBeCloseTo(0.25 * new PorousMedium(2).value(m), 12);
  });

  it('refuses a singular radial W with one line naming the term and the grid', () => {
    let err: Error | null = null;
    try {
      gridEnergies({ interaction: { kind: 'radial', kernel: logRepulsionKernel() }, entropy: 1 }, grid);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(FreeEnergyTermError);
    expect(err!.message).toMatch(/^free energy term 'interaction' cannot be discretized on the grid \(JKO steps\): W = attractive-repulsive-log/);
  });

  it('checks values and describes F', () => {
    expect(() => defineFreeEnergy({})).toThrow(/no term/);
    expect(() => defineFreeEnergy({ entropy: -1 })).toThrow(/entropy: temperature σ must be > 0/);
    expect(() => defineFreeEnergy({ porous: { m: 1 } })).toThrow(/exponent m must be > 1/);
    expect(describeFreeEnergy({ potential: quadraticPotential(1), entropy: 0.5 })).toBe('F = ∫V dρ + 0.5∫ρ log ρ');
  });
});
