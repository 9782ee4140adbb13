import type { LoopDecision } from '../engine/core/accelerator.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Simulation, SimulationInfo } from '../engine/core/simulation.ts';
import { lineChartsSvg, type Series } from '../engine/plot/line-chart.ts';
import type { Callback, RunContext } from '../engine/run/callback.ts';
import type { MetricRecord, RunSummary } from '../engine/run/record.ts';
import { everySteps, type Schedule } from '../engine/run/schedule.ts';
import { appendLineAsync, writeFileAtomic, writeFileAtomicAsync, writeJson, writeNpy } from './files.ts';
import { encodeNpy } from '../engine/core/npy.ts';
import { WriteQueue } from './write-queue.ts';

/**
 * scene.json (docs/design.md §5.2). The simulation's description (`kind`, `dim`, `shape`,
 * `bounds`, `sphere`, `dt`, `methods`) is `SimulationInfo`'s, under the same names.
 */
export interface SceneRecord extends Pick<SimulationInfo, 'kind' | 'dim' | 'shape' | 'bounds' | 'sphere' | 'dt' | 'methods' | 'companion'> {
  scene: string;
  title: string;
  scene_file?: string;
  params: Record<string, number | string | boolean>;
  seed: number;
  /** Shape of the frames when they hold the scene's view of the state (e.g. network neurons' picture). */
  frame_shape?: number[];
  frame_layout?: string;
  steps: number;
  every: number;
  /** Steps between records that carry the scene's metrics (a multiple of `every`; absent: every record). */
  metrics_every?: number;
  checkpoint_every?: number;
  init?: string;
  wgflow_version: string;
  /** The user's request (`--backend ts|gpu|auto`). */
  backend: string;
  /** What the accelerator decided, once, before the first step: per hot loop its target, precision and threads. */
  accelerator?: AcceleratorRecord;
  /** The metric drawn beside the energy (plots, replays). */
  main_metric?: string;
  /** What the run loop computes when: each callback's name and schedule. */
  callbacks?: Record<string, string>;
  created: string;
}

/**
 * scene.json's `accelerator`: the platform and each loop's placement, precision and threads
 * (engine/core/accelerator.ts). The same command on the same platform writes the same record.
 */
export interface AcceleratorRecord {
  platform: string;
  loops: Record<string, LoopDecision>;
}

export function frameName(step: number): string {
  return `${String(step).padStart(6, '0')}.npy`;
}

/**
 * `mkdir -p` one level at a time: Node's `mkdirSync(…, { recursive: true })`
 * never returns for some paths under /proc (it retries ENOENT forever), so an
 * --out there would hang instead of failing with a clear message.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const m of missing) mkdirSync(m);
}

/** The state as a frame: particles as float32, grids as float64 (docs/design.md §5.2); the scene's view when it has one. */
function frameData(sim: Simulation): { data: Float32Array | Float64Array; shape: number[] } {
  const f = sim.frame();
  return { data: sim.info.kind === 'particles' ? Float32Array.from(f.data) : f.data.slice(), shape: f.shape };
}

/** Plots energy and the main metric of a run's records. */
export function energySvg(records: readonly MetricRecord[], title: string, mainMetric?: string): string {
  const t = records.map((r) => r.t);
  const series: Series[] = [{ label: 'energy', x: t, y: records.map((r) => r.energy) }];
  const metric = mainMetric ?? Object.keys(records[0] ?? {}).find((k) => !['step', 't', 'energy', 'energy_terms'].includes(k));
  // Metrics may be recorded at a lower rate than the energy (scene.json metrics_every): plot the records that have them.
  const withMetric = metric ? records.filter((r) => typeof r[metric] === 'number') : [];
  if (metric && withMetric.length) {
    const y = withMetric.map((r) => r[metric] as number);
    series.push({ label: metric, x: withMetric.map((r) => r.t), y, log: y.every((v) => v > 0) && Math.max(...y) / Math.min(...y) > 100 });
  }
  return lineChartsSvg(series, 't', title);
}

/**
 * The in-progress summary.json ('interrupted', the last record) is rewritten at the first
 * record and then at most this often: replacing a file by rename on ext4 waits for the new
 * file's data to reach the disk (auto_da_alloc), ~1 ms per record on a quiet disk, 0.1 s on
 * a busy one, and records come every step in the grid scenes (issue #19). metrics.jsonl and
 * the frames hold every record; a run that ends, or is stopped by a signal, writes its final
 * summary.json.
 */
const SUMMARY_PERIOD_MS = 1000;

/**
 * The callback that writes a run directory: scene.json at the start, a frame and a
 * metrics line per record (on its schedule: every `every` steps and the last),
 * summary.json at the first record and then at most every SUMMARY_PERIOD_MS (status
 * 'interrupted' until the run ends, so a killed run still leaves a valid directory). At the end: final.npy, energy.svg, and
 * summary.json with the final status last of all, so that a run whose summary says it
 * ended has all its files (a kill before that leaves it 'interrupted', and `--resume`
 * redoes the end).
 *
 * A record's files are written in order (frame, metrics line, in-progress summary) by a
 * WriteQueue, off the simulation's thread: the steps go on while the disk works; records
 * that wait are written together (writePending). The end
 * and a checkpoint (Checkpointer's `before`, cli/execute-run.ts) wait for them (`flush`),
 * so a checkpoint never points past records that are not on disk; a kill loses at most
 * the records still queued, and the directory stays valid ('interrupted', every line whole).
 */
