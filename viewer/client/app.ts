import type { MetricRecord } from '../../engine/run/record.ts';
import type { BinaryMessage, ControlStatus, ViewInfo } from '../protocol.ts';
import type { ColourBy } from './render/colour-by.ts';
import { frameBox, grownBox, type Box } from './render/embed.ts';
import { GridView, type GridMode3d } from './render/grid-view.ts';
import { ParticleView } from './render/particle-view.ts';
import { Stage } from './render/stage.ts';
import type { Hello, Source } from './sources/source.ts';
import { LiveChart } from './ui/chart.ts';
import { Controls } from './ui/controls.ts';
import { byId, fmt } from './ui/dom.ts';
import { Hud } from './ui/hud.ts';
import { ParamPanel } from './ui/param-panel.ts';
import { Timeline } from './ui/timeline.ts';

/** What the page exposes on `window.__wgf` for the browser tests and the benchmark. */
export interface ViewerProbe {
  mode: string;
  scene: string;
  runId: number;
  step: number;
  received: number;
  rendered: number;
  /** Moving averages (ms) of handling one frame (decode, colour, upload) and of one render call. */
  updateMs: number;
  renderMs: number;
  status: ControlStatus | null;
  lastError: string;
  pixelStats(): { mean: number; variance: number; covered: number };
  screenshot(): string;
  /** ms per render of the current picture, without and with re-uploading its buffers (benchmark). */
  renderCost(k: number): { draw: number; uploadAndDraw: number };
}

/**
 * The viewer page: wires a frame source (live server, replay, or in-page worker)
 * to the three.js stage, HUD, live chart, controls, parameter panel and, for
 * replays, the timeline. Frames of an earlier run (before a reset or parameter
 * change) are recognised by their run id and dropped.
 */
export class App {
  private readonly stage = new Stage(byId('stage'));
  private readonly hud = new Hud(byId('hud'));
  private readonly chart = new LiveChart(byId<HTMLCanvasElement>('chart'));
  private readonly controls: Controls;
  private readonly params: ParamPanel;
  private timeline: Timeline | null = null;
  private hello: Hello | null = null;
  private view: ParticleView | GridView | null = null;
  private box: Box | null = null;
  private reference: BinaryMessage | null = null;
  private weights: Float32Array | null = null;
  private colourBy: ColourBy = 'speed';
  private gridMode: GridMode3d = 'volume';
  /** The last frame drawn (to redraw it when the view is rebuilt). */
  private lastFrame: BinaryMessage | null = null;
  /** Metric records of the run so far (live) or of the whole run (replay), thinned beyond 4000. */
  private records: MetricRecord[] = [];
  private chartMetric: string | undefined;
  private fpsWindow = { t0: performance.now(), received: 0, rendered: 0 };
  readonly probe: ViewerProbe;

  constructor(private readonly source: Source) {
    this.controls = new Controls(byId('controls'), {
      send: (m) => source.send(m),
      colourBy: (c) => this.setColourBy(c),
      screenshot: () => this.download(),
      gridMode: (mode) => {
        this.gridMode = mode;
        const h = this.hello, f = this.lastFrame;
        if (!h || !f || !this.box) return;
        this.makeView(h.info, f.data, this.box, false);
        this.view!.update(f.data, { t: f.t });
        this.stage.invalidate();
      },
      chartMetric: (name) => {
        this.chartMetric = name;
        this.redrawChart();
      },
    });
    this.params = new ParamPanel(byId('params'), (values) => source.send({ type: 'params', values }));
    const stage = this.stage;
    this.probe = {
      mode: '', scene: '', runId: -1, step: -1, received: 0, status: null, lastError: '',
      get rendered() {
        return stage.rendered;
      },
      updateMs: 0,
      get renderMs() {
        return stage.renderMs;
      },
      pixelStats: () => stage.pixelStats(),
      screenshot: () => stage.screenshot(),
      renderCost: (k) => ({ draw: stage.timeRenders(k), uploadAndDraw: stage.timeRenders(k, () => stage.touchBuffers()) }),
    };
    (globalThis as { __wgf?: ViewerProbe }).__wgf = this.probe;
    setInterval(() => this.updateFps(), 1000);
    source.start({
      hello: (h) => this.onHello(h),
      status: (s, runId) => this.onStatus(s, runId),
      binary: (m) => this.onBinary(m),
      paramError: (msg) => this.params.showError(msg),
      error: (msg) => this.showError(msg),
      grown: () => {
        this.records = (this.source as { allRecords?: () => MetricRecord[] }).allRecords?.() ?? this.records;
        this.redrawChart();
        if (this.source.timeline) this.timeline?.show(this.source.timeline.position());
      },
    });
  }

  private onHello(h: Hello): void {
    const sameScene = h.scene.id === this.probe.scene;
    this.hello = h;
    this.probe.mode = h.mode;
    this.probe.scene = h.scene.id;
    this.probe.runId = h.runId;
    this.probe.step = -1;
    this.view?.dispose();
    this.view = null;
    this.box = null;
    this.reference = null;
    this.weights = null;
    document.title = `${h.scene.title} — wgflow`;
    this.hud.reset(h.scene.title, h.mode === 'replay' ? 'replay of a run directory' : h.mode === 'local' ? 'running in this page' : 'live from wgf view');
    this.params.build(h.scene.params, h.values, h.mode === 'replay');
    this.records = [];
    // A restart of the same scene keeps the charted metric; a new scene starts on its main one.
    if (!sameScene || !this.chartMetric) this.chartMetric = h.info.mainMetric;
    this.controls.showColour(h.info.kind === 'particles');
    this.controls.showGridMode(h.info.kind === 'grid' && h.info.dim === 3);
    this.lastFrame = null;
    this.timeline?.remove();
    this.timeline = null;
    const tl = this.source.timeline;
    if (h.mode === 'replay' && tl) {
      this.timeline = new Timeline(byId('timeline'), tl.steps, (i) => tl.seek(i));
      this.records = (this.source as { allRecords?: () => MetricRecord[] }).allRecords?.() ?? [];
    }
    this.redrawChart();
  }

