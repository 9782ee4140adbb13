import type cliProgress from 'cli-progress';
import type { Callback, RunContext } from '../engine/run/callback.ts';
import { eachStep } from '../engine/run/schedule.ts';
import type { OutStream } from './io.ts';

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(5);
}

/**
 * Progress of a run: a bar on a terminal (cli-progress), plain lines at every 10 %
 * otherwise (logs, CI), both on stderr so stdout stays for results. It shows the last
 * recorded energy and never asks for a record itself (that would add work).
 */
export class Progress implements Callback {
  readonly name = 'progress';
  readonly schedule = eachStep;
  private bar?: cliProgress.SingleBar;
  private nextLine = 0;
  private energy = NaN;

  constructor(
    private readonly total: number,
    private readonly label: string,
    /** stderr: stdout stays for results. */
    private readonly stream: OutStream,
  ) {}

  async start(ctx: RunContext): Promise<void> {
    if (this.stream.isTTY) {
      // Loaded only for a terminal: logs and CI never pay its import.
      const { default: bars } = await import('cli-progress');
      this.bar = new bars.SingleBar(
        { format: `${this.label} |{bar}| {value}/{total} steps  t={t}  energy={energy}  {eta_formatted} left`, stream: this.stream as NodeJS.WritableStream, hideCursor: true },
        bars.Presets.shades_classic,
      );
      this.bar.start(this.total, ctx.step, { t: fmt(ctx.t), energy: fmt(this.energy) });
    }
    this.nextLine = ctx.step;
  }

  call(ctx: RunContext): void {
    // The record, if the writer (called before) made one at this step, is cached.
    const e = ctx.recorded()?.energy;
    if (e !== undefined) this.energy = e;
    if (this.bar) {
      if (ctx.step % 5 === 0 || ctx.step === this.total) this.bar.update(ctx.step, { t: fmt(ctx.t), energy: fmt(this.energy) });
    } else if (ctx.step >= this.nextLine && !ctx.clock.start) {
      this.stream.write(`${this.label}: step ${ctx.step}/${this.total}  t=${fmt(ctx.t)}  energy=${fmt(this.energy)}\n`);
      this.nextLine = ctx.step + Math.max(1, Math.ceil(this.total / 10));
    }
  }

  end(): void {
    this.bar?.stop();
  }
}
