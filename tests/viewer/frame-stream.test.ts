import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunContext } from '../../engine/run/callback.ts';
import { FrameStream } from '../../viewer/driver/frame-stream.ts';

/** A stand-in run context: only what the stream reads (the record and the frame). */
const ctx = (n: number, step: number) =>
  ({ step, record: () => ({ step, t: step, energy: 0, energy_terms: {} }), sim: { frame: () => ({ data: new Float64Array(2 * n), shape: [n, 2] }), companion: () => null } }) as unknown as RunContext;

describe('FrameStream pacing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Records `frames` steps as fast as the stream lets them through; returns when each frame was sent (ms). */
  async function sendTimes(n: number, maxFps: number, maxBytesPerSecond: number | undefined, frames: number): Promise<number[]> {
    const times: number[] = [];
    const stream = new FrameStream(() => times.push(Date.now()), 1, maxFps, () => 1, maxBytesPerSecond, () => Date.now());
    const t0 = Date.now();
    for (let k = 0; k < frames; k++) {
      const sent = stream.call(ctx(n, k));
      await vi.runAllTimersAsync();
      await sent;
    }
    return times.map((t) => t - t0);
  }

  // The schedule lets a stream catch up by one frame (a late timer must not lower the rate), so the
  // first frames may leave together; from then on they leave one period apart.
  const gaps = (times: number[]) => times.slice(3).map((t, k) => t - times[k + 2]);

  it('paces small frames to maxFps', async () => {
    expect(gaps(await sendTimes(10, 50, undefined, 8))).toEqual([20, 20, 20, 20, 20]);
  });

  it('paces large frames to the byte budget: 10⁶ particles (8 MB) at 16 MiB/s are 2 frames a second', async () => {
    const period = (1000 * (8_000_000 + 24 + 8 + 64)) / (16 * 2 ** 20); // state, header, shape, meta: ~477 ms
    for (const gap of gaps(await sendTimes(1_000_000, 60, 16 * 2 ** 20, 6))) expect(gap).toBeCloseTo(period, -1);
  });
});
