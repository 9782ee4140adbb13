/** One line of metrics.jsonl (DESIGN §5.2). */
export interface MetricRecord {
  step: number;
  t: number;
  energy: number;
  energy_terms: Record<string, number>;
  /** Scene metrics, flat. */
  [metric: string]: number | Record<string, number>;
}

export type RunStatus = 'ok' | 'diverged' | 'interrupted';

/** summary.json (DESIGN §5.2). */
export interface RunSummary {
  status: RunStatus;
  /** Steps completed. */
  steps: number;
  t: number;
  wall_seconds: number;
  final: MetricRecord | null;
  /** Why the run stopped early, with a hint (diverged, interrupted). */
  message?: string;
  diverged_step?: number;
  /**
   * A diverged run's remedy as data, for UIs that are not the CLI (the viewer says
   * "lower dt to `value`" next to its parameter field): `cause` is the message without
   * the command-line suggestion.
   */
  hint?: { param: 'dt'; value: number; cause: string };
}
