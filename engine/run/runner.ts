import { DivergenceError, type Simulation } from '../core/simulation.ts';
import type { MetricRecord, RunSummary } from './record.ts';

/**
 * Observers of a run, called on schedules by the run loop (the loop owns the
 * clock; outputs, progress and streams are observers, never edits of the loop).
 */
export interface RunObserver {
  onStart?(sim: Simulation, first: MetricRecord): void | Promise<void>;
  /** Every `every` steps and at the last step, with the state at that step. */
  onRecord?(rec: MetricRecord, sim: Simulation): void | Promise<void>;
  /** Every `checkpointEvery` steps. */
  onCheckpoint?(sim: Simulation): void | Promise<void>;
  /** After every step (cheap observers only: progress bars). */
  onStep?(sim: Simulation): void;
  onEnd?(summary: RunSummary, sim: Simulation): void | Promise<void>;
}

export interface RunOptions {
  /** Step index to stop at (total, counted from step 0 of the run). */
  steps: number;
  every: number;
  checkpointEvery?: number;
  observers?: RunObserver[];
  /** Polled between steps; returning true ends the run as 'interrupted'. */
  shouldStop?: () => boolean;
  /**
   * Energy at step 0 of the whole run, the baseline of the explosion check; a resumed
   * run passes the one it recorded, so that it stops exactly where an uninterrupted run would.
   */
  initialEnergy?: number;
  /** A wall-clock source (performance.now() by default). */
  now?: () => number;
}

/** Energy growth beyond this factor of the start marks a gradient flow as exploding. */
const EXPLOSION_FACTOR = 1e6;

export function recordOf(sim: Simulation): MetricRecord {
  const e = sim.energy();
  return { step: sim.step, t: sim.t, energy: e.total, energy_terms: e.terms, ...sim.metrics() };
}

function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((r) => setImmediate(r)) : () => new Promise((r) => setTimeout(r, 0));

/**
 * Runs `sim` from its current step to `opts.steps`, recording every `every`
 * steps. Stops with status 'diverged' (and a hint) when the state becomes
 * non-finite or a gradient flow's energy explodes; 'interrupted' when
 * `shouldStop` says so; 'error' with the message when a step throws (errors of
 * observers, such as a full disk, propagate). Yields to the event loop every ~50 ms so that signals,
 * sockets and UIs stay responsive.
 */
export async function runSimulation(sim: Simulation, opts: RunOptions): Promise<RunSummary> {
  const now = opts.now ?? (() => performance.now());
  const observers = opts.observers ?? [];
  const started = now();
  let last = recordOf(sim);
  const e0 = opts.initialEnergy ?? last.energy;
  for (const o of observers) await o.onStart?.(sim, last);
  if (sim.step === 0 || sim.step % opts.every === 0) for (const o of observers) await o.onRecord?.(last, sim);

  const finish = async (status: RunSummary['status'], message?: string, divergedStep?: number): Promise<RunSummary> => {
    const summary: RunSummary = { status, steps: sim.step, t: sim.t, wall_seconds: (now() - started) / 1000, final: last };
    if (message) summary.message = message;
    if (divergedStep !== undefined) summary.diverged_step = divergedStep;
    for (const o of observers) await o.onEnd?.(summary, sim);
    return summary;
  };

  let lastYield = now();
  while (sim.step < opts.steps) {
    if (opts.shouldStop?.()) return finish('interrupted', `interrupted at step ${sim.step}; resume with --resume if checkpoints were written`);
    try {
      const before = sim.step;
      try {
        sim.advance();
      } catch (err) {
        if (err instanceof DivergenceError) throw err;
        // A step that throws ends the run with its message (not as if it had been stopped).
        return finish('error', `step ${before + 1} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
      const bad = firstNonFinite(sim.state());
      if (bad >= 0) throw new DivergenceError(sim.step, `state became non-finite at step ${sim.step} (t=${sim.t.toPrecision(4)})`);
      for (const o of observers) o.onStep?.(sim);
      const recordNow = sim.step % opts.every === 0 || sim.step === opts.steps;
      if (recordNow) {
        const rec = recordOf(sim);
        if (!Number.isFinite(rec.energy)) throw new DivergenceError(sim.step, `energy became non-finite at step ${sim.step} (t=${sim.t.toPrecision(4)})`);
        if (sim.info.gradientFlow && rec.energy - e0 > EXPLOSION_FACTOR * (1 + Math.abs(e0))) {
          throw new DivergenceError(sim.step, `energy exploded at step ${sim.step} (t=${sim.t.toPrecision(4)}): ${rec.energy.toPrecision(4)} from ${e0.toPrecision(4)}`);
        }
        last = rec;
        for (const o of observers) await o.onRecord?.(rec, sim);
      }
      if (opts.checkpointEvery && sim.step % opts.checkpointEvery === 0) for (const o of observers) await o.onCheckpoint?.(sim);
    } catch (err) {
      if (err instanceof DivergenceError) {
        const hint = `try a smaller dt (now ${sim.info.dt}), e.g. --set dt=${sim.info.dt / 4}`;
        return finish('diverged', `${err.message}; ${hint}`, err.step);
      }
      throw err;
    }
    if (now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = now();
    }
  }
  return finish('ok');
}
