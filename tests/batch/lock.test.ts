import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLocks, STALE_MS } from '../../node/lock.ts';
import { tempDir } from './helpers.ts';

function plantLock(dir: string, name: string, info: object, ageMs: number): void {
  mkdirSync(join(dir, '.locks'), { recursive: true });
  const p = join(dir, '.locks', `${name}.lock`);
  writeFileSync(p, JSON.stringify(info));
  const t = new Date(Date.now() - ageMs);
  utimesSync(p, t, t);
}

describe('run locks of a sweep', () => {
  it('a held lock is refused to another launch until released', () => {
    const dir = tempDir('lock');
    const a = new RunLocks(dir);
    const b = new RunLocks(dir);
    expect(a.acquire('r1')).toBe(true);
    expect(b.acquire('r1')).toBe(false);
    expect(b.acquire('r2')).toBe(true);
    a.release('r1');
    expect(b.acquire('r1')).toBe(true);
    b.releaseAll();
    expect(existsSync(join(dir, '.locks'))).toBe(false);
  });

  it('takes over the lock of a dead process on this host, and a lock without heartbeat on another host', () => {
    const dir = tempDir('stale');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // has exited: its pid is free
    plantLock(dir, 'dead', { pid: dead, host: hostname() }, 0);
    plantLock(dir, 'live', { pid: process.pid, host: hostname() }, 0);
    plantLock(dir, 'far-fresh', { pid: 1, host: 'another-node' }, 1000);
    plantLock(dir, 'far-old', { pid: 1, host: 'another-node' }, STALE_MS + 60_000);
    const locks = new RunLocks(dir);
    expect(locks.acquire('dead')).toBe(true);
    expect(locks.acquire('live')).toBe(false);
    expect(locks.acquire('far-fresh')).toBe(false);
    expect(locks.acquire('far-old')).toBe(true);
    locks.releaseAll();
  });
});
