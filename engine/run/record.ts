/** One line of metrics.jsonl (docs/design.md §5.2). */
export interface MetricRecord {
  step: number;
  t: number;
  energy: number;
  energy_terms: Record<string, number>;
  /** Scene metrics, flat. */
  [metric: string]: number | Record<string, number>;
}

/** How a run ended: 'error' when a step threw something other than a divergence. */
export type RunStatus = 'ok' | 'diverged' | 'interrupted' | 'error';

/** A parameter change that would help, for front ends to phrase (CLI: --set dt=…; viewer: a button in the panel). */
export interface RunHint {
  param: string;
  value: number;
  /** What went wrong, without any front end's phrasing of the remedy. */
  cause?: string;
}

/** summary.json (docs/design.md §5.2). */
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
  hint?: RunHint;
  /** Warnings raised during the run (unconverged solver steps, ...), each once. */
  warnings?: string[];
  /** The inner solver of implicit steps over the whole run (JKO schemes). */
  solver?: { name: string; unconverged_steps: number; worst_residual: number; tolerance: number; first_unconverged_step: number | null };
}
