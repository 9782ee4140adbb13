import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeCalls } from '../../node/files.ts';
import { STALE_MS, tryLock, type Lock } from '../../node/lock.ts';
import { ROOT, tempDir } from '../cli-harness.ts';

const ME = { host: hostname() };

function plant(path: string, owner: object, ageMs: number): void {
  writeFileSync(path, JSON.stringify(owner));
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
}

const taken = (r: ReturnType<typeof tryLock>): Lock => {
  expect('lock' in r, JSON.stringify(r)).toBe(true);
  return (r as { lock: Lock }).lock;
};

/** This process's own lock file content (pid namespace included), read from a lock it takes. */
function ownOwner(dir: string): { pid: number; host: string; pidns?: string } {
  const p = join(dir, 'probe.lock');
  const lock = taken(tryLock(p));
  const owner = JSON.parse(readFileSync(p, 'utf8'));
  lock.release();
  return owner;
}

describe('locks (node/lock.ts): one writer per run directory', () => {
  const original = { ...writeCalls };
  afterEach(() => Object.assign(writeCalls, original));

  it('a held lock is refused (with its owner) until released, then taken', () => {
    const p = join(tempDir('lock'), 'a.lock');
    const a = taken(tryLock(p));
    const again = tryLock(p);
    expect('owner' in again && again.owner?.pid).toBe(process.pid);
    a.release();
    expect(existsSync(p)).toBe(false);
    taken(tryLock(p)).release();
  });

  it('takes over at once the lock of a dead process on this host; not a live one, nor a fresh one of another host or pid namespace', () => {
    const dir = tempDir('stale');
    const own = ownOwner(dir);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // has exited: its pid is free
    const cases: [string, object, number, boolean][] = [
      ['dead', { ...own, pid: dead }, 0, true],
      ['live', { ...own, pid: process.pid }, 0, false],
      ['far-fresh', { pid: 1, host: 'another-node' }, 1000, false],
      ['far-old', { pid: 1, host: 'another-node' }, STALE_MS + 60_000, true],
      // Same host name, other pid namespace (a container): its pids mean nothing here, only its age counts.
      ['other-ns', { ...ME, pid: dead, pidns: 'pid:[1]' }, 1000, false],
      ['torn-fresh', {}, 1000, false],
    ];
    for (const [name, owner, age, free] of cases) {
      const p = join(dir, `${name}.lock`);
      if (name === 'torn-fresh') writeFileSync(p, '{"pid": 12');
      else plant(p, owner, age);
      const r = tryLock(p);
      expect('lock' in r, name).toBe(free);
      if ('lock' in r) r.lock.release();
    }
  });

  it('of several processes that find the same lock stale at once, exactly one takes it', async () => {
    const dir = tempDir('race');
    const p = join(dir, 'run.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    plant(p, { ...ownOwner(dir), pid: dead }, 0);
    const go = join(dir, 'go');
    // Each child waits for `go`, tries the lock, reports, and holds it until its stdin closes
    // (a child that exited would leave a dead, hence free, lock to the slower ones).
    const code = `
      import { existsSync } from 'node:fs';
      import { tryLock } from ${JSON.stringify(join(ROOT, 'node/lock.ts'))};
      while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 2));
      const r = tryLock(${JSON.stringify(p)});
      process.stdout.write('lock' in r ? 'took\\n' : 'refused\\n');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));`;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
    const answers = children.map(
      (c) =>
        new Promise<string>((resolve) => {
          let out = '';
          c.stdout!.on('data', (d) => {
            out += d;
            if (out.includes('\n')) resolve(out.trim());
          });
        }),
    );
    writeFileSync(go, '');
    const results = await Promise.all(answers);
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    expect(results.filter((r) => r === 'took')).toHaveLength(1);
    expect(existsSync(`${p}.break`)).toBe(false);
  });

  it('a lock file that cannot be written (full disk) is not left behind empty', () => {
    const p = join(tempDir('enospc'), 'a.lock');
    writeCalls.writeFile = (path, data, flag) => {
      original.writeFile(path, '', flag); // created, then the write fails: what a full disk does
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    expect(() => tryLock(p)).toThrow(/ENOSPC/);
    expect(existsSync(p)).toBe(false);
  });
});
