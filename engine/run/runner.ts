import { DivergenceError, type Simulation, type StepReport } from '../core/simulation.ts';
import type { StateRecord } from '../core/state-record.ts';
import type { Callback, RunContext, RunnerStateLike, Stop } from './callback.ts';
import { energyGrowthGuard, nonFiniteGuard, solverGuard } from './guards.ts';
import type { MetricRecord, RunSummary } from './record.ts';
import type { Clock, Schedule } from './schedule.ts';

/**
 * The run loop's own state, saved in checkpoints beside the scheme state: the clock
 * (t = anchorT + (step − anchorStep)·dt while every step takes τ = dt), the warnings
 * raised so far and each callback's saved state, by name.
 */
export type RunnerState = RunnerStateLike;

/** What a Runner calls after each step, and how records are scheduled. */
export interface RunnerOptions {
  /** Outputs, called after the guards (writer, checkpointer, stream, progress). */
  outputs?: Callback[];
  /**
   * Guards, called first after each step; a guard returning a Stop ends the run and the
   * outputs are not called for that step. Default: `standardGuards(recordSchedule)`.
   */
  guards?: Callback[];
  /** The schedule on which records (energy, metrics) are made; the energy guard follows it. */
  recordSchedule?: Schedule;
  /**
   * When a record also carries the scene's metrics (default: every record). Metrics that
   * cost several steps (sorts of sliced distances, cluster counts over all pairs) are
   * computed at a lower rate than the energy, which DESIGN.md §1.1 wants at every record;
   * a record made when this is not due holds step, t, energy and energy terms only.
   */
  metricSchedule?: Schedule;
  /** Where warnings go as they are raised (stderr in the CLI); they are also kept for the summary. */
  onWarning?: (message: string) => void;
  /** Continue a checkpointed run. */
  resume?: RunnerState;
  /** Wall clock in ms (default performance.now), injectable for tests. */
  now?: () => number;
}

/** The default guards: non-finite state, energy growth (gradient flows), solver convergence. */
export function standardGuards(recordSchedule: Schedule): Callback[] {
  return [nonFiniteGuard(), energyGrowthGuard(recordSchedule), solverGuard()];
}

/**
 * The record of a state at (step, t): energy, energy terms and (unless `withMetrics` is
 * false) the scene's metrics (a metrics.jsonl line).
 */
export function recordOf(sim: Simulation, step: number, t: number, withMetrics = true): MetricRecord {
  const e = sim.energy();
  return { step, t, energy: e.total, energy_terms: e.terms, ...(withMetrics ? sim.metrics(t) : {}) };
}

const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((r) => setImmediate(r)) : () => new Promise((r) => setTimeout(r, 0));

/**
 * The run loop: it owns the clock (step, t) and calls guards then outputs on their
 * schedules after every step (Oceananigans' `run!` with callbacks). One Runner lives as
 * long as its run: the viewer pauses, resumes and single-steps it without losing the
 * guards' state (the energy baseline is taken once, at step 0).
 *
 *     const runner = new Runner(sim, { outputs: [writer, checkpointer] });
 *     const summary = await runner.run(steps, shouldStop);
 *
 * A step that throws a DivergenceError ends the run 'diverged'; any other error ends it
 * 'error' with the message; `shouldStop` ends it 'interrupted'. The loop yields to the
 * event loop every ~50 ms so that signals, sockets and UIs stay responsive.
 */
export class Runner {
  readonly sim: Simulation;
  step = 0;
  t = 0;
  private tPrev = 0;
  private anchorStep = 0;
  private anchorT = 0;
  private target = 0;
  private lastStep: StepReport | null = null;
  private readonly guards: Callback[];
  private readonly outputs: Callback[];
  private readonly warnings: string[] = [];
  private cached: MetricRecord | null = null;
  private lastRecord: MetricRecord | null = null;
  private started = false;
  private startWall = 0;
  private readonly now: () => number;
  /** Wall time in the scheme's steps, in records (energy and metrics) and in the callbacks around them, ms. */
  private readonly spent = { steps: 0, records: 0, callbacks: 0 };

