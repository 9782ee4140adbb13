import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeJson } from '../../node/files.ts';
import { workerEntry } from '../../node/paths.ts';
import { FAILED_FILE, type RunJob, type RunOutcome } from './run-one.ts';
import type { FromWorker, ToWorker } from './worker.ts';

export interface PoolOptions {
  /** Number of worker threads (at most one per job). */
  jobs: number;
  /** Scene id or file, loaded once per worker. */
  scene: string;
  /** Called as each run ends (in completion order). */
  onOutcome?: (o: RunOutcome) => void;
  /**
   * Called in this thread just before a job is handed to a worker: false skips the
   * job (its run directory is locked by another launch).
   */
  claim?: (job: RunJob) => boolean;
}

export interface PoolReport {
  outcomes: RunOutcome[];
  /** Milliseconds from creating each worker to its scene being loaded (the per-worker start cost). */
  startupMs: number[];
}

/**
 * Runs jobs on `jobs` worker threads, each taking the next job as it finishes
 * the last (runs are independent; their order of completion does not matter).
 * A run that throws is a 'failed' outcome (run-one.ts); a worker that dies
 * (out of memory, a crash in native code) fails its current run only and is
 * replaced, so the other runs go on. Workers start from dist/workers/sweep-worker.mjs
 * (node/paths.ts), rebuilt first if the sources changed.
 *
 * Not piscina (or tinypool): the sweep locks a run's directory in this thread at the
 * moment the run is handed to an idle worker (`claim`), which needs dispatch by this
 * loop rather than by the library's internal queue, so the library would have left
 * only spawning and replacing threads to do; and the init/ready handshake that loads
 * the scene once per worker is what `wgf bench --suite sweep` times.
 */
export class WorkerPool {
  private stopped = false;
  private readonly workers = new Set<Worker>();

  constructor(private readonly opts: PoolOptions) {}

  /** Asks every running job to stop (they end 'interrupted', keeping their checkpoints); no new job starts. */
  stop(): void {
    this.stopped = true;
    for (const w of this.workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
  }

  async run(jobs: readonly RunJob[]): Promise<PoolReport> {
    const queue = [...jobs];
    const outcomes: RunOutcome[] = [];
    const startupMs: number[] = [];
    const entry = queue.length > 0 ? await workerEntry('sweep-worker') : null;
    const report = (): PoolReport => ({ outcomes, startupMs });
    // Stopped while the worker was being built: no run has started.
    if (this.stopped) return report();
    return new Promise((resolve, reject) => {
      let live = 0;
      const finishOne = (o: RunOutcome) => {
        outcomes.push(o);
        this.opts.onOutcome?.(o);
      };
      const spawn = () => {
        const t0 = performance.now();
        const w = new Worker(entry!);
        let current: RunJob | undefined;
        let ended = false;
        let ready = false;
        live++;
        this.workers.add(w);
        const next = () => {
          current = undefined;
          while (!this.stopped && !current && queue.length) {
            const job = queue.shift()!;
            if (!this.opts.claim || this.opts.claim(job)) current = job;
          }
          if (current) w.postMessage({ type: 'run', job: current } satisfies ToWorker);
          else void w.terminate();
        };
        const end = (why?: string) => {
          if (ended) return;
          ended = true;
          this.workers.delete(w);
          live--;
          if (current) {
            const message = why ?? 'worker thread exited';
            // The thread died before it could record the failure in the run's directory.
            try {
              writeJson(join(current.dir, FAILED_FILE), { status: 'failed', message });
            } catch {
              // Cannot be written (a full disk): the outcome still carries the message to the index.
            }
            finishOne({ name: current.name, status: 'failed', action: 'failed', message });
          }
          current = undefined;
          if (why && queue.length && !this.stopped) spawn();
          if (live === 0) resolve(report());
        };
        w.on('message', (m: FromWorker) => {
          if (m.type === 'ready') {
            ready = true;
            startupMs.push(performance.now() - t0);
            next();
          } else if (m.type === 'init-failed') {
            this.stop();
            void w.terminate();
            reject(new Error(`a sweep worker cannot load the scene: ${m.message}`));
          } else {
            finishOne(m.outcome);
            current = undefined;
            next();
          }
        });
        // A worker that fails before it is ready has run no job, and every other would
        // fail alike (the engine cannot load): the sweep stops.
        const startFailed = (why: string) => {
          if (ended) return;
          this.stop();
          reject(new Error(`a sweep worker thread failed to start: ${why}`));
          end();
        };
        w.on('error', (e) => {
          const why = e.message.split('\n')[0];
          if (ready) end(`worker thread failed: ${why}`);
          else startFailed(why);
        });
        w.on('exit', (code) => {
          if (ready || this.stopped) end(current ? `worker thread exited with code ${code}` : undefined);
          else startFailed(`it exited with code ${code}`);
        });
        w.postMessage({ type: 'init', scene: this.opts.scene } satisfies ToWorker);
      };
      const n = Math.max(1, Math.min(this.opts.jobs, queue.length));
      if (queue.length === 0) resolve(report());
      else for (let i = 0; i < n; i++) spawn();
    });
  }
}