export class RunDirWriter implements Callback {
  readonly name = 'run directory';
  readonly schedule: Schedule;
  private records: MetricRecord[];
  private readonly wallOffset: number;
  /** When the in-progress summary.json was last queued (ms; 0: not yet in this process). */
  private summaryWritten = 0;
  private readonly queue = new WriteQueue();
  /** Records encoded by `call` and not yet taken by a write (writePending). */
  private readonly pending: { files: [string, Uint8Array][]; line: string; summary: string | null }[] = [];

  constructor(
    readonly dir: string,
    readonly scene: SceneRecord,
    /** A resumed run: the records already in metrics.jsonl and the wall seconds spent before. */
    resume?: { records: MetricRecord[]; wallSeconds: number },
  ) {
    this.schedule = everySteps(scene.every);
    this.records = resume ? [...resume.records] : [];
    this.wallOffset = resume?.wallSeconds ?? 0;
  }

  start({ sim }: RunContext): void {
    if (!existsSync(join(this.dir, 'scene.json'))) writeJson(join(this.dir, 'scene.json'), this.scene);
    const ref = sim.reference();
    if (ref) writeNpy(join(this.dir, 'reference.npy'), ref.data, ref.shape);
    const w = sim.weights();
    if (w && w.some((v) => Math.abs(v - w[0]) > 1e-15)) writeNpy(join(this.dir, 'weights.npy'), w, [w.length]);
  }

  async call(ctx: RunContext): Promise<void> {
    const rec = ctx.record();
    if (this.records.length && this.records[this.records.length - 1].step === rec.step) return;
    // Everything a job writes is encoded now: the state moves on while the queue works.
    const frame = frameData(ctx.sim);
    const files: [string, Uint8Array][] = [[join(this.dir, 'frames', frameName(rec.step)), encodeNpy(frame.data, frame.shape)]];
    // A companion series (a comparison's particle cloud): <name>/NNNNNN.npy, float32 like particle frames.
    const c = ctx.sim.companion();
    if (c) files.push([join(this.dir, c.name, frameName(rec.step)), encodeNpy(Float32Array.from(c.data), c.shape)]);
    const line = JSON.stringify(rec);
    this.records.push(rec);
    const now = Date.now();
    let summary: string | null = null;
    if (now - this.summaryWritten >= SUMMARY_PERIOD_MS) {
      this.summaryWritten = now;
      summary = JSON.stringify({ status: 'interrupted', steps: rec.step, t: rec.t, wall_seconds: null, final: rec, message: 'run in progress or killed' }, null, 2) + '\n';
    }
    this.pending.push({ files, line, summary });
    // Every record queues a job; the first of them to run writes every record encoded by then
    // (writePending) and the others find nothing left.
    await this.queue.add(files.reduce((s, [, b]) => s + b.length, line.length), () => this.writePending());
  }

  /**
   * Writes the records encoded and not yet written, as one batch: their frames concurrently
   * (independent files), then their metrics lines in one append, then the newest in-progress
   * summary. The steps run on this thread and let the event loop turn only between them, so
   * each fs call of a record written alone waited for such a turn: a run of 200 records (mlp-
   * mean-field) left ~1200 calls for the end, run one after another with the thread idle
   * (0.16 s of a 1.0 s run, CPU profile). A line is still appended only once its frames are on
   * disk, and a failed frame leaves the batch's lines unwritten.
   */
  private async writePending(): Promise<void> {
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    const written = await Promise.allSettled(batch.flatMap((r) => r.files.map(([path, bytes]) => writeFileAtomicAsync(path, bytes))));
    const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    await appendLineAsync(join(this.dir, 'metrics.jsonl'), batch.map((r) => r.line + '\n').join(''));
    const summary = batch.map((r) => r.summary).filter((x): x is string => x !== null).pop();
    if (summary) await writeFileAtomicAsync(join(this.dir, 'summary.json'), summary);
  }

  /** Resolves once every queued record is on disk; throws a write's failure (WriteError). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  async end({ sim }: RunContext, summary: RunSummary): Promise<void> {
    await this.queue.flush();
    writeNpy(join(this.dir, 'final.npy'), sim.measure().slice(), sim.info.shape);
    const c = sim.companion();
    if (c) writeNpy(join(this.dir, `${c.name}_final.npy`), c.data.slice(), c.shape);
    writeFileAtomic(join(this.dir, 'energy.svg'), energySvg(this.records, `${this.scene.scene}: ${summary.status}`, this.scene.main_metric ?? sim.info.mainMetric));
    // A resumed run counts the wall time spent before, and reports the record
    // written before the checkpoint when it ends there (same bits as uninterrupted).
    const last = this.records[this.records.length - 1];
    const final = last && last.step === summary.steps ? last : summary.final;
    writeJson(join(this.dir, 'summary.json'), { ...summary, wall_seconds: this.wallOffset + summary.wall_seconds, final });
  }
}
