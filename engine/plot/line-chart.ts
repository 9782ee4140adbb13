/**
 * Minimal SVG line charts (no dependency, isomorphic): one panel per series,
 * stacked, sharing the x axis. Used for energy.svg and sweep summaries.
 */
export interface Series {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** Plot log10(y) (for positive, decaying quantities). */
  log?: boolean;
}

const W = 640;
const PANEL_H = 180;
const M = { left: 70, right: 20, top: 28, bottom: 34 };

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(4)).toString();
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(s: Series, top: number, xlabel: string): string {
  const pts: [number, number][] = [];
  for (let i = 0; i < s.x.length; i++) {
    const y = s.log ? Math.log10(s.y[i]) : s.y[i];
    if (Number.isFinite(s.x[i]) && Number.isFinite(y)) pts.push([s.x[i], y]);
  }
  const h = PANEL_H - M.top - M.bottom;
  const w = W - M.left - M.right;
  const parts: string[] = [];
  parts.push(`<text x="${M.left}" y="${top + 18}" font-size="13" font-weight="bold">${esc(s.label)}${s.log ? ' (log10)' : ''}</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${M.left + 10}" y="${top + PANEL_H / 2}" font-size="12">no finite values</text>`);
    return parts.join('');
  }
  let [x0, x1] = [Infinity, -Infinity];
  let [y0, y1] = [Infinity, -Infinity];
  for (const [x, y] of pts) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.05 + 1e-12; y1 += Math.abs(y1) * 0.05 + 1e-12; }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad; y1 += pad;
  const X = (x: number) => M.left + ((x - x0) / (x1 - x0)) * w;
  const Y = (y: number) => top + M.top + (1 - (y - y0) / (y1 - y0)) * h;
  parts.push(`<rect x="${M.left}" y="${top + M.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (const ty of niceTicks(y0, y1, 4)) {
    parts.push(`<line x1="${M.left - 4}" x2="${M.left + w}" y1="${Y(ty)}" y2="${Y(ty)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${Y(ty) + 4}" font-size="10" text-anchor="end">${fmt(ty)}</text>`);
  }
  for (const tx of niceTicks(x0, x1, 6)) {
    parts.push(`<text x="${X(tx)}" y="${top + M.top + h + 14}" font-size="10" text-anchor="middle">${fmt(tx)}</text>`);
  }
  parts.push(`<text x="${M.left + w / 2}" y="${top + PANEL_H - 4}" font-size="11" text-anchor="middle">${esc(xlabel)}</text>`);
  const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${X(x).toFixed(2)},${Y(y).toFixed(2)}`).join('');
  parts.push(`<path d="${d}" fill="none" stroke="#1f5fbf" stroke-width="1.6"/>`);
  if (pts.length < 40) for (const [x, y] of pts) parts.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="2.2" fill="#1f5fbf"/>`);
  return parts.join('');
}

/** Stacked line charts as an SVG document. */
export function lineChartsSvg(series: readonly Series[], xlabel = 't', title?: string): string {
  const titleH = title ? 24 : 0;
  const H = titleH + series.length * PANEL_H;
  const body = series.map((s, i) => panel(s, titleH + i * PANEL_H, xlabel)).join('\n');
  const head = title ? `<text x="${W / 2}" y="17" font-size="14" text-anchor="middle">${esc(title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${head}\n${body}\n</svg>\n`;
}