  private onStatus(s: ControlStatus, runId: number): void {
    if (this.hello && runId !== this.hello.runId) return;
    this.probe.status = s;
    this.controls.setStatus(s);
    this.hud.set('state', s.message ? `${s.state}: ${s.message}` : s.state);
  }

  private makeView(info: ViewInfo, first: Float32Array, grown: Box | null = null, reframe = true): void {
    const ref = this.reference && this.reference.shape[1] === info.dim ? this.reference.data : null;
    const box: Box = grown ?? frameBox(info, first, info.kind === 'particles' ? ref : null);
    this.view?.dispose();
    this.box = box;
    this.view = info.kind === 'grid' ? new GridView(info, box, this.stage.pixelRatio, this.gridMode) : new ParticleView(info, box, this.stage.pixelRatio);
    if (this.view instanceof ParticleView) {
      this.view.colourBy = this.colourBy;
      this.view.weights = this.weights;
    }
    if (this.reference) this.view.setReference(this.reference.data, this.reference.shape);
    this.stage.show(this.view.root, info, box, reframe);
  }

  private onBinary(m: BinaryMessage): void {
    const h = this.hello;
    if (!h || m.runId !== h.runId) return;
    if (m.kind === 'reference') {
      this.reference = m;
      this.view?.setReference(m.data, m.shape);
      return;
    }
    if (m.kind === 'weights') {
      this.weights = m.data;
      if (this.view instanceof ParticleView) this.view.weights = m.data;
      return;
    }
    const t0 = performance.now();
    if (!this.view) this.makeView(h.info, m.data);
    else if (h.info.kind === 'particles' && !h.info.bounds && !h.info.sphere) {
      // The measure travelled out of the frame: widen it (and re-aim the camera).
      const grown = grownBox(this.box!, m.data, h.info.dim);
      if (grown) this.makeView(h.info, m.data, grown);
    }
    this.view!.update(m.data, { t: m.t });
    this.lastFrame = m;
    this.probe.updateMs = 0.9 * this.probe.updateMs + 0.1 * (performance.now() - t0);
    this.stage.invalidate();
    const rec = m.meta as MetricRecord;
    const metric = h.info.mainMetric;
    if (h.mode !== 'replay') this.keepRecord(rec);
    this.probe.step = m.step;
    this.probe.received++;
    this.fpsWindow.received++;
    this.hud.set('step', m.step);
    this.hud.set('t', m.t);
    this.hud.set('energy', rec.energy);
    this.hud.set('metric', metric ? `${metric} = ${fmt(rec[metric])}` : '–');
    if (h.mode === 'replay') {
      this.chart.setCursor(m.t);
      if (this.source.timeline) this.timeline?.show(this.source.timeline.position());
    } else this.chart.push(m.t, [rec.energy, this.chartMetric ? (rec[this.chartMetric] as number) : undefined]);
  }

  /** Numeric scene metrics of a record (what the chart can show under the energy). */
  private static metricNames(r: MetricRecord | undefined): string[] {
    return r ? Object.keys(r).filter((k) => !['step', 't', 'energy'].includes(k) && typeof r[k] === 'number') : [];
  }

  private keepRecord(rec: MetricRecord): void {
    if (this.records.length && rec.step <= this.records[this.records.length - 1].step) return;
    this.records.push(rec);
    if (this.records.length > 4000) this.records = this.records.filter((_, k) => k % 2 === 0);
    if (this.records.length === 1) {
      this.chartMetric ??= App.metricNames(rec)[0];
      this.controls.setMetrics(App.metricNames(rec), this.chartMetric);
      this.redrawChart();
    }
  }

  /** Redraws the chart from the kept records: energy, and the chosen metric below. */
  private redrawChart(): void {
    this.controls.setMetrics(App.metricNames(this.records[0]), this.chartMetric);
    const metric = this.chartMetric;
    this.chart.reset(['energy', ...(metric ? [metric] : [])]);
    for (const r of this.records) this.chart.push(r.t, [r.energy, metric ? (r[metric] as number) : undefined]);
  }

  private setColourBy(c: ColourBy): void {
    this.colourBy = c;
    if (this.view instanceof ParticleView) {
      this.view.colourBy = c;
      this.view.recolour();
      this.stage.invalidate();
    }
  }

  private updateFps(): void {
    const now = performance.now(), w = this.fpsWindow;
    const s = (now - w.t0) / 1000;
    const drawn = this.stage.rendered - w.rendered;
    this.hud.set('fps', `${(w.received / s).toFixed(1)} received/s · ${(drawn / s).toFixed(1)} drawn/s`);
    this.fpsWindow = { t0: now, received: 0, rendered: this.stage.rendered };
  }

  private download(): void {
    const a = document.createElement('a');
    a.href = this.stage.screenshot();
    a.download = `wgflow-${this.probe.scene}-step${this.probe.step}.png`;
    a.click();
  }

  private showError(msg: string): void {
    this.probe.lastError = msg;
    const t = byId('toast');
    t.textContent = msg;
    t.hidden = false;
  }
}
