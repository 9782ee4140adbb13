import { decodeNpy } from '../../../engine/core/npy.ts';
import type { MetricRecord } from '../../../engine/run/record.ts';
import type { ClientMessage, ControlStatus } from '../../protocol.ts';
import type { Source, SourceHandlers } from './source.ts';
import type { RunIndex } from '../../server/run-index.ts';

/** /api/session in replay mode: the server's index of the run directory. */
type RunIndexJson = RunIndex;

const TICK_MS = 1000 / 30;
/** How often a run still being written (summary 'interrupted' or absent) is re-indexed. */
const POLL_MS = 2000;
const CACHE_FRAMES = 96;

async function fetchNpy(url: string): Promise<{ data: Float32Array; shape: number[] }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const a = decodeNpy(new Uint8Array(await res.arrayBuffer()));
  return { data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>), shape: a.shape };
}

/**
 * Replays a run directory served by `wgf view --run DIR`: frames are fetched on
 * demand (/run/frames/NNNNNN.npy, kept in a small cache), metrics from
 * metrics.jsonl; play, pause, single step and a timeline scrubber move through
 * the recorded frames at 30 frames/s, `stepsPerFrame` frames at a time.
 */
export class ReplaySource implements Source {
  private h!: SourceHandlers;
  private index!: RunIndexJson;
  private records = new Map<number, MetricRecord>();
  private cache = new Map<number, Promise<{ data: Float32Array; shape: number[]; companion?: { data: Float32Array; shape: number[] } }>>();
  private pos = 0;
  private seq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The run directory is still being written: playback waits at its end instead of stopping. */
  private growing = false;
  private readonly status: ControlStatus = { paused: false, stepsPerFrame: 1, targetSteps: 0, state: 'replay' };
  timeline?: Source['timeline'];

  constructor(private readonly base = '') {}

  /** All metric records of the run, for the chart. */
  allRecords(): MetricRecord[] {
    return [...this.records.values()];
  }

  start(h: SourceHandlers): void {
    this.h = h;
    this.load().catch((e) => h.error(`cannot load the run: ${(e as Error).message}`));
  }

  private async loadRecords(): Promise<void> {
    const lines = (await (await fetch(`${this.base}/run/metrics.jsonl`)).text()).split('\n');
    for (const l of lines) {
      if (!l.trim()) continue;
      try {
        const r = JSON.parse(l) as MetricRecord;
        this.records.set(r.step, r);
      } catch {
        break; // a torn last line of a run being written or killed
      }
    }
  }

  /** Re-indexes a run still being written; appends new frames to the timeline. */
  private async poll(): Promise<void> {
    const next = (await (await fetch(`${this.base}/api/session`)).json()) as RunIndexJson;
    const steps = this.index.frames;
    const fresh = next.frames.filter((s) => s > steps[steps.length - 1]);
    const growing = next.summary?.status !== 'ok' && next.summary?.status !== 'diverged';
    if (fresh.length) {
      await this.loadRecords();
      steps.push(...fresh); // the timeline holds this same array
    }
    // Only now: "finished" seen before the last frames are on the timeline would stop playback short of them.
    this.growing = growing;
    if (!fresh.length) return;
    this.status.targetSteps = steps[steps.length - 1];
    this.h.grown?.();
  }

  private async load(): Promise<void> {
    this.index = (await (await fetch(`${this.base}/api/session`)).json()) as RunIndexJson;
    await this.loadRecords();
    this.growing = this.index.summary?.status !== 'ok' && this.index.summary?.status !== 'diverged';
    if (this.growing) {
      const timer = setInterval(() => {
        if (!this.growing) return clearInterval(timer);
        this.poll().catch(() => {});
      }, POLL_MS);
    }
    const s = this.index.scene;
    const steps = this.index.frames;
    this.timeline = { steps, seek: (i) => this.seek(i), position: () => this.pos };
    this.status.targetSteps = steps[steps.length - 1];
    const mainMetric = Object.keys(this.records.get(steps[0]) ?? {}).find((k) => !['step', 't', 'energy', 'energy_terms'].includes(k));
    this.h.hello({
      type: 'hello',
      mode: 'replay',
      scene: { id: s.scene, title: s.title, description: '', params: {} },
      values: s.params,
      info: { kind: s.kind, dim: s.dim, shape: s.shape, bounds: s.bounds, sphere: s.sphere, dt: s.dt, mainMetric, gradientFlow: true },
      runId: 1,
    });
    for (const [flag, name, kind] of [[this.index.reference, 'reference', 'reference'], [this.index.weights, 'weights', 'weights']] as const) {
      if (!flag) continue;
      const a = await fetchNpy(`${this.base}/run/${name}.npy`);
      this.h.binary({ kind, step: 0, t: 0, runId: 1, shape: a.shape, meta: { label: name }, data: a.data });
    }
    await this.show(0);
    this.setPaused(false);
  }

  private frame(i: number) {
    const step = this.index.frames[i];
    let p = this.cache.get(step);
    if (!p) {
      const name = `${String(step).padStart(6, '0')}.npy`;
      const companion = this.index.scene.companion;
      // A comparison run: the particles of the same step travel with the grid frame.
      p = companion
        ? Promise.all([fetchNpy(`${this.base}/run/frames/${name}`), fetchNpy(`${this.base}/run/${companion.name}/${name}`)]).then(([f, c]) => ({ ...f, companion: c }))
        : fetchNpy(`${this.base}/run/frames/${name}`);
      this.cache.set(step, p);
      if (this.cache.size > CACHE_FRAMES) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }

  /** Shows frame i; a later request overtakes an earlier one still loading. */
  private async show(i: number): Promise<void> {
    const n = this.index.frames.length;
    this.pos = Math.max(0, Math.min(n - 1, i));
    const my = ++this.seq;
    const step = this.index.frames[this.pos];
    const f = await this.frame(this.pos);
    if (my !== this.seq) return;
    const rec = this.records.get(step) ?? ({ step, t: NaN, energy: NaN, energy_terms: {} } as MetricRecord);
    this.h.binary({ kind: 'frame', step, t: rec.t, runId: 1, shape: f.shape, meta: rec as unknown as Record<string, unknown>, data: f.data, ...(f.companion ? { companion: f.companion } : {}) });
    for (let k = 1; k <= 3 && this.pos + k < n; k++) void this.frame(this.pos + k).catch(() => {});
  }

  private seek(i: number): void {
    this.show(i).catch((e) => this.h.error((e as Error).message));
  }

  private setPaused(p: boolean): void {
    this.status.paused = p;
    this.status.state = p ? 'paused' : 'replay';
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!p) {
      let busy = false;
      this.timer = setInterval(() => {
        if (busy) return;
        if (this.pos >= this.index.frames.length - 1) return this.growing ? undefined : this.setPaused(true);
        busy = true;
        this.show(this.pos + this.status.stepsPerFrame).finally(() => (busy = false));
      }, TICK_MS);
    }
    this.h.status({ ...this.status }, 1);
  }

  send(m: ClientMessage): void {
    switch (m.type) {
      case 'play':
        if (this.pos >= this.index.frames.length - 1) this.seek(0);
        return this.setPaused(false);
      case 'pause':
        return this.setPaused(true);
      case 'step':
        this.setPaused(true);
        return this.seek(this.pos + 1);
      case 'reset':
        return this.seek(0);
      case 'speed':
        this.status.stepsPerFrame = m.stepsPerFrame;
        return this.h.status({ ...this.status }, 1);
      case 'params':
        return this.h.paramError('a replayed run cannot change its parameters (run it again with wgf run --set …)');
    }
  }
}
