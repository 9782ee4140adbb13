/** One line of metrics.jsonl (docs/design.md §5.2). */
export interface MetricRecord {
  step: number;
  t: number;
  energy: number;
  energy_terms: Record<string, number>;
  /** Scene metrics, flat. */
  [metric: string]: number | Record<string, number>;
}

/**
 * How a run ended: 'ok' (all steps), 'diverged' (non-finite state or exploding energy),
 * 'interrupted' (stopped on request, or still running / killed: resumable), 'error' (a
 * step threw; the message says what; resumable from the last checkpoint).
 */
export type RunStatus = 'ok' | 'diverged' | 'interrupted' | 'error';

/** A parameter change that would help, for front ends to phrase (CLI: --set dt=…; viewer: a button in the panel). */
export interface RunHint {
  param: string;
  value: number;
  /** What went wrong, without any front end's phrasing of the remedy. */
  cause?: string;
}

/** summary.json's `timing`, in seconds. */
export interface RunTiming {
  steps_seconds: number;
  records_seconds: number;
  outputs_seconds: number;
}

/** summary.json (docs/design.md §5.2). */
export interface RunSummary {
  status: RunStatus;
  /** Steps completed. */
  steps: number;
  t: number;
  wall_seconds: number;
  final: MetricRecord | null;
  /**
   * Where this process's wall time went (a resumed run: since the resume): the scheme's
   * steps, the records (energy and metrics at the recorded steps), and the rest of the
   * callbacks (guards, frames and files, checkpoints, progress). Wall time, so it varies
   * from run to run; records_seconds / wall_seconds is what recording costs.
   */
  timing?: RunTiming;
  /** Why the run stopped early, with a hint (diverged, interrupted, error). */
  message?: string;
  diverged_step?: number;
  hint?: RunHint;
  /** Everything the run warned about on stderr (build-time limits, unconverged steps), each once. */
  warnings?: string[];
  /**
   * For schemes with an inner solver (grid JKO steps): whether every step converged.
   * A run with unconverged steps still ends 'ok' (docs: grid engine); these fields say how bad.
   */
  converged?: boolean;
  unconverged_steps?: number;
  /** Largest residual of an unconverged step, its step and the tolerance it missed. */
  worst_residual?: number;
  worst_residual_step?: number;
  residual_tolerance?: number;
}
