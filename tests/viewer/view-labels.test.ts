import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../engine/run/record.ts';
import { GridScale } from '../../viewer/client/render/colour-scale.ts';
import { frameBox, grownBox } from '../../viewer/client/render/embed.ts';
import { contourSegments } from '../../viewer/client/render/grid-heatmap.ts';
import { logTicks, niceTicks, tickLabel } from '../../viewer/client/render/ticks.ts';
import { columnExtremes, timeAxis, valueAxis } from '../../viewer/client/ui/chart.ts';
import { maskFromRuns, maskRuns } from '../../viewer/protocol.ts';
import { RecordHistory } from '../../viewer/record-history.ts';

const rec = (step: number): MetricRecord => ({ step, t: step * 0.1, energy: 1 / (1 + step), energy_terms: {} });

describe('viewer labels: ticks, chart axes, colour scales (pure functions of the client)', () => {
  it('nice ticks are 1, 2 or 5 × 10^k apart and stay inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(-1.2, 1.2, 6)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    // A range no two multiples of the step fit in: its ends.
    const narrow = niceTicks(0.12345, 0.123451, 1);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
    for (const v of narrow) expect(v >= 0.12345 - 1e-12 && v <= 0.123451 + 1e-12).toBe(true);
    expect(logTicks(1e-4, 0.05)).toEqual([1e-4, 1e-3, 1e-2]);
    expect(logTicks(1e-12, 1, 4)).toEqual([1e-12, 1e-8, 1e-4, 1]); // 13 decades, every 4th
  });

  it('tick labels are short: 4 significant digits, exponents for tiny and huge values', () => {
    expect([0, 0.5, 0.6000000000000001, -2, 1.5e-4, 2.5e6, 123.456].map(tickLabel)).toEqual(['0', '0.5', '0.6', '-2', '1.5e-4', '2.5e6', '123.5']);
  });

  it('the chart axes: one record gives one tick at its value (no 1e-12 range); wide positive ranges go log', () => {
    const t = timeAxis(0, 0);
    expect(t.ticks).toEqual([0]);
    expect(t.hi - t.lo).toBeGreaterThan(0.5);
    const y = valueAxis([2.5]);
    expect(y.ticks).toEqual([2.5]);
    expect(y.lo).toBeLessThan(2.5);
    expect(y.hi).toBeGreaterThan(2.5);
    const log = valueAxis([1, 0.1, 1e-4]);
    expect(log.log).toBe(true);
    expect(log.ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1].filter((_, k) => k % 2 === 0));
    expect(valueAxis([1, 0.5, -1]).log).toBe(false);
    expect(timeAxis(0, 0.3).ticks).toEqual([0, 0.05, 0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004].filter((v) => v <= 0.3 + 1e-9));
  });

  it('a long series is drawn through the extremes of each pixel column, spikes kept', () => {
    const pts: [number, number][] = Array.from({ length: 4000 }, (_, k) => [k / 10, k === 1234 ? 99 : Math.sin(k / 100)]);
    const line = columnExtremes(pts);
    expect(line.length).toBeLessThanOrEqual(4 * 400);
    expect(line).toContainEqual([123.4, 99]);
    expect(line[0]).toEqual(pts[0]);
    expect(line[line.length - 1]).toEqual(pts[3999]);
    for (let k = 1; k < line.length; k++) expect(line[k][0]).toBeGreaterThan(line[k - 1][0]);
  });

  it('a grid scale: per frame, fixed at the first frame, or the largest so far', () => {
    const s = new GridScale('first');
    expect(s.top([0, 4])).toBe(4);
    expect(s.top([0, 2])).toBe(4); // the falling peak is drawn lower
    expect(s.top([0, 6])).toBe(4); // brighter cells clamp
    s.mode = 'max';
    expect(s.top([0, 1])).toBe(6);
    s.mode = 'frame';
    expect(s.top([0, 1])).toBe(1);
    s.reset();
    s.mode = 'first';
    expect(s.top([0, 3])).toBe(3);
  });
});

