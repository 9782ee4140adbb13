import type { Simulation, StepReport } from '../core/simulation.ts';
import type { StateRecord } from '../core/state-record.ts';
import type { MetricRecord, RunHint, RunStatus, RunSummary } from './record.ts';
import type { Clock, Schedule } from './schedule.ts';

/** What a callback sees of the run when it is called. */
export interface RunContext {
  readonly sim: Simulation;
  readonly step: number;
  readonly t: number;
  readonly clock: Readonly<Clock>;
  /** The report of the step just taken (null at the start of a run). */
  readonly lastStep: StepReport | null;
  /** The energy and metrics at this step, computed at most once per step whoever asks. */
  record(): MetricRecord;
  /** The record of this step if some callback already asked for it, else null (never computes). */
  recorded(): MetricRecord | null;
  /** Raises a warning: sent to the run's warning sink (stderr) and kept for summary.json, each text once. */
  warn(message: string): void;
  /** A checkpoint of this instant: the run loop's state and a copy of the scheme's state record. */
  checkpoint(): { run: RunnerStateLike; state: StateRecord };
}

/** The run loop's state in a checkpoint (runner.ts RunnerState). */
export interface RunnerStateLike {
  step: number;
  t: number;
  anchorStep: number;
  anchorT: number;
  warnings: string[];
  callbacks: Record<string, Record<string, number | null>>;
}

/** A guard's verdict that ends the run. */
export interface Stop {
  status: Exclude<RunStatus, 'ok'>;
  message: string;
  /** The step at which the run went wrong (diverged, error). */
  step?: number;
  hint?: RunHint;
}

/**
 * Anything the run loop calls on a schedule: a guard (non-finite state, energy growth,
 * solver convergence), which may end the run by returning a Stop, or an output (the
 * run-directory writer, the checkpointer, the viewer stream, a progress bar). Adding an
 * output is adding a callback, never editing the loop.
 */
export interface Callback {
  /** Named in scene.json with its schedule. */
  readonly name: string;
  readonly schedule: Schedule;
  /** Once, when the run (or a resumed session of it) starts, before the first tick. */
  start?(ctx: RunContext): void | Promise<void>;
  /** When the schedule is due: after a step, or at the start. */
  call(ctx: RunContext): void | Stop | undefined | Promise<void | Stop | undefined>;
  /** Once, when the run ends (any status), with its summary. */
  end?(ctx: RunContext, summary: RunSummary): void | Promise<void>;
  /** State to keep in a checkpoint (e.g. a guard's baseline), restored by `restore`. */
  save?(): Record<string, number | null>;
  /** Restores what `save` returned, when a run resumes from a checkpoint. */
  restore?(s: Record<string, number | null>): void;
}
