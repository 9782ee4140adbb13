import cliProgress from 'cli-progress';
import type { Simulation } from '../engine/core/simulation.ts';
import type { MetricRecord } from '../engine/run/record.ts';
import type { RunObserver } from '../engine/run/runner.ts';
import type { OutStream } from './io.ts';

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(5);
}

/**
 * Progress of a run: a bar on a terminal (cli-progress), plain lines at every
 * 10 % otherwise (logs, CI), both on stderr so stdout stays for results.
 */
export class ProgressObserver implements RunObserver {
  private bar?: cliProgress.SingleBar;
  private nextLine = 0;
  private energy = NaN;

  constructor(
    private readonly total: number,
    private readonly label: string,
    /** stderr: stdout stays for results. */
    private readonly stream: OutStream,
  ) {}

  onStart(sim: Simulation, first: MetricRecord): void {
    this.energy = first.energy;
    if (this.stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: `${this.label} |{bar}| {value}/{total} steps  t={t}  energy={energy}  {eta_formatted} left`, stream: this.stream as NodeJS.WritableStream, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, sim.step, { t: fmt(sim.t), energy: fmt(this.energy) });
    }
    this.nextLine = sim.step;
  }

  onRecord(rec: MetricRecord): void {
    this.energy = rec.energy;
  }

  onStep(sim: Simulation): void {
    if (this.bar) {
      if (sim.step % 5 === 0 || sim.step === this.total) this.bar.update(sim.step, { t: fmt(sim.t), energy: fmt(this.energy) });
    } else if (sim.step >= this.nextLine) {
      this.stream.write(`${this.label}: step ${sim.step}/${this.total}  t=${fmt(sim.t)}  energy=${fmt(this.energy)}\n`);
      this.nextLine = sim.step + Math.max(1, Math.ceil(this.total / 10));
    }
  }

  onEnd(): void {
    this.bar?.stop();
  }
}
