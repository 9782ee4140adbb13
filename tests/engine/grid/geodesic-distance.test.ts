import { describe, expect, it } from 'vitest';
import { geodesicDistance } from '../../../engine/grid/geodesic-distance.ts';
import { Grid } from '../../../engine/grid/grid.ts';

describe('geodesicDistance (Dijkstra on the 3^d − 1 neighbour graph)', () => {
  const grid = new Grid([21, 21], [[0, 1], [0, 1]]);
  const h = 1 / 21;
  const at = (i: number, j: number) => i * 21 + j;
  const target = new Uint8Array(grid.size);
  target[at(10, 10)] = 1;

  it('is exact along axes and diagonals and within 8.2% of Euclidean elsewhere', () => {
    const d = geodesicDistance(grid, target);
    expect(d[at(10, 10)]).toBe(0);
    expect(d[at(10, 17)]).toBeCloseTo(7 * h, 12);
    expect(d[at(15, 15)]).toBeCloseTo(5 * Math.SQRT2 * h, 12);
    for (let i = 0; i < 21; i++) {
      for (let j = 0; j < 21; j++) {
        const e = Math.hypot(i - 10, j - 10) * h;
        expect(d[at(i, j)]).toBeGreaterThanOrEqual(e - 1e-12);
        expect(d[at(i, j)]).toBeLessThanOrEqual(e * (1 / Math.cos(Math.PI / 8)) + 1e-12);
      }
    }
  });

  it('walks around a wall, and blocked or unreachable cells are +∞', () => {
    const mask = new Uint8Array(grid.size);
    for (let i = 0; i < 21; i++) if (i !== 2) mask[at(i, 13)] = 1; // wall at column 13 with a gap at row 2
    const d = geodesicDistance(grid, target, mask);
    expect(d[at(10, 13)]).toBe(Infinity);
    // Behind the wall the path detours through the gap: longer than the straight 4 cells.
    expect(d[at(10, 14)]).toBeGreaterThan(4 * h + 8 * h);
    const closed = new Uint8Array(grid.size);
    for (let i = 0; i < 21; i++) closed[at(i, 13)] = 1;
    expect(geodesicDistance(grid, target, closed)[at(10, 15)]).toBe(Infinity);
  });
});
