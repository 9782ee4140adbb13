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
 * Watches the inner solver of implicit steps (a JKO step's Sinkhorn loop): a step whose
 * solver ends unconverged is said at once (one warning, with the step and a hint) and
 * counted; the summary records how many and the worst residual. The run goes on (the
 * state stays a valid measure: mass is conserved by construction) but does not end
 * silently 'ok'.
 */
export function solverGuard(): Callback {
  let name = '', unconverged = 0, worst = 0, tolerance = 0;
  let first: number | null = null;
  let seen = false;
  return {
    name: 'solver convergence',
    schedule: eachStep,
    call(ctx) {
      const s = ctx.lastStep?.solver;
      if (!s) return;
      seen = true;
      name = s.name;
      tolerance = s.tolerance;
      if (s.converged) return;
      unconverged++;
      worst = Math.max(worst, s.residual);
      if (first === null) {
        first = ctx.step;
        ctx.warn(
          `step ${ctx.step}: the ${s.name} solver did not converge in ${s.iterations} iterations (residual ${s.residual.toPrecision(3)} > tolerance ${s.tolerance}); ` +
            `the run goes on and summary.json counts such steps. Try a smaller dt, a larger eps, or more iterations`,
        );
      }
    },
    end(_ctx, summary: RunSummary) {
      if (seen) summary.solver = { name, unconverged_steps: unconverged, worst_residual: worst, tolerance, first_unconverged_step: first };
    },
    save: () => ({ unconverged, worst, first }),
    restore(s) {
      unconverged = Number(s.unconverged ?? 0);
      worst = Number(s.worst ?? 0);
      first = typeof s.first === 'number' ? s.first : null;
    },
  };
}
