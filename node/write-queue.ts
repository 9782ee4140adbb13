/**
 * File writes kept in order but done off the simulation's thread: each job is a chain of
 * fs.promises calls (libuv's thread pool), so a disk that stalls no longer stops the steps.
 * Measured (issue #19): replacing summary.json by rename took 0.12 s while another process
 * copied files (ext4's auto_da_alloc flushes the new file's data first), creating a frame
 * 0.04 s, and a default transformer-tokens run spent 3.2 s of its 13.6 s waiting in such
 * calls while the disk was busy; 0.4–0.6 s stalls in grid-fokker-planck's outputs followed
 * the removal of an earlier run's frames (a journal commit).
 *
 * Contract: jobs run one at a time in the order they were added; the first failure stops
 * every later job (nothing is written out of order, e.g. a metrics line after a missing one)
 * and is thrown by the next `add` or `flush`; at most `maxBytes` of data wait (`add` then
 * waits for the queue), so a slow disk slows the run instead of filling memory. Whoever
 * needs the files on disk — a checkpoint's commit, the end of a run — awaits `flush` first.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private waiting = 0;

  constructor(readonly maxBytes = 64 * 2 ** 20) {}

  /**
   * Queues `job` (which writes about `bytes` bytes). Throws an earlier job's failure instead
   * of queuing; waits for the queue when more than maxBytes are waiting.
   */
  async add(bytes: number, job: () => Promise<void>): Promise<void> {
    this.check();
    this.waiting += bytes;
    this.tail = this.tail.then(async () => {
      try {
        if (this.failure === null) await job();
      } catch (e) {
        this.failure = e;
      } finally {
        this.waiting -= bytes;
      }
    });
    if (this.waiting > this.maxBytes) await this.flush();
  }

  /** Resolves once every queued job has run; throws the first failure. */
  async flush(): Promise<void> {
    for (let t = this.tail; ; t = this.tail) {
      await t;
      if (t === this.tail) break;
    }
    this.check();
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }
}
