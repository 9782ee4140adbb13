import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../engine/core/simulation.ts';
import { Congestion, GridEntropy, GridPotential, Obstacles } from '../../../engine/grid/grid-energy.ts';
import { Grid, checkGridMemory } from '../../../engine/grid/grid.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation } from '../../../engine/grid/grid-simulation.ts';
import { EntropicJKO } from '../../../engine/grid/entropic-jko.ts';

const grid = new Grid([16, 16], [[0, 1], [0, 1]]);
const uniform = () => new Float64Array(grid.size).fill(1 / grid.size);

/** Every bad input is a UsageError (or the --init wrapper's Error) with one line naming what is wrong. */
function oneLine(fn: () => unknown, pattern: RegExp, type: Function = UsageError): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  const msg = (err as Error).message;
  expect(msg).toMatch(pattern);
  expect(msg).not.toContain('\n');
}

describe('grid engine: bad input', () => {
  it('negative, NaN and obstacle-placed initial densities are refused', () => {
    const bad = uniform();
    bad[7] = -0.1;
    oneLine(() => normalizedMasses(bad, grid), /negative value \(-0.1\) at cell 7/);
    bad[7] = NaN;
    oneLine(() => normalizedMasses(bad, grid), /non-finite value \(NaN\) at cell 7/);
    const mask = new Uint8Array(grid.size);
    mask[3] = 1;
    oneLine(() => normalizedMasses(uniform(), grid, mask), /blocked cell 3 inside an obstacle/);
    oneLine(() => normalizedMasses(new Float64Array(grid.size), grid), /zero total mass/);
  });

  it('--init of the wrong shape names the shape the scene needs', () => {
    const sim = gridSimulation({ measure: new GridMeasure(grid, uniform()), energies: [new GridEntropy(1)], tau: 0.1, eps: 0.01 });
    oneLine(() => sim.setInitial(new Float64Array(100), [10, 10]), /shape \[10, 10\]; this scene's grid is \[16, 16\]/, Error);
    const x = uniform();
    x[0] = 2; // any positive scale: renormalized to Σ p = 1
    sim.setInitial(x, [16, 16]);
    expect(sim.measure().reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12); // 256 rounded divisions and additions: ~1e−14
  });

  it('a mask with no free cell is refused', () => {
    oneLine(() => new GridMeasure(grid, uniform(), new Uint8Array(grid.size).fill(1)), /blocks every cell of the 16×16 grid/);
  });

  it('infeasible congestion κ·|free area| < 1 is refused before any step', () => {
    const m = new GridMeasure(grid, uniform());
    oneLine(() => new EntropicJKO([new GridPotential(new Float64Array(grid.size)), new Congestion(0.5), new Obstacles()], m, { tau: 0.1, eps: 0.01 }), /kappa=0.5 is infeasible: κ·\|free area\| = 0.5000 < 1/);
  });

  it('a grid too large for memory is refused before allocating, saying how much it needs', () => {
    oneLine(() => checkGridMemory([4096, 4096, 4096]), /needs about 10240.00 GiB .* the limit is 4.00 GiB/);
    expect(() => checkGridMemory([512, 512])).not.toThrow();
  });

  it('ε too small: below the grid scale, or for the plain form', () => {
    const m = new GridMeasure(grid, uniform());
    oneLine(() => new EntropicJKO([new GridEntropy(1)], m, { tau: 0.1, eps: 1e-7 }), /eps=1e-7 is too small for this grid.*use eps ≥/);
    const V = grid.evaluate(([x]) => 10 * x);
    oneLine(() => new EntropicJKO([new GridPotential(V)], m, { tau: 0.1, eps: 1e-4, form: 'plain' }), /eps=0.0001 is too small for the plain kernel form.*use form=log or auto, or eps ≥/);
    // The same problem is accepted by the log and auto forms.
    expect(() => new EntropicJKO([new GridPotential(V)], m, { tau: 0.1, eps: 1e-4, form: 'log' })).not.toThrow();
  });
});
