/**
 * When a callback of the run loop fires (Oceananigans' schedules): every k steps, every
 * T units of simulated time, or at most r times per second of wall clock. The loop
 * asks `due` after every step (and once at the start of a run, with `start`).
 */
export interface Clock {
  step: number;
  t: number;
  /** Time before the step just taken (equal to t at the start). */
  tPrev: number;
  /** The run's first tick (before any step of this session). */
  start: boolean;
  /** The last step the run was asked to reach. */
  final: boolean;
}

/** When a callback runs: every k steps, every T of time, at most hz times per wall-clock second. */
export interface Schedule {
  /** Said in scene.json: what is computed when. */
  readonly label: string;
  /** Whether the callback runs at this clock. */
  due(c: Clock): boolean;
}

/** Every k steps (step % k === 0), and at the final step unless `final` is false. */
export function everySteps(k: number, opts: { final?: boolean } = {}): Schedule {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`a step schedule needs a positive integer period; got ${k}`);
  const final = opts.final ?? true;
  return { label: k === 1 ? 'every step' : `every ${k} steps${final ? ' and the last' : ''}`, due: (c) => c.step % k === 0 || (final && c.final && !c.start) };
}

/** After every step (and at the start). */
export const eachStep: Schedule = { label: 'every step', due: () => true };

/** Whenever simulated time crosses a multiple of T (and at the start). */
export function everyTime(T: number): Schedule {
  if (!(T > 0)) throw new Error(`a time schedule needs a positive period; got ${T}`);
  // A crossing within round-off of a multiple counts (t = k·T computed as a sum of steps).
  const slot = (t: number) => Math.floor(t / T + 1e-9);
  return { label: `every t = ${T}`, due: (c) => c.start || slot(c.t) > slot(c.tPrev) };
}

/** At most `hz` times per wall-clock second (progress bars, viewer streams). */
export function wallClock(hz: number, now: () => number = () => performance.now()): Schedule {
  if (!(hz > 0)) throw new Error(`a wall-clock schedule needs a positive rate; got ${hz}`);
  let last = -Infinity;
  return {
    label: `at most ${hz}/s of wall time`,
    due: (c) => {
      const t = now();
      if (!c.start && !c.final && t - last < 1000 / hz) return false;
      last = t;
      return true;
    },
  };
}

/** Due when any of the schedules is. */
export function anyOf(...schedules: Schedule[]): Schedule {
  return { label: schedules.map((s) => s.label).join(' or '), due: (c) => schedules.some((s) => s.due(c)) };
}
