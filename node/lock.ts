import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A lock older than this without a heartbeat is stale (its holder died on another machine). */
export const STALE_MS = 120_000;
/** How often a holder refreshes its locks' modification time. */
export const HEARTBEAT_MS = 30_000;

interface LockInfo {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Per-run locks in DIR/.locks/, so that two launches of a sweep on the same DIR
 * (by mistake, or a re-queued cluster job while the first still runs) never run
 * the same run twice: the lock is created with O_EXCL, and taken over only when
 * its holder is gone (a dead pid on this host, or no heartbeat for STALE_MS on
 * any host — the holder refreshes its locks every HEARTBEAT_MS).
 */
export class RunLocks {
  private readonly held = new Set<string>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly sweepDir: string) {}

  private path(name: string): string {
    return join(this.sweepDir, '.locks', `${name}.lock`);
  }

  /** Takes the lock of run `name`; false when another live launch holds it. */
  acquire(name: string): boolean {
    const p = this.path(name);
    mkdirSync(join(this.sweepDir, '.locks'), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(p, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockInfo));
        closeSync(fd);
        this.held.add(name);
        this.startHeartbeat();
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (!this.stale(p)) return false;
        rmSync(p, { force: true });
      }
    }
    return false;
  }

  private stale(p: string): boolean {
    try {
      const age = Date.now() - statSync(p).mtimeMs;
      const info = JSON.parse(readFileSync(p, 'utf8')) as LockInfo;
      if (info.host === hostname() && !alive(info.pid)) return true;
      return age > STALE_MS;
    } catch {
      // Unreadable (being written right now, or torn by a crash): stale only once old.
      try {
        return Date.now() - statSync(p).mtimeMs > STALE_MS;
      } catch {
        return true;
      }
    }
  }

  release(name: string): void {
    if (!this.held.delete(name)) return;
    rmSync(this.path(name), { force: true });
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  releaseAll(): void {
    for (const n of [...this.held]) this.release(n);
    try {
      rmdirSync(join(this.sweepDir, '.locks'));
    } catch {
      // Not empty (another launch holds locks) or already gone.
    }
  }

  private startHeartbeat(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = new Date();
      for (const n of this.held) {
        try {
          utimesSync(this.path(n), now, now);
        } catch {
          // A lock removed by hand: nothing to refresh.
        }
      }
    }, HEARTBEAT_MS);
    this.timer.unref();
  }
}
