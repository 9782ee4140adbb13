import { fmt } from './dom.ts';

interface Series {
  label: string;
  colour: string;
  t: number[];
  y: number[];
}

const MAX_POINTS = 4000;

/**
 * A live line chart on a 2D canvas: energy on top, the scene's main metric
 * below, against time t (log scale when a positive series spans over two
 * decades). Long runs are thinned to at most 4000 points by dropping every
 * other one. In replay, a cursor marks the frame shown.
 */
export class LiveChart {
  private series: Series[] = [];
  private cursor: number | null = null;
  private scheduled = false;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(labels: string[]): void {
    const colours = ['#7aa2f7', '#e0af68', '#9ece6a'];
    this.series = labels.map((label, i) => ({ label, colour: colours[i % colours.length], t: [], y: [] }));
    this.cursor = null;
    this.redraw();
  }

  push(t: number, values: (number | undefined)[]): void {
    if (!Number.isFinite(t)) return;
    this.series.forEach((s, i) => {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      if (s.t.length && t <= s.t[s.t.length - 1]) return;
      s.t.push(t);
      s.y.push(v);
      if (s.t.length > MAX_POINTS) {
        s.t = s.t.filter((_, k) => k % 2 === 0);
        s.y = s.y.filter((_, k) => k % 2 === 0);
      }
    });
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
    const c = this.canvas, ctx = c.getContext('2d')!;
    // Draw in CSS pixels on a backing store of the device's resolution (crisp text).
    const dpr = window.devicePixelRatio || 1;
    const W = c.clientWidth || 340, H = c.clientHeight || 178;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    const panels = this.series.length || 1;
    const ph = H / panels;
    this.series.forEach((s, p) => {
      const top = p * ph, left = 52, right = W - 8, bottom = top + ph - 16;
      ctx.fillStyle = '#8a93a3';
      ctx.fillText(s.label, left, top + 12);
      if (s.t.length < 1) return;
      const log = s.y.every((v) => v > 0) && Math.max(...s.y) / Math.min(...s.y) > 100;
      const f = (v: number) => (log ? Math.log10(v) : v);
      let y0 = Infinity, y1 = -Infinity;
      for (const v of s.y) (y0 = Math.min(y0, f(v))), (y1 = Math.max(y1, f(v)));
      if (y1 - y0 < 1e-12 * (1 + Math.abs(y1))) (y0 -= 0.5), (y1 += 0.5);
      const t0 = s.t[0], t1 = Math.max(s.t[s.t.length - 1], t0 + 1e-12);
      const X = (t: number) => left + ((t - t0) / (t1 - t0)) * (right - left);
      const Y = (v: number) => bottom - ((f(v) - y0) / (y1 - y0)) * (bottom - top - 18);
      ctx.fillText(fmt(log ? 10 ** y1 : y1), 2, top + 22);
      ctx.fillText(fmt(log ? 10 ** y0 : y0), 2, bottom);
      ctx.fillText(`t=${fmt(t1)}`, right - 60, bottom + 13);
      ctx.strokeStyle = s.colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      s.t.forEach((t, k) => (k ? ctx.lineTo(X(t), Y(s.y[k])) : ctx.moveTo(X(t), Y(s.y[k]))));
      ctx.stroke();
      if (this.cursor !== null) {
        ctx.strokeStyle = '#d8dee9';
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(X(this.cursor), top + 14);
        ctx.lineTo(X(this.cursor), bottom);
        ctx.stroke();
      }
    });
  }
}
