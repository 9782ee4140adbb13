import type { Simulation } from '../core/simulation.ts';
import type { RunSummary } from './record.ts';

/**
 * What a run warns about, where the user looks (issue #11, "never silently wrong"):
 * the limits a simulation states when it is built (`info.warnings`) and every step that
 * ends unconverged (`health()`). The first unconverged step is reported at once, with its
 * step, residual and hint; later ones are counted and summed up when the run ends, so a
 * long run does not flood stderr. The summary gets `warnings`, `converged` and, when some
 * step missed its tolerance, `unconverged_steps`, `worst_residual` (+ step, tolerance).
 *
 * Decision (README, grid engine): an unconverged step does not stop the run. The state
 * stays a valid density (the JKO step conserves mass exactly), and a tolerance missed by
 * a little is common and harmless; the run ends 'ok' with these warnings and fields.
 */
export class HealthLog {
  readonly warnings: string[] = [];
  private checked = false;
  private unconverged = 0;
  private worst = -Infinity;
  private worstStep = -1;
  private tolerance = NaN;
  private label = 'residual';

  constructor(private readonly warn: (message: string) => void) {}

  private say(message: string): void {
    this.warnings.push(message);
    this.warn(`wgf: warning: ${message}`);
  }

  /** Build-time limits of the simulation (called once, at the start of the run). */
  start(sim: Simulation): void {
    for (const w of sim.info.warnings ?? []) this.say(w);
  }

  /** After each step. */
  afterStep(sim: Simulation): void {
    const h = sim.health?.();
    if (!h) return;
    this.checked = true;
    if (h.converged) return;
    this.unconverged++;
    this.tolerance = h.tolerance;
    this.label = h.label ?? this.label;
    // A NaN residual counts as the worst (it is not below any tolerance).
    if (!(h.residual <= this.worst)) {
      this.worst = h.residual;
      this.worstStep = sim.step;
    }
    if (this.unconverged === 1) {
      this.say(`step ${sim.step} (t=${sim.t.toPrecision(4)}) did not converge: ${this.label} ${fmt(h.residual)} ≥ tol ${fmt(h.tolerance)}${h.hint ? `; ${h.hint}` : ''}`);
    }
  }

  /** Adds the run's health to its summary (and says on stderr how many steps missed). */
  finish(summary: RunSummary, stepsRun: number): void {
    if (this.unconverged > 1 || (this.unconverged === 1 && stepsRun > 1)) {
      this.say(`${this.unconverged} of ${stepsRun} steps did not converge (worst ${this.label} ${fmt(this.worst)} at step ${this.worstStep}, tol ${fmt(this.tolerance)}); the run went on, its states are approximate steps of the scheme`);
    }
    if (this.warnings.length) summary.warnings = [...this.warnings];
    if (!this.checked) return;
    summary.converged = this.unconverged === 0;
    if (this.unconverged) {
      summary.unconverged_steps = this.unconverged;
      summary.worst_residual = this.worst;
      summary.worst_residual_step = this.worstStep;
      summary.residual_tolerance = this.tolerance;
    }
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) && Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(3);
}
