import type { Simulation } from '../../engine/core/simulation.ts';
import type { MetricRecord } from '../../engine/run/record.ts';
import type { RunObserver } from '../../engine/run/runner.ts';
import { encodeBinary } from '../protocol.ts';

/** Where encoded frames go: a worker's postMessage (transferring the buffer). */
export type BinarySink = (buf: ArrayBuffer) => void;

/**
 * The viewer stream as a run observer (the run loop owns the clock; streaming is
 * an observer on the record schedule). Each record becomes one binary frame:
 * the metric record as meta plus the state as float32 [n, d] or the grid's shape.
 * Frames are paced to at most `maxFps` per second and `maxBytesPerSecond` bytes per second
 * (on average) by awaiting in `onRecord`, so a fast simulation never outruns what a screen
 * can show nor encodes 10⁶-particle frames (8 MB) faster than they can be streamed, and the
 * wait is where a worker receives its control messages.
 */
export class FrameStream implements RunObserver {
  private lastStep = -1;
  /** When the next frame is due (ms, `now()` clock). */
  private nextAt = -Infinity;
  frames = 0;

  constructor(
    private readonly sink: BinarySink,
    /** Tags every frame, so that a frame of an earlier run is recognised and dropped. */
    private readonly runId: number,
    private readonly maxFps: number,
    private readonly maxBytesPerSecond = Infinity,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async onRecord(rec: MetricRecord, sim: Simulation): Promise<void> {
    if (rec.step === this.lastStep) return;
    this.lastStep = rec.step;
    const wait = this.nextAt - this.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const frame = encodeBinary('frame', sim.state(), sim.info.shape, rec, rec.step, rec.t, this.runId);
    const period = Math.max(1000 / this.maxFps, (1000 * frame.byteLength) / this.maxBytesPerSecond);
    this.sink(frame);
    // A fixed schedule, not "period after the last send": a late timer (a busy machine)
    // shortens the next wait instead of lowering the rate; at most one frame of catch-up.
    const now = this.now();
    this.nextAt = Math.max(this.nextAt + period, now - period);
    if (this.nextAt > now + period) this.nextAt = now + period;
    this.frames++;
  }
}
