import type { MetricRecord } from '../../engine/run/record.ts';
import type { BinaryMessage, ControlStatus } from '../protocol.ts';
import { RecordHistory } from '../record-history.ts';
import { Picture } from './picture.ts';
import { Stage } from './render/stage.ts';
import type { Hello, Source } from './sources/source.ts';
import { LiveChart } from './ui/chart.ts';
import { Controls } from './ui/controls.ts';
import { byId, fmt } from './ui/dom.ts';
import { Hud } from './ui/hud.ts';
import { Legend } from './ui/legend.ts';
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
  /** Metric records the chart holds (a late client's history included). */
  charted: number;
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

/** Metric records kept for the chart: evenly thinned beyond this many. */
const CHART_RECORDS = 4000;

/**
 * The viewer page: wires a frame source (live server, replay, or in-page worker)
 * to the picture (three.js stage, axes, legend), HUD, chart, controls, parameter
 * panel and, for replays, the timeline. Frames of an earlier run (before a reset
 * or parameter change) are recognised by their run id and dropped.
 */
export class App {
  private readonly stage = new Stage(byId('stage'));
  private readonly picture = new Picture(this.stage, new Legend(byId('legend')));
  private readonly hud: Hud;
  private readonly chart = new LiveChart(byId('chart'));
  private readonly controls: Controls;
  private readonly params: ParamPanel;
  private timeline: Timeline | null = null;
  private hello: Hello | null = null;
  /** Metric records of the run so far (live) or of the whole run (replay). */
  private readonly records = new RecordHistory(CHART_RECORDS);
  private chartMetric: string | undefined;
  private fpsWindow = { t0: performance.now(), received: 0, rendered: 0 };
  /** The main metric's latest value and its step: records between a scene's metric steps (scene.json metrics_every) lack it. */
  private lastMetric: { step: number; value: unknown } | null = null;
  readonly probe: ViewerProbe;

  constructor(private readonly source: Source) {
    this.controls = new Controls(byId('controls'), {
      send: (m) => source.send(m),
      colourBy: (c) => this.picture.setColourBy(c),
      screenshot: () => this.download(),
      gridMode: (mode) => this.picture.setGridMode(mode),
      scale: (mode) => this.picture.setScale(mode),
      chartMetric: (name) => {
        this.chartMetric = name;
        this.redrawChart();
      },
    });
    this.params = new ParamPanel(byId('params'), (values) => source.send({ type: 'params', values }));
    this.hud = new Hud(byId('hud'), (param, value) => this.params.applyValue(param, value));
    const stage = this.stage, records = this.records;
    this.probe = {
      mode: '', scene: '', runId: -1, step: -1, received: 0, status: null, lastError: '',
      get rendered() {
        return stage.rendered;
      },
      get charted() {
        return records.records().length;
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
      history: (runId, records) => {
        if (!this.hello || runId !== this.hello.runId) return;
        this.records.prepend(records);
        this.redrawChart();
      },
      paramError: (msg) => this.params.showError(msg),
      error: (msg) => this.showError(msg),
      grown: () => {
        this.loadReplayRecords();
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
    this.picture.start(h.scene.id, h.info);
    document.title = `${h.scene.title} — wgflow`;
    this.hud.reset(h.scene.title, h.mode === 'replay' ? 'replay of a run directory' : h.mode === 'local' ? 'running in this page' : 'live from wgf view');
    this.params.build(h.scene.params, h.values, h.mode === 'replay');
    this.records.clear();
    // A restart of the same scene keeps the charted metric; a new scene starts on its main one.
    if (!sameScene || !this.chartMetric) this.chartMetric = h.info.mainMetric;
    this.controls.layout({ particles: h.info.kind === 'particles', gridModes: this.picture.gridModes(), gridMode: this.picture.gridMode, scale: this.picture.scale.mode });
    this.timeline?.remove();
    this.timeline = null;
    const tl = this.source.timeline;
    if (h.mode === 'replay' && tl) {
      this.timeline = new Timeline(byId('timeline'), tl.steps, (i) => tl.seek(i));
      this.loadReplayRecords();
    }
    this.redrawChart();
  }

  private loadReplayRecords(): void {
    this.records.clear();
    for (const r of (this.source as { allRecords?: () => MetricRecord[] }).allRecords?.() ?? []) this.records.push(r);
    this.redrawChart();
  }

  private onStatus(s: ControlStatus, runId: number): void {
    if (this.hello && runId !== this.hello.runId) return;
    this.probe.status = s;
    this.controls.setStatus(s);
    this.hud.status(s);
  }

  private onBinary(m: BinaryMessage): void {
    const h = this.hello;
    if (!h || m.runId !== h.runId) return;
    if (m.kind === 'reference') return this.picture.setReference(m);
    if (m.kind === 'weights') return this.picture.setWeights(m.data);
    const t0 = performance.now();
    this.picture.frame(m);
    this.probe.updateMs = 0.9 * this.probe.updateMs + 0.1 * (performance.now() - t0);
    const rec = m.meta as MetricRecord;
    const metric = h.info.mainMetric;
    this.probe.step = m.step;
    this.probe.received++;
    this.fpsWindow.received++;
    this.hud.set('step', m.step);
    this.hud.set('t', m.t);
    this.hud.set('energy', rec.energy);
    if (metric && metric in rec) this.lastMetric = { step: m.step, value: rec[metric] };
    const held = metric && !(metric in rec) && this.lastMetric && this.lastMetric.step <= m.step ? this.lastMetric : null;
    this.hud.set('metric', !metric ? '–' : held ? `${metric} = ${fmt(held.value)} (step ${held.step})` : `${metric} = ${fmt(rec[metric])}`);
    if (h.mode === 'replay') {
      this.chart.setCursor(m.t);
      if (this.source.timeline) this.timeline?.show(this.source.timeline.position());
      return;
    }
    this.records.push(rec);
    this.redrawChart();
  }

  /** Numeric scene metrics of a record (what the chart can show next to the energy). */
  private static metricNames(r: MetricRecord | undefined): string[] {
    return r ? Object.keys(r).filter((k) => !['step', 't', 'energy'].includes(k) && typeof r[k] === 'number') : [];
  }

  /** Charts the kept records: energy, and the chosen metric next to it. */
  private redrawChart(): void {
    const records = this.records.records();
    const names = App.metricNames(records[0]);
    if (this.chartMetric === undefined || (names.length && !names.includes(this.chartMetric))) this.chartMetric = names[0];
    this.controls.setMetrics(names, this.chartMetric);
    const metric = this.chartMetric && names.includes(this.chartMetric) ? this.chartMetric : undefined;
    this.chart.show(records, ['energy', ...(metric ? [metric] : [])]);
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
