import type { MetricRecord } from '../../../engine/run/record.ts';
import { logTicks, niceTicks, tickLabel } from '../render/ticks.ts';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#7aa2f7', '#e0af68'];

/** A value of a record as a finite number, or null (missing, NaN and ±∞ travel as null). */
function valueOf(r: MetricRecord, name: string): number | null {
  const v = (r as unknown as Record<string, unknown>)[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The range a panel draws: ticks where the data are, padded when they are one point. */
export interface AxisRange {
  lo: number;
  hi: number;
  ticks: number[];
  log: boolean;
}

/**
 * The y axis of a series: log when every value is positive and they span more
 * than two decades (then ticks at powers of ten), linear otherwise. A constant
 * series gets a band around its value, ticked at the value alone.
 */
export function valueAxis(ys: number[]): AxisRange {
  let lo = Infinity, hi = -Infinity;
  for (const v of ys) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(lo <= hi)) return { lo: 0, hi: 1, ticks: [], log: false };
  const log = lo > 0 && hi / lo > 100;
  if (log) return { lo: Math.log10(lo), hi: Math.log10(hi), ticks: logTicks(lo, hi, 4), log };
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = 0.5 * (Math.abs(lo) || 1);
    return { lo: lo - pad, hi: hi + pad, ticks: [lo], log };
  }
  return { lo, hi, ticks: niceTicks(lo, hi, 4), log };
}

/** The t axis: from the first to the last record; one record is ticked alone at the centre. */
export function timeAxis(t0: number, t1: number): AxisRange {
  if (!(t1 > t0)) {
    const pad = 0.5 * (Math.abs(t0) || 1);
    return { lo: t0 - pad, hi: t0 + pad, ticks: [t0], log: false };
  }
  return { lo: t0, hi: t1, ticks: niceTicks(t0, t1, 5), log: false };
}

/**
 * Screen points [x, y] (x ascending) thinned to the first, lowest, highest and
 * last point of each pixel column: what a line through all of them would
 * draw, spikes included, in O(columns) SVG points however long the run.
 */
export function columnExtremes(pts: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < pts.length; ) {
    const col = Math.floor(pts[i][0]);
    let lo = i, hi = i, j = i;
    for (; j < pts.length && Math.floor(pts[j][0]) === col; j++) {
      if (pts[j][1] < pts[lo][1]) lo = j;
      if (pts[j][1] > pts[hi][1]) hi = j;
    }
    for (const k of [...new Set([i, Math.min(lo, hi), Math.max(lo, hi), j - 1])]) out.push(pts[k]);
    i = j;
  }
  return out;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The run's chart: the energy and one chosen metric against time t, in panels
 * side by side (stacked when narrow), drawn as SVG so that titles, tick values
 * and axis names are text in the page. Each panel says when its axis is
 * logarithmic. Draws at most once per animation frame from the records it is
 * given; in replay, a cursor marks the frame shown.
 */
export class LiveChart {
  private records: readonly MetricRecord[] = [];
  private names: string[] = [];
  private cursor: number | null = null;
  private scheduled = false;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.redraw()).observe(root);
  }

  /** Charts `names` (energy first) over `records` (kept by the caller, in step order). */
  show(records: readonly MetricRecord[], names: string[]): void {
    this.records = records;
    this.names = names;
    this.redraw();
  }

  setCursor(t: number | null): void {
    this.cursor = t;
    this.redraw();
  }

  private redraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const W = this.root.clientWidth || 600, H = this.root.clientHeight || 170;
    const n = Math.max(1, this.names.length);
    const side = W >= 560;
    const pw = side ? W / n : W, ph = side ? H : H / n;
    this.root.replaceChildren(...this.names.map((name, k) => this.panel(name, COLOURS[k % COLOURS.length], pw, ph)));
    this.root.classList.toggle('stacked', !side);
  }

  private panel(name: string, colour: string, W: number, H: number): SVGSVGElement {
    const svg = el('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart-panel', 'data-testid': `chart-panel-${name}` });
    const left = 58, right = W - 26, top = 20, bottom = H - 30;
    const pts: [number, number][] = [];
    for (const r of this.records) {
      const v = valueOf(r, name);
      if (v !== null && Number.isFinite(r.t)) pts.push([r.t, v]);
    }
    const yAxis = valueAxis(pts.map((p) => p[1]));
    svg.append(el('text', { x: left, y: 13, class: 'chart-title', 'data-testid': 'chart-title' }, name + (yAxis.log ? '  (log scale)' : '')));
    if (!pts.length) {
      svg.append(el('text', { x: left, y: (top + bottom) / 2, class: 'chart-empty' }, 'no value yet'));
      return svg;
    }
    const xAxis = timeAxis(pts[0][0], pts[pts.length - 1][0]);
    const f = (v: number) => (yAxis.log ? Math.log10(v) : v);
    const X = (t: number) => left + ((t - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (right - left);
    const Y = (v: number) => bottom - ((f(v) - yAxis.lo) / (yAxis.hi - yAxis.lo || 1)) * (bottom - top);
    for (const v of yAxis.ticks) {
      svg.append(el('line', { x1: left, x2: right, y1: Y(v), y2: Y(v), class: 'chart-grid' }));
      svg.append(el('text', { x: left - 4, y: Y(v) + 4, class: 'chart-tick y', 'data-testid': 'chart-tick' }, tickLabel(v)));
    }
    for (const t of xAxis.ticks) {
      svg.append(el('line', { x1: X(t), x2: X(t), y1: bottom, y2: bottom + 4, class: 'chart-axis-line' }));
      svg.append(el('text', { x: X(t), y: bottom + 15, class: 'chart-tick x', 'data-testid': 'chart-tick' }, tickLabel(t)));
    }
    svg.append(el('line', { x1: left, x2: right, y1: bottom, y2: bottom, class: 'chart-axis-line' }));
    svg.append(el('text', { x: right, y: H - 2, class: 'chart-axis', 'data-testid': 'chart-axis-label' }, 't'));
    if (pts.length === 1) svg.append(el('circle', { cx: X(pts[0][0]), cy: Y(pts[0][1]), r: 3, fill: colour }));
    else {
      const line = columnExtremes(pts.map(([t, v]) => [X(t), Y(v)]));
      svg.append(el('polyline', { points: line.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.5 }));
    }
    if (this.cursor !== null && this.cursor >= xAxis.lo && this.cursor <= xAxis.hi) {
      svg.append(el('line', { x1: X(this.cursor), x2: X(this.cursor), y1: top, y2: bottom, class: 'chart-cursor' }));
    }
    return svg;
  }
}
