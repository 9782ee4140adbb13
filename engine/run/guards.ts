import { firstNonFinite } from '../core/finite.ts';
import type { Callback, RunContext, Stop } from './callback.ts';
import type { RunSummary } from './record.ts';
import { eachStep, type Schedule } from './schedule.ts';

/** A diverged run's hint: a quarter of the step size. */
function smallerDt(ctx: RunContext): Pick<Stop, 'hint'> {
  const dt = ctx.sim.info.dt;
  return { hint: { param: 'dt', value: dt / 4 } };
}

/** Stops the run when the measure (positions or masses) holds a NaN or ±∞ (every step). */
export function nonFiniteGuard(): Callback {
  return {
    name: 'non-finite state',
    schedule: eachStep,
    call(ctx) {
      if (ctx.lastStep === null) return;
      if (firstNonFinite(ctx.sim.measure()) < 0) return;
      return { status: 'diverged', step: ctx.step, message: `state became non-finite at step ${ctx.step} (t=${ctx.t.toPrecision(4)})`, ...smallerDt(ctx) };
    },
  };
}

/** Energy growth beyond this factor of the start marks a gradient flow as exploding. */
export const EXPLOSION_FACTOR = 1e6;

/**
 * For gradient flows, stops the run when the recorded energy is non-finite or has grown
 * by more than EXPLOSION_FACTOR·(1 + |E₀|) over its value at step 0 (on the record
 * schedule: the energy is computed there anyway). Non-gradient dynamics (attention) are
 * not stopped by their energy: an overflow there is recorded, and divergence means a
 * non-finite state. The baseline E₀ travels in checkpoints, so a resumed run stops
 * exactly where an uninterrupted one would.
 */
export function energyGrowthGuard(schedule: Schedule): Callback {
  let e0: number | null = null;
  return {
    name: 'energy growth',
    schedule,
    start(ctx) {
      if (e0 === null && ctx.sim.info.gradientFlow) e0 = ctx.record().energy;
    },
    call(ctx) {
      if (!ctx.sim.info.gradientFlow || ctx.lastStep === null) return;
      const e = ctx.record().energy;
      const where = `at step ${ctx.step} (t=${ctx.t.toPrecision(4)})`;
      if (!Number.isFinite(e)) return { status: 'diverged', step: ctx.step, message: `energy became non-finite ${where}`, ...smallerDt(ctx) };
      const base = e0 ?? e;
      if (e - base > EXPLOSION_FACTOR * (1 + Math.abs(base))) {
        return { status: 'diverged', step: ctx.step, message: `energy exploded ${where}: ${e.toPrecision(4)} from ${base.toPrecision(4)}`, ...smallerDt(ctx) };
      }
    },
    save: () => ({ e0 }),
    restore(s) {
      e0 = typeof s.e0 === 'number' ? s.e0 : null;
    },
  };
}

/**
 * Watches the inner solver of implicit steps (a JKO step's Sinkhorn loop): the first step
 * whose solver ends unconverged is said at once (with its step, residual and the scheme's
 * hint); later ones are counted and summed up when the run ends, so a long run does not
 * flood stderr. The summary gets `converged` and, when some step missed its tolerance,
 * `unconverged_steps`, `worst_residual` (+ its step) and `residual_tolerance`.
 *
 * Decision (docs: grid engine): an unconverged step does not stop the run. The state stays
 * a valid density (the JKO step ends on a mass-exact update), and a tolerance missed by a
 * little is common and harmless; the run ends 'ok' with these warnings and fields.
 * Divergence (non-finite values) is a different thing and stops the run.
 */
export function solverGuard(): Callback {
  let checked = 0, unconverged = 0, worst = -Infinity, worstStep = -1, tolerance = NaN;
  let label = 'residual';
  return {
    name: 'solver convergence',
    schedule: eachStep,
    call(ctx) {
      const s = ctx.lastStep?.solver;
      if (!s) return;
      checked++;
      if (s.converged) return;
      unconverged++;
      tolerance = s.tolerance;
      label = s.label ?? `${s.name} residual`;
      // A NaN residual counts as the worst (it is not below any tolerance).
      if (!(s.residual <= worst)) {
        worst = s.residual;
        worstStep = ctx.step;
      }
      if (unconverged === 1) {
        ctx.warn(`step ${ctx.step} (t=${ctx.t.toPrecision(4)}) did not converge: ${label} ${fmt(s.residual)} ≥ tol ${fmt(s.tolerance)}${s.hint ? `; ${s.hint}` : ''}`);
      }
    },
    end(ctx, summary: RunSummary) {
      if (!checked) return;
      if (unconverged > 1 || (unconverged === 1 && checked > 1)) {
        ctx.warn(`${unconverged} of ${checked} steps did not converge (worst ${label} ${fmt(worst)} at step ${worstStep}, tol ${fmt(tolerance)}); the run went on, its states are approximate steps of the scheme`);
      }
      summary.converged = unconverged === 0;
      if (unconverged) {
        summary.unconverged_steps = unconverged;
        summary.worst_residual = worst;
        summary.worst_residual_step = worstStep;
        summary.residual_tolerance = tolerance;
      }
    },
    save: () => ({ checked, unconverged, worst: Number.isFinite(worst) ? worst : null, worstStep, tolerance: Number.isFinite(tolerance) ? tolerance : null }),
    restore(s) {
      checked = Number(s.checked ?? 0);
      unconverged = Number(s.unconverged ?? 0);
      worst = typeof s.worst === 'number' ? s.worst : -Infinity;
      worstStep = Number(s.worstStep ?? -1);
      tolerance = typeof s.tolerance === 'number' ? s.tolerance : NaN;
    },
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) && Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(3);
}
