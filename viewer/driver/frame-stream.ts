import type { Callback, RunContext } from '../../engine/run/callback.ts';
import type { Schedule } from '../../engine/run/schedule.ts';
import { encodeBinary } from '../protocol.ts';

/** Where encoded frames go: a worker's postMessage (transferring the buffer). */
export type BinarySink = (buf: ArrayBuffer) => void;

/**
 * The viewer stream as a callback of the run loop: every `stride()` steps (and the
 * last) one binary frame, the metric record as meta plus the scene's frame (the state
 * as float32 [n, d] or the grid's shape, or the scene's view of it). Frames are paced
 * to at most `maxFps` per second and `maxBytesPerSecond` bytes per second (on average)
 * by awaiting in `call`, so a fast simulation never outruns what a screen can show nor
 * encodes 10⁶-particle frames (8 MB) faster than they can be streamed, and the wait is
 * where a worker receives its control messages.
 */
export class FrameStream implements Callback {
  readonly name = 'viewer stream';
  readonly schedule: Schedule;
  private lastStep = -1;
  /** When the next frame is due (ms, `now()` clock). */
  private nextAt = -Infinity;
  frames = 0;
  /** Step of the last frame sent (−1 before the first). */
  sentStep = -1;

  constructor(
    private readonly sink: BinarySink,
    /** Tags every frame, so that a frame of an earlier run is recognised and dropped. */
    private readonly runId: number,
    private readonly maxFps: number,
    /** Steps between frames, read at every step (the viewer's speed control changes it). */
    stride: () => number,
    private readonly maxBytesPerSecond = Infinity,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.schedule = { label: 'every "steps per frame" steps, at most maxFps per second', due: (c) => c.step % stride() === 0 || c.final };
  }

  async call(ctx: RunContext): Promise<void> {
    if (ctx.step === this.lastStep) return;
    this.lastStep = ctx.step;
    const rec = ctx.record();
    const wait = this.nextAt - this.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const f = ctx.sim.frame();
    const frame = encodeBinary('frame', f.data, f.shape, rec, rec.step, rec.t, this.runId, ctx.sim.companion());
    const period = Math.max(1000 / this.maxFps, (1000 * frame.byteLength) / this.maxBytesPerSecond);
    this.sink(frame);
    this.sentStep = rec.step;
    // A fixed schedule, not "period after the last send": a late timer (a busy machine)
    // shortens the next wait instead of lowering the rate; at most one frame of catch-up.
    const now = this.now();
    this.nextAt = Math.max(this.nextAt + period, now - period);
    if (this.nextAt > now + period) this.nextAt = now + period;
    this.frames++;
  }
}