describe('record history (the chart of a late client)', () => {
  it('keeps at most cap records, evenly spaced, always ending with the newest', () => {
    const h = new RecordHistory(100);
    for (let k = 0; k < 10_000; k++) h.push(rec(k));
    const kept = h.records();
    expect(kept.length).toBeLessThanOrEqual(101);
    expect(kept.length).toBeGreaterThan(50);
    expect(kept[0].step).toBe(0);
    expect(kept[kept.length - 1].step).toBe(9999);
    const gaps = new Set(kept.slice(1, -1).map((r, i) => r.step - kept[i].step));
    expect(gaps.size).toBe(1); // one stride between all kept records
    h.push(rec(5)); // not after the newest: ignored
    expect(h.records()[h.records().length - 1].step).toBe(9999);
  });

  it('prepends a late join\'s history before what arrived live', () => {
    const h = new RecordHistory(1000);
    for (let k = 50; k <= 60; k++) h.push(rec(k));
    h.prepend(Array.from({ length: 52 }, (_, k) => rec(k))); // overlaps 50, 51
    expect(h.records().map((r) => r.step)).toEqual(Array.from({ length: 61 }, (_, k) => k));
  });
});

describe('obstacle masks in the hello message', () => {
  it('run-length codes round-trip and stay small for walls', () => {
    const n = 64 * 64;
    const mask = new Uint8Array(n);
    for (let i = 32; i < 36; i++) for (let j = 0; j < 64; j++) if (Math.abs(j - 32) > 5) mask[i * 64 + j] = 1;
    const runs = maskRuns(mask);
    expect(runs.length).toBeLessThan(20);
    expect(Array.from(maskFromRuns(runs, n))).toEqual(Array.from(mask));
    expect(maskRuns(Uint8Array.from([1, 1, 0]))).toEqual([0, 2, 1]);
    expect(() => maskFromRuns([3, 2], 4)).toThrow(/cover 5 cells; the grid has 4/);
  });
});

describe('frames of the picture', () => {
  it('a centred frame is a cube around the origin that only grows, by half again at least', () => {
    const info = { kind: 'particles' as const, dim: 3, shape: [2, 3], dt: 1, gradientFlow: true };
    const box = frameBox(info, Float32Array.from([0.01, 0, 0, 0, -0.02, 0]), Float32Array.from([0, 1, 0]), true);
    expect(box.lo).toEqual([-1.15, -1.15, -1.15]);
    expect(box.hi).toEqual([1.15, 1.15, 1.15]);
    expect(grownBox(box, Float32Array.from([0.5, 0, 0, 1, 1, 1]), 3, true)).toBeNull();
    const grown = grownBox(box, Float32Array.from([0.5, 0, 0, 1.2, 0, 0]), 3, true)!;
    expect(grown.hi[0]).toBeCloseTo(1.725, 12);
    expect(grown.lo).toEqual(grown.hi.map((v) => -v));
  });

  it('contours of a 2D field follow its level sets, x along the first grid axis', () => {
    // An ellipse on a non-square grid and box, so that a swap of the axes would show.
    const shape = [60, 90], box = { lo: [-1, -2, 0] as [number, number, number], hi: [1, 2, 0] as [number, number, number] };
    const a = 0.25, b = 1.0, cx = 0.3, cy = -0.2;
    const q = new Float64Array(60 * 90);
    for (let i = 0; i < 60; i++)
      for (let j = 0; j < 90; j++) {
        const x = -1 + ((i + 0.5) * 2) / 60, y = -2 + ((j + 0.5) * 4) / 90;
        q[i * 90 + j] = Math.exp(-((x - cx) ** 2 / a + (y - cy) ** 2 / b));
      }
    const pts = contourSegments(q, shape, box, [Math.exp(-0.5)], 0.01);
    expect(pts.length).toBeGreaterThan(6 * 40);
    // On the level set (x−cx)²/a + (y−cy)²/b = 0.5, to within the interpolation error of a cell.
    for (let k = 0; k < pts.length; k += 3) {
      const r = (pts[k] - cx) ** 2 / a + (pts[k + 1] - cy) ** 2 / b;
      expect(Math.abs(r - 0.5)).toBeLessThan(0.03);
      expect(pts[k + 2]).toBeCloseTo(0.01, 6);
    }
  });
});
