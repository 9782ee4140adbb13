import { readFileSync, readlinkSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeCalls } from './files.ts';

/**
 * Exclusive locks on run directories: one mechanism for `wgf run`, `wgf run
 * --resume` and the runs of a sweep, so that two processes never write the same
 * run directory at once.
 *
 * A lock is a file created with O_EXCL (atomic on local file systems and on NFS v3+)
 * holding its owner: pid, host and pid namespace. It is taken over only when its
 * holder is gone:
 * - on the same host and pid namespace, at once when the pid is dead (`kill -9`,
 *   then `--resume` works immediately);
 * - from another host (a shared file system), when it has had no heartbeat for
 *   STALE_MS: the holder refreshes its locks' modification time every HEARTBEAT_MS
 *   (between steps of a run, so a single step must stay below STALE_MS; clocks of
 *   the hosts must agree to well within STALE_MS).
 * Breaking a stale lock is itself guarded by a `.break` lock file, so that two
 * processes that both find the lock stale never both take it.
 *
 * Why not proper-lockfile: its locks go stale only by age (no owner pid), so a
 * `kill -9` could be recovered only after the stale period, and that period would
 * have to exceed the longest step of a run (the heartbeat runs between steps).
 */
export const STALE_MS = 120_000;
/** How often a holder refreshes its locks' modification time. */
export const HEARTBEAT_MS = 30_000;

/** Content of a lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Pid namespace (Linux `/proc/self/ns/pid`): pids are comparable only within one. */
  pidns?: string;
  /** ISO time the lock was taken. */
  since?: string;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

const ME: LockOwner = { pid: process.pid, host: hostname(), ...(pidNamespace() ? { pidns: pidNamespace() } : {}) };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return o && typeof o.pid === 'number' && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity; // gone meanwhile
  }
}

/** Whether the holder of the lock at `path` is gone (see the module comment). */
function isStale(path: string): boolean {
  const owner = readOwner(path);
  if (owner && owner.host === ME.host && owner.pidns === ME.pidns) return !alive(owner.pid);
  // Another host, or unreadable (being written now, or torn by a crash): stale once old.
  return ageMs(path) > STALE_MS;
}

/** One line about who holds a lock, for messages. */
export function describeOwner(owner: LockOwner | null): string {
  if (!owner) return 'another process';
  return `process ${owner.pid} on ${owner.host}${owner.since ? ` (since ${owner.since})` : ''}`;
}

const held = new Map<string, Lock>();
let heartbeat: ReturnType<typeof setInterval> | undefined;

function startHeartbeat(): void {
  if (heartbeat) return;
  heartbeat = setInterval(() => {
    const now = new Date();
    for (const p of held.keys()) {
      try {
        utimesSync(p, now, now);
      } catch {
        // A lock removed by hand: nothing to refresh.
      }
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
}

/** A lock this process holds; `release()` removes it (idempotent). */
export class Lock {
  constructor(readonly path: string) {}

  release(): void {
    if (held.get(this.path) !== this) return;
    held.delete(this.path);
    rmSync(this.path, { force: true });
    if (held.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }
}

/** Creates the lock file with O_EXCL; false when it exists. A failed write (full disk) removes the empty file and throws. */
function create(path: string): boolean {
  try {
    writeCalls.writeFile(path, JSON.stringify({ ...ME, since: new Date().toISOString() } satisfies LockOwner), 'wx');
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    rmSync(path, { force: true });
    throw e;
  }
}

/**
 * Takes the lock at `path` (a file; its directory must exist): the Lock, or the owner
 * of the live lock that stands in the way (null when unreadable).
 */
export function tryLock(path: string): { lock: Lock } | { owner: LockOwner | null } {
  if (held.has(path)) return { owner: ME };
  if (create(path)) return { lock: register(path) };
  if (!isStale(path)) return { owner: readOwner(path) };
  // Stale: break it under the `.break` guard, re-checking once inside.
  const guard = `${path}.break`;
  if (!create(guard)) {
    if (!isStale(guard)) return { owner: readOwner(path) };
    rmSync(guard, { force: true });
    if (!create(guard)) return { owner: readOwner(path) };
  }
  try {
    if (!isStale(path)) return { owner: readOwner(path) };
    rmSync(path, { force: true });
    return create(path) ? { lock: register(path) } : { owner: readOwner(path) };
  } finally {
    rmSync(guard, { force: true });
  }
}

function register(path: string): Lock {
  const lock = new Lock(path);
  held.set(path, lock);
  startHeartbeat();
  return lock;
}
