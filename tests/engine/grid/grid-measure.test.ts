import { describe, expect, it } from 'vitest';
import { Grid, GridMeasure, UsageError, normalizedMasses } from '../../../engine/index.ts';

/** A scene author's first guesses at a grid measure (issue #14, docs/scenes.md). */
describe('GridMeasure construction', () => {
  const grid = new Grid([4, 5], [[0, 1], [0, 2]]);

  it('new GridMeasure(grid) is the uniform probability on the cells', () => {
    const m = new GridMeasure(grid);
    expect(m.p.length).toBe(20);
    expect(m.mass()).toBeCloseTo(1, 15);
    for (const v of m.p) expect(v).toBe(1 / 20);
    expect(m.maxDensity()).toBeCloseTo(1 / 20 / grid.cellVolume, 12);
  });

  it('with a mask, uniform on the free cells and nothing on obstacles', () => {
    const mask = new Uint8Array(20);
    mask[0] = mask[7] = mask[19] = 1;
    const m = new GridMeasure(grid, undefined, mask);
    expect(m.mass()).toBeCloseTo(1, 15);
    expect(m.massInMask()).toBe(0);
    expect(m.p[1]).toBe(1 / 17);
  });

  it('masses from a density through normalizedMasses(grid.evaluate(f), grid)', () => {
    const m = new GridMeasure(grid, normalizedMasses(grid.evaluate(([x, y]) => x + y), grid));
    expect(m.mass()).toBeCloseTo(1, 14);
    // Cell (0, 0) has centre (0.125, 0.2); the centres sum to Σ(x + y) = 5·2 + 4·5 = 30.
    expect(m.p[0]).toBeCloseTo(0.325 / 30, 14);
  });

  it('wrong arguments are one line naming what is missing', () => {
    expect(() => new GridMeasure(undefined as unknown as Grid)).toThrow(UsageError);
    expect(() => new GridMeasure(undefined as unknown as Grid)).toThrow(/needs a Grid/);
    expect(() => new GridMeasure(grid, [0.5, 0.5] as unknown as Float64Array)).toThrow(/normalizedMasses/);
    expect(() => new GridMeasure(grid, new Float64Array(3))).toThrow(/length 3 do not fit a grid of 20 cells/);
  });
});
