import { beforeAll, describe, expect, it } from 'vitest';
import { Congestion, GridPotential, Obstacles } from '../../../engine/grid/grid-energy.ts';
import { Grid } from '../../../engine/grid/grid.ts';
import { GridMeasure, normalizedMasses } from '../../../engine/grid/grid-measure.ts';
import { gridSimulation } from '../../../engine/grid/grid-simulation.ts';
import { splitState, type StateRecord } from '../../../engine/core/state-record.ts';
import { roundTripState } from '../../run-helpers.ts';
import { geodesicDistance } from '../../../engine/grid/geodesic-distance.ts';

/** A 24×24 room with a wall (gap in the middle) and an exit on the right: crowd motion with ρ ≤ κ. */
function room(kappa = 3) {
  const grid = new Grid([24, 24], [[0, 1], [0, 1]]);
  const mask = Uint8Array.from(grid.evaluate(([x, y]) => (x > 0.5 && x < 0.6 && Math.abs(y - 0.5) > 0.1 ? 1 : 0)));
  const exit = Uint8Array.from(grid.evaluate(([x, y]) => (x > 0.96 && Math.abs(y - 0.5) < 0.1 ? 1 : 0)));
  const V = geodesicDistance(grid, exit, mask);
  for (let i = 0; i < V.length; i++) if (!Number.isFinite(V[i])) V[i] = 0;
  const p0 = normalizedMasses(grid.evaluate(([x, y]) => (x < 0.4 && y > 0.1 && y < 0.9 ? 1 : 0)), grid, mask);
  const measure = new GridMeasure(grid, p0, mask);
  const sim = gridSimulation({ measure, energies: [new GridPotential(V), new Congestion(kappa), new Obstacles()], tau: 0.02, eps: 1.5e-3, tol: 1e-9 });
  return { grid, mask, V, measure, sim };
}

describe('entropic JKO: crowd motion with congestion and obstacles', () => {
  const { mask, V, measure, sim } = room();
  const kappa = 3;
  let maxRatio = 0, maxMassErr = 0, minP = Infinity, inObstacles = 0;
  const meanV: number[] = [];
  // The 30 JKO steps run once for the tests below, in a hook (not while the file is collected).
  beforeAll(() => {
    for (let k = 0; k < 30; k++) {
      sim.advance();
      maxRatio = Math.max(maxRatio, measure.maxDensity() / kappa);
      maxMassErr = Math.max(maxMassErr, Math.abs(measure.mass() - 1));
      for (let i = 0; i < measure.p.length; i++) {
        minP = Math.min(minP, measure.p[i]);
        if (mask[i]) inObstacles += measure.p[i];
      }
      meanV.push(measure.p.reduce((s, p, i) => s + p * V[i], 0));
    }
  });

  it('keeps ρ ≤ κ up to the Sinkhorn tolerance, and the bound is active', () => {
    // p = q·(Kᵀa_new / Kᵀa_old) with q ≤ κ|cell|; the ratio differs from 1 by about the
    // relative marginal error of a cell: tol 1e−9 over cell masses ~κ|cell| ≈ 5e−3 → ≲ 1e−6.
    expect(maxRatio).toBeLessThan(1 + 1e-6);
    expect(maxRatio).toBeGreaterThan(1 - 1e-6); // the crowd jams at the gap: the constraint binds
  });

  it('puts exactly zero mass inside obstacles and keeps densities ≥ 0', () => {
    expect(inObstacles).toBe(0); // b = 0 on the mask, so b ⊙ Kᵀa = 0 there exactly
    expect(minP).toBeGreaterThanOrEqual(0);
  });

  it('conserves mass to round-off over the run', () => {
    expect(maxMassErr).toBeLessThan(1e-12);
  });

  it('moves the crowd towards the exit (mean distance decreases)', () => {
    for (let k = 1; k < meanV.length; k++) expect(meanV[k]).toBeLessThan(meanV[k - 1]);
  });

  it('resumes from its state record bit-identically (masses, warm start, last report), through a JSON round trip', () => {
    const a = room().sim;
    for (let k = 0; k < 6; k++) a.advance();
    const b = room().sim;
    for (let k = 0; k < 3; k++) b.advance();
    const snap = b.snapshot();
    expect([...splitState(snap as unknown as StateRecord).arrays.keys()].sort()).toEqual(['warm', 'x']);
    const c = room().sim;
    c.restore(roundTripState(snap));
    for (let k = 0; k < 3; k++) c.advance();
    expect(Array.from(c.measure())).toEqual(Array.from(a.measure()));
    expect(c.metrics(0.12)).toEqual(a.metrics(0.12));
  });
});