  constructor(
    sim: Simulation,
    private readonly opts: RunnerOptions = {},
  ) {
    this.sim = sim;
    this.now = opts.now ?? (() => performance.now());
    this.outputs = opts.outputs ?? [];
    this.guards = opts.guards ?? standardGuards(opts.recordSchedule ?? { label: 'never', due: () => false });
    const r = opts.resume;
    if (r) {
      this.step = r.step;
      this.t = this.tPrev = r.t;
      this.anchorStep = r.anchorStep;
      this.anchorT = r.anchorT;
      this.warnings.push(...r.warnings);
      for (const cb of this.callbacks()) if (cb.restore && r.callbacks[cb.name]) cb.restore(r.callbacks[cb.name]);
    }
  }

  private callbacks(): Callback[] {
    return [...this.guards, ...this.outputs];
  }

  /** The clock, the warnings and every callback's state: what a checkpoint keeps besides the scheme state. */
  save(): RunnerState {
    const callbacks: RunnerState['callbacks'] = {};
    for (const cb of this.callbacks()) if (cb.save) callbacks[cb.name] = cb.save();
    return { step: this.step, t: this.t, anchorStep: this.anchorStep, anchorT: this.anchorT, warnings: [...this.warnings], callbacks };
  }

  /** What the callbacks see. */
  private context(start: boolean): RunContext {
    const runner = this;
    const clock: Clock = { step: this.step, t: this.t, tPrev: this.tPrev, start, final: this.step >= this.target };
    return {
      sim: this.sim,
      step: this.step,
      t: this.t,
      clock,
      lastStep: start ? null : this.lastStep,
      record() {
        if (!runner.cached) {
          const t0 = runner.now();
          runner.cached = recordOf(runner.sim, runner.step, runner.t, runner.opts.metricSchedule?.due(clock) ?? true);
          runner.spent.records += runner.now() - t0;
        }
        return runner.cached;
      },
      recorded: () => runner.cached,
      warn(message: string) {
        if (runner.warnings.includes(message)) return;
        runner.warnings.push(message);
        runner.opts.onWarning?.(message);
      },
      checkpoint() {
        return { run: runner.save(), state: runner.sim.snapshot() as unknown as StateRecord };
      },
    };
  }

  /** Calls the due guards then outputs; returns a guard's Stop. */
  private async tick(start: boolean): Promise<Stop | null> {
    const t0 = this.now();
    try {
      return await this.tickInner(start);
    } finally {
      this.spent.callbacks += this.now() - t0;
    }
  }

  private async tickInner(start: boolean): Promise<Stop | null> {
    this.cached = null;
    const ctx = this.context(start);
    for (const g of this.guards) {
      if (!g.schedule.due(ctx.clock)) continue;
      const stop = await g.call(ctx);
      if (stop) return stop;
    }
    for (const o of this.outputs) if (o.schedule.due(ctx.clock)) await o.call(ctx);
    if (!this.cached && this.opts.recordSchedule?.due(ctx.clock)) ctx.record();
    if (this.cached) this.lastRecord = this.cached;
    return null;
  }

  /** Calls every callback's start, then the tick of the start (step 0 records, resumed runs re-record nothing new). */
  async start(): Promise<Stop | null> {
    if (this.started) return null;
    this.started = true;
    this.startWall = this.now();
    this.cached = null;
    const ctx = this.context(true);
    // Limits the simulation stated when it was built (e.g. a biased default): said once.
    for (const w of this.sim.info.warnings ?? []) ctx.warn(w);
    const t0 = this.now();
    for (const cb of this.callbacks()) await cb.start?.(ctx);
    this.spent.callbacks += this.now() - t0;
    return this.tick(true);
  }

