import {
  Congestion, Grid, GridMeasure, GridPotential, gridSimulation, Obstacles, checkGridMemory, defineScene, geodesicDistance,
  jkoOptions, jkoParams, normalizedMasses,
} from '../engine/index.ts';
import { everyFor } from './common.ts';
import { jkoEstimate } from './estimate.ts';

/**
 * Crowd motion with congestion (Maury, Roudneff-Chupin, Santambrogio 2010), as in
 * the crowd-motion figures of Peyré 2015 (§5.3): a crowd in the room [0, 1]² walks
 * down the potential V = travel distance to an exit door on the right wall, around
 * a wall with a gap in the middle of the room, under the density bound ρ ≤ κ:
 *
 *     F(ρ) = ∫ V ρ + ι{ρ ≤ κ} + ι{ρ = 0 in obstacles}.
 *
 * The crowd jams at the gap and at the door at exactly ρ = κ. Metrics: max ρ/κ,
 * mass inside obstacles (exactly 0), mass at the door, mean distance to the exit.
 */
export default defineScene({
  id: 'crowd-motion',
  title: 'Crowd motion with congestion',
  description: 'A crowd walks to the exit of a 2D room with obstacles under a density bound ρ ≤ κ (entropic JKO on a grid).',
  params: {
    ...jkoParams({ grid: 64, dt: 0.01, steps: 100, eps: 2.5e-4, tol: 1e-8 }),
    kappa: { type: 'number', default: 4, min: 0, minExclusive: true, max: 1e6, description: 'congestion bound κ on the density' },
    gap: { type: 'number', default: 0.16, min: 0, max: 1, description: 'width of the gap in the middle wall' },
    door: { type: 'number', default: 0.16, min: 0.01, max: 1, description: 'width of the exit door on the right wall' },
    exact_relax: { type: 'number', default: 1, min: 0, max: 100, description: 'exact scheme: width in cells of the relaxation of ρ ≤ κ (0: unrelaxed, does not converge on a grid)' },
  },
  every: everyFor,
  estimate: (p) => jkoEstimate(p, 2, 1),
  build(p, ctx) {
    checkGridMemory([p.grid, p.grid]);
    const grid = new Grid([p.grid, p.grid], [[0, 1], [0, 1]]);
    // Middle wall x ∈ [0.5, 0.55] with a gap |y − 0.5| < gap/2; a square pillar before it.
    const mask = Uint8Array.from(grid.evaluate(([x, y]) => {
      const wall = x >= 0.5 && x <= 0.55 && Math.abs(y - 0.5) >= p.gap / 2;
      const pillar = Math.abs(x - 0.3) <= 0.05 && Math.abs(y - 0.5) <= 0.05;
      return wall || pillar ? 1 : 0;
    }));
    const door = Uint8Array.from(grid.evaluate(([x, y]) => (x >= 1 - grid.h[0] && Math.abs(y - 0.5) < p.door / 2 ? 1 : 0)));
    const V = geodesicDistance(grid, door, mask);
    for (let i = 0; i < V.length; i++) if (!Number.isFinite(V[i])) V[i] = mask[i] ? 0 : 10; // blocked: never used; unreachable pockets: far
    const crowd = grid.evaluate(([x, y]) => (x >= 0.05 && x <= 0.4 && y >= 0.1 && y <= 0.9 ? 1 : 0)).map((v, i) => (mask[i] ? 0 : v));
    const measure = new GridMeasure(grid, normalizedMasses(crowd, grid, mask), mask);
    const nearDoor = V.map((v, i) => (!mask[i] && v <= 0.1 ? 1 : 0));
    return gridSimulation({
      accelerator: ctx.accelerator,
      ...jkoOptions(p),
      exactRelaxation: p.exact_relax,
      measure,
      energies: [new GridPotential(V), new Congestion(p.kappa), new Obstacles()],
      mainMetric: 'max_density_over_kappa',
      metrics: (m: GridMeasure) => {
        let atDoor = 0, meanV = 0;
        for (let i = 0; i < m.p.length; i++) {
          if (nearDoor[i]) atDoor += m.p[i];
          meanV += V[i] * m.p[i];
        }
        return { max_density_over_kappa: m.maxDensity() / p.kappa, mass_in_obstacles: m.massInMask(), mass_near_door: atDoor, mean_distance_to_exit: meanV };
      },
    });
  },
});
