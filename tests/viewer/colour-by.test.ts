import { describe, expect, it } from 'vitest';
import { colourParticles, leaderClusters, speeds } from '../../viewer/client/render/colour-by.ts';
import { lookUp, robustMax, srgbToLinear, viridis, viridisTable } from '../../viewer/client/render/colormap.ts';
import { frameBox, histogramDensity } from '../../viewer/client/render/embed.ts';

describe('viewer colouring and layout (pure functions of the client)', () => {
  it('speeds are |Δx|/Δt per particle', () => {
    const prev = Float32Array.from([0, 0, 1, 1]);
    const x = Float32Array.from([3, 4, 1, 1]);
    expect(Array.from(speeds(x, prev, 2, 0.5))).toEqual([10, 0]);
    expect(Array.from(speeds(x, null, 2, 0.5))).toEqual([0, 0]);
  });

  it('leader clustering separates far groups and keeps near points together', () => {
    const pts: number[] = [];
    for (let k = 0; k < 3; k++) for (let i = 0; i < 20; i++) pts.push(5 * k + 0.01 * i, -0.01 * i);
    const labels = leaderClusters(Float32Array.from(pts), 2, 0.5);
    expect(new Set(labels).size).toBe(3);
    for (let k = 0; k < 3; k++) expect(new Set(labels.slice(20 * k, 20 * k + 20)).size).toBe(1);
  });

  it('colour by weight maps w_i / max w onto the ramp', () => {
    const x = Float32Array.from([0, 0, 1, 1]);
    const colours = new Float32Array(6);
    colourParticles('weight', x, 2, colours, { prev: null, dt: 0, weights: Float32Array.from([1, 3]), clusterRadius: 1 });
    const lo = new Float32Array(3), hi = new Float32Array(3);
    viridis(1 / 3, lo, 0);
    viridis(1, hi, 0);
    expect(Array.from(colours)).toEqual([...lo, ...hi]);
  });

  it('robustMax ignores a single outlier', () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => (i === 7 ? 1e9 : i / 1000));
    expect(robustMax(v)).toBeCloseTo(0.98, 2);
  });

  it('histogram density integrates to one over its support', () => {
    const x = Float32Array.from({ length: 4000 }, (_, i) => (i / 4000) * 2 - 1);
    const rho = histogramDensity(x, -1, 1, 40);
    expect(rho.reduce((a, b) => a + b, 0) * (2 / 40)).toBeCloseTo(1, 6);
    expect(rho[10]).toBeCloseTo(0.5, 6); // uniform on [−1, 1]
  });

  it('the colour table matches the ramp, and its linear twin is the sRGB transfer curve', () => {
    const a = new Float32Array(3), b = new Float32Array(3);
    viridis(128 / 255, a, 0);
    lookUp(viridisTable(false), 128 / 255, b, 0);
    expect(Array.from(b)).toEqual(Array.from(a));
    lookUp(viridisTable(true), 128 / 255, b, 0);
    expect(Array.from(b)).toEqual(Array.from(srgbToLinear(a)));
    expect(srgbToLinear(Float32Array.from([0.5]))[0]).toBeCloseTo(0.21404, 5);
  });

  it('frames a particle run on its first frame and reference together', () => {
    const info = { kind: 'particles' as const, dim: 2, shape: [2, 2], dt: 1, gradientFlow: true };
    const box = frameBox(info, Float32Array.from([1, 1, 3, 2]), Float32Array.from([-1, 0, 0, 0]));
    expect(box.lo[0]).toBeCloseTo(-1 - 0.6, 6); // extent 4, margin 15 %
    expect(box.hi[0]).toBeCloseTo(3 + 0.6, 6);
    expect(box.lo[1]).toBeCloseTo(0 - 0.3, 6);
    expect(frameBox({ ...info, sphere: true }, null).hi).toEqual([1, 1, 0]);
  });
});