  /** One step of the scheme and the clock, then the callbacks; a thrown error becomes a Stop. */
  private async stepOnceInner(): Promise<Stop | null> {
    let report: StepReport;
    const t0 = this.now();
    try {
      report = this.sim.advance();
      this.spent.steps += this.now() - t0;
    } catch (e) {
      const step = this.step + 1;
      if (e instanceof DivergenceError) return { status: 'diverged', step, message: e.message, hint: { param: 'dt', value: this.sim.info.dt / 4 } };
      return { status: 'error', step, message: `step ${step} failed: ${(e as Error).message?.split('\n')[0] ?? String(e)}` };
    }
    this.lastStep = report;
    this.tPrev = this.t;
    this.step++;
    const dt = this.sim.info.dt;
    if (report.tau === dt) {
      // k·dt from the anchor, not a running sum: no round-off drift over long runs.
      this.t = this.anchorT + (this.step - this.anchorStep) * dt;
    } else {
      // A step of another size (backtracking): time is summed from here on, re-anchored.
      this.t += report.tau;
      this.anchorStep = this.step;
      this.anchorT = this.t;
    }
    return this.tick(false);
  }

  /**
   * Steps until `until` (a total step count) or until `shouldStop` says so (checked
   * between steps) or a guard stops the run. Returns null when `until` was reached or
   * `shouldStop` ended the call (then `stopped` is true), else the guard's Stop.
   */
  async advance(until: number, shouldStop?: () => boolean): Promise<{ stop: Stop | null; stopped: boolean }> {
    this.target = until;
    const first = await this.start();
    if (first) return { stop: first, stopped: false };
    let lastYield = this.now();
    while (this.step < until) {
      if (shouldStop?.()) return { stop: null, stopped: true };
      const stop = await this.stepOnceInner();
      if (stop) return { stop, stopped: false };
      if (this.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = this.now();
      }
    }
    return { stop: null, stopped: false };
  }

  /** Exactly one step (the viewer's Step button). */
  async stepOnce(): Promise<Stop | null> {
    return (await this.advance(this.step + 1)).stop;
  }

  /** Ends the run: calls every callback's end with the summary (guards first), and returns it. */
  async finish(stop: Stop | null, interruptedMessage?: string): Promise<RunSummary> {
    const status = stop ? stop.status : interruptedMessage ? 'interrupted' : 'ok';
    const summary: RunSummary = {
      status,
      steps: this.step,
      t: this.t,
      wall_seconds: (this.now() - this.startWall) / 1000,
      final: this.lastRecord,
      timing: {
        steps_seconds: this.spent.steps / 1000,
        records_seconds: this.spent.records / 1000,
        outputs_seconds: (this.spent.callbacks - this.spent.records) / 1000,
      },
    };
    const message = stop?.message ?? interruptedMessage;
    if (message) summary.message = stop?.hint ? `${message}; try a smaller ${stop.hint.param} (now ${this.sim.info.dt}), e.g. --set ${stop.hint.param}=${stop.hint.value}` : message;
    if (stop?.status === 'diverged' && stop.step !== undefined) summary.diverged_step = stop.step;
    if (stop?.hint) summary.hint = stop.hint;
    this.cached = null;
    const ctx = this.context(false);
    // Guards first: they may add warnings and fields that the outputs then write.
    for (const g of this.guards) await g.end?.(ctx, summary);
    if (this.warnings.length) summary.warnings = [...this.warnings];
    for (const o of this.outputs) await o.end?.(ctx, summary);
    return summary;
  }

  /** start + advance to `steps` + finish: a whole headless run. */
  async run(steps: number, shouldStop?: () => boolean): Promise<RunSummary> {
    const { stop, stopped } = await this.advance(steps, shouldStop);
    return this.finish(stop, stopped ? `interrupted at step ${this.step}; resume with --resume if checkpoints were written` : undefined);
  }
}
