import { decodeNpy, encodeNpy } from '../engine/core/npy.ts';
import type { Simulation } from '../engine/core/simulation.ts';
import { joinState, splitState, type StateRecord } from '../engine/core/state-record.ts';
import type { Callback } from '../engine/run/callback.ts';
import type { MetricRecord, RunSummary } from '../engine/run/record.ts';
import { Runner } from '../engine/run/runner.ts';
import { everySteps } from '../engine/run/schedule.ts';

/**
 * Runs `sim` to `steps` with the standard guards, collecting the records made every
 * `every` steps (and at step 0 and the last step): the in-memory equivalent of a run
 * directory's metrics.jsonl.
 */
export async function runCollecting(
  sim: Simulation, steps: number, every = 1, outputs: Callback[] = [], onWarning?: (message: string) => void,
): Promise<{ summary: RunSummary; records: MetricRecord[]; runner: Runner }> {
  const records: MetricRecord[] = [];
  const schedule = everySteps(every);
  const collect: Callback = { name: 'collect', schedule, call: (ctx) => void records.push(ctx.record()) };
  const runner = new Runner(sim, { outputs: [collect, ...outputs], recordSchedule: schedule, onWarning });
  const summary = await runner.run(steps);
  return { summary, records, runner };
}

/**
 * One turn of the event loop: await it between the steps of a long computation in a test,
 * so that the test worker answers vitest while it runs (tests/worker-blocking.ts).
 */
export const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A callback counting the steps taken in this session (not the start tick), e.g. to stop a run after k steps. */
export function stepCounter(): { callback: Callback; steps: () => number } {
  let steps = 0;
  return { callback: { name: 'step counter', schedule: { label: 'every step', due: () => true }, call: (ctx) => void (ctx.clock.start || steps++) }, steps: () => steps };
}

/**
 * A state record through the checkpoint's encodings: arrays as NPY bytes, the rest as
 * JSON text (what node/checkpoint.ts writes), and back.
 */
export function roundTripState<S extends object>(state: S): S {
  const { tree, arrays } = splitState(state as StateRecord);
  const npy = new Map([...arrays].map(([k, v]) => [k, encodeNpy(v, [v.length])]));
  const text = JSON.stringify(tree);
  return joinState(JSON.parse(text), (path) => decodeNpy(npy.get(path)!).data as Float64Array) as S;
}
