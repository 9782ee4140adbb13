/** One line of metrics.jsonl (DESIGN §5.2). */
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

/** summary.json (DESIGN §5.2). */
export interface RunSummary {
  status: RunStatus;
  /** Steps completed. */
  steps: number;
  t: number;
  wall_seconds: number;
  final: MetricRecord | null;
  /** Why the run stopped early, with a hint (diverged, interrupted, error). */
  message?: string;
  diverged_step?: number;
}
