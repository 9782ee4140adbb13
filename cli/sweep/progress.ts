import cliProgress from 'cli-progress';
import type { OutStream } from '../io.ts';
import type { RunOutcome } from './run-one.ts';

/**
 * Progress over the runs of a sweep, on stderr: a bar on a terminal
 * (cli-progress, as cli/progress.ts does for steps), one line per
 * finished run otherwise (logs of cluster jobs).
 */
export class SweepProgress {
  private bar?: cliProgress.SingleBar;
  private done = 0;
  private failed = 0;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly stream: OutStream,
  ) {
    if (enabled && stream.isTTY && total > 0) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label} |{bar}| {value}/{total} runs  failed={failed}  {eta_formatted} left`, stream: stream as NodeJS.WritableStream, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { failed: 0 });
    }
  }

  update(o: RunOutcome): void {
    this.done++;
    if (o.status === 'failed' || o.status === 'error') this.failed++;
    if (!this.enabled) return;
    if (this.bar) this.bar.update(this.done, { failed: this.failed });
    else this.stream.write(`${this.label}: ${this.done}/${this.total} runs  ${o.name}: ${o.action === 'failed' ? 'failed' : `${o.status} (${o.action})`}${o.message && o.status !== 'ok' ? ` — ${o.message}` : ''}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
