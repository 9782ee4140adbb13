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
  /** Everything the run warned about on stderr (build-time limits, unconverged steps). */
  warnings?: string[];
  /**
   * For simulations that report step health (grid JKO steps): whether every step converged.
   * A run with unconverged steps still ends 'ok' (README, grid engine); these fields say how bad.
   */
  converged?: boolean;
  unconverged_steps?: number;
  /** Largest residual of an unconverged step, its step and the tolerance it missed. */
  worst_residual?: number;
  worst_residual_step?: number;
  residual_tolerance?: number;
}
