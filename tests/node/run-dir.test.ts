import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Callback } from '../../engine/run/callback.ts';
import { everySteps } from '../../engine/run/schedule.ts';
import { stepCounter } from '../run-helpers.ts';
import { executeRun, resumeRun } from '../../cli/execute-run.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { writeCalls } from '../../node/files.ts';
import { exitOf, expectUsageError, fingerprint, readJsonFile, ROOT, runCli, spawnCli, tempDir, waitFor } from '../cli-harness.ts';

/** Files that legitimately differ between two runs: creation time (scene.json) and wall time (summary.json). */
const TIMED = /^(scene|summary)\.json$/;
const RAW = { n: 40, steps: 30 };
const SCHEDULE = { every: 3, checkpointEvery: 7 };

/** A run of aggregation-disk (30 steps, records every 3, checkpoints every 7), stopped after `stopAt` steps if given. */
async function run(out: string, stopAt?: number) {
  const scene = await loadScene('aggregation-disk');
  const counter = stepCounter();
  return executeRun({ scene, raw: RAW, out, ...SCHEDULE, outputs: [counter.callback], shouldStop: stopAt === undefined ? undefined : () => counter.steps() >= stopAt });
}

/** The real write calls, put back after every test that replaces them (a full disk, a kill mid-write). */
const original = { ...writeCalls };
afterEach(() => Object.assign(writeCalls, original));

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
const tmpFiles = (dir: string) => Object.keys(fingerprint(dir)).filter((f) => /\.tmp/.test(f));

describe('run directories: --out', () => {
  it("refuses an empty or blank --out instead of writing into the working directory", async () => {
    const before = readdirSync(ROOT).sort();
    for (const out of ['', '  ']) {
      expectUsageError(await runCli(['run', 'aggregation-disk', '--set', 'n=20', '--steps', '2', '--out', out, '--quiet']), /^wgf: --out needs a directory; got '\s*' \(use --out \. for the working directory\)$/);
      expectUsageError(await runCli(['sweep', 'aggregation-disk', '--grid', 'seed=1,2', '--steps', '2', '--out', out, '--quiet']), /--out (needs a directory|DIR)/);
    }
    expectUsageError(await runCli(['run', '--resume', '']), /^wgf: --resume needs a directory; got ''/);
    expect(readdirSync(ROOT).sort()).toEqual(before);
  });
});

describe('run directories: one writer at a time (node/lock.ts)', () => {
  it('two runs at once on one directory: one runs, the other is refused naming the holder; so is a --resume', async () => {
    const out = join(tempDir('twice'), 'run');
    const args = ['run', 'aggregation-disk', '--set', 'n=100', '--steps', '1000000', '--every', '1', '--checkpoint-every', '10', '--out', out, '--quiet'];
    const signals = new EventEmitter();
    const first = runCli(args, { signals });
    // The second starts once the first is writing the directory; the first runs until told to stop.
    await waitFor(() => existsSync(join(out, 'metrics.jsonl')), 'the first run to start');
    expectUsageError(await runCli(args), new RegExp(`run directory '${out}' is in use by process ${process.pid} on `));
    expectUsageError(await runCli(['run', '--resume', out, '--quiet']), /is in use by process/);
    signals.emit('SIGINT');
    const r = await first;
    expect(r.code, r.stderr).toBe(130);
    expect(readJsonFile(join(out, 'summary.json')).status).toBe('interrupted');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').every((l, i, all) => l === '' ? i === all.length - 1 : JSON.parse(l).step === i)).toBe(true);
    expect(existsSync(join(out, '.wgf.lock'))).toBe(false);
    // Afterwards the directory holds a (resumable) run: a new run there is refused as such.
    expectUsageError(await runCli(args), /already holds a run \(use --resume/);
  });

  it('a run killed with kill -9 leaves its lock, which --resume takes over at once (dead holder)', async () => {
    const out = join(tempDir('kill'), 'run');
    const child = spawnCli(['run', 'aggregation-disk', '--set', 'n=50', '--steps', '1000000', '--every', '10', '--checkpoint-every', '20', '--out', out, '--quiet'], { stdio: 'ignore' });
    const exited = exitOf(child);
    await waitFor(() => existsSync(join(out, 'checkpoint.json')), 'a checkpoint', child);
    child.kill('SIGKILL');
    expect(await exited).toBe(137);
    expect(readJsonFile(join(out, '.wgf.lock')).pid).toBe(child.pid);
    // Resume and stop it right away (SIGINT on the in-process signal source): it got the lock.
    const signals = new EventEmitter();
    const resumed = runCli(['run', '--resume', out, '--quiet'], { signals });
    const lockPid = () => {
      try {
        return readJsonFile(join(out, '.wgf.lock')).pid;
      } catch {
        return null; // being replaced right now
      }
    };
    await waitFor(() => lockPid() === process.pid, 'the lock taken over');
    signals.emit('SIGINT');
    const r = await resumed;
    expect(r.code, r.stderr).toBe(130);
    expect(readJsonFile(join(out, 'summary.json')).status).toBe('interrupted');
    expect(existsSync(join(out, '.wgf.lock'))).toBe(false);
  });
});

describe('run directories: what is recorded when, and what it cost (issue #19)', () => {
  it("scene.json names the record's schedule; summary.json splits the wall time into steps, records and outputs", async () => {
    const out = join(tempDir('timing'), 'run');
    const summary = await run(out);
    expect(summary.status).toBe('ok');
    const scene = readJsonFile(join(out, 'scene.json'));
    expect(scene.callbacks['record (energy, energy terms)']).toBe('every 3 steps and the last');
    // aggregation-disk's metrics ride on every 10th record (scenes/aggregation.ts).
    expect(scene.metrics_every).toBe(30);
    expect(scene.callbacks['scene metrics (in the record)']).toBe('every 30 steps and the last');
    const written = readJsonFile(join(out, 'summary.json'));
    const t = written.timing;
    expect(Object.keys(t).sort()).toEqual(['outputs_seconds', 'records_seconds', 'steps_seconds']);
    for (const v of Object.values(t) as number[]) expect(v).toBeGreaterThan(0);
    // Disjoint parts of the run's wall time (11 records of 30 steps were made, each timed once).
    expect(t.steps_seconds + t.records_seconds + t.outputs_seconds).toBeLessThanOrEqual(written.wall_seconds);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(11);
  });

  it('the in-progress summary.json is written at the first record and then at most once a second, the final one at the end', async () => {
    const out = join(tempDir('summary-rate'), 'run');
    const writes: string[] = [];
    // The in-progress ones through the run directory's write queue, the final one at the end.
    writeCalls.writeFileAsync = (path, data) => {
      if (/summary\.json/.test(path)) writes.push(String(data));
      return original.writeFileAsync(path, data);
    };
    writeCalls.writeFile = (path, data, flag) => {
      if (/summary\.json/.test(path)) writes.push(String(data));
      original.writeFile(path, data, flag);
    };
    const scene = await loadScene('aggregation-disk');
    // 201 records (every step): far more than one per second of this run's wall time.
    await executeRun({ scene, raw: { n: 40, steps: 200 }, out, every: 1 });
    Object.assign(writeCalls, original);
    const final = readJsonFile(join(out, 'summary.json'));
    expect(final.status).toBe('ok');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(201);
    const inProgress = writes.map((w) => JSON.parse(w)).filter((w) => w.status === 'interrupted');
    expect(inProgress[0].steps).toBe(0);
    // One at the first record, then one per elapsed second at most (the wall time the run reports).
    expect(inProgress.length).toBeLessThanOrEqual(1 + Math.ceil(final.wall_seconds));
    expect(JSON.parse(writes[writes.length - 1]).status).toBe('ok');
  });
});

describe('run directories: records written off the simulation thread (node/write-queue.ts)', () => {
  it('the steps go on while a record is being written; the end waits for every record', async () => {
    const out = join(tempDir('queued'), 'run');
    const scene = await loadScene('aggregation-disk');
    const counter = stepCounter();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let heldFrames = 0;
    // The frame of step 0 stays unwritten until the run has made 10 more steps: a run that
    // waited for its writes would never get there (this test would time out).
    writeCalls.writeFileAsync = async (path, data) => {
      if (/frames\/000000\.npy/.test(path)) {
        heldFrames++;
        await held;
      }
      return original.writeFileAsync(path, data);
    };
    const watch: Callback = { name: 'release at step 10', schedule: everySteps(1), call: () => void (counter.steps() >= 10 && release()) };
    const summary = await executeRun({ scene, raw: RAW, out, every: 3, outputs: [counter.callback, watch] });
    expect(heldFrames).toBe(1);
    expect(summary.status).toBe('ok');
    expect(readdirSync(join(out, 'frames'))).toHaveLength(11);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
  });

  it('records that waited are written together: one append for their lines, each after its frame is on disk', async () => {
    const out = join(tempDir('batched'), 'run');
    const scene = await loadScene('aggregation-disk');
    const counter = stepCounter();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    writeCalls.writeFileAsync = async (path, data) => {
      if (/frames\/000000\.npy/.test(path)) await held;
      return original.writeFileAsync(path, data);
    };
    const appends: number[][] = [];
    writeCalls.appendAsync = async (path, data) => {
      const steps = data.trim().split('\n').map((l) => JSON.parse(l).step as number);
      // Every line's frame is whole on disk when its line is appended.
      for (const s of steps) expect(existsSync(join(out, 'frames', `${String(s).padStart(6, '0')}.npy`))).toBe(true);
      appends.push(steps);
      return original.appendAsync(path, data);
    };
    // Frame 0 is held until step 10: records 3, 6 and 9 at least wait behind it, then go in one batch.
    const watch: Callback = { name: 'release at step 10', schedule: everySteps(1), call: () => void (counter.steps() >= 10 && release()) };
    await executeRun({ scene, raw: RAW, out, every: 3, outputs: [counter.callback, watch] });
    expect(appends.flat()).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect(appends[0]).toEqual([0]);
    // (and whatever else waited by the time the batch started: the run's steps are short)
    expect(appends[1].slice(0, 3)).toEqual([3, 6, 9]);
    expect(appends.length).toBeLessThan(11);
  });

  it('a checkpoint waits for the records before it: a record that cannot be written stops the run before the checkpoint', async () => {
    const out = join(tempDir('queued-ckpt'), 'run');
    // The metrics line of step 6 fails; the first checkpoint is due at step 7 (records every 3).
    // (An append may carry several records' lines: those waiting were written together.)
    writeCalls.appendAsync = async (path, data) => {
      if (data.trim().split('\n').some((l) => JSON.parse(l).step === 6)) throw enospc();
      return original.appendAsync(path, data);
    };
    await expect(run(out)).rejects.toThrow(/cannot write '.*metrics\.jsonl': no space left on device \(ENOSPC\)/);
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint'))).toEqual([]);
    // The lines before the failed one's batch, whole: step 3's went with it when they waited together.
    expect([[0], [0, 3]]).toContainEqual(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step));
    expect(tmpFiles(out)).toEqual([]);
  });
});

describe('run directories: the end of a run', () => {
  it('summary.json says the run ended only once everything else is written; --resume redoes an end cut short', async () => {
    const base = tempDir('finish');
    const ref = join(base, 'ref');
    const cut = join(base, 'cut');
    await run(ref);
    // The process stops while writing energy.svg (as a kill there would).
    writeCalls.writeFile = (path, data, flag) => {
      if (path.includes('energy.svg')) throw new Error('killed here');
      original.writeFile(path, data, flag);
    };
    await expect(run(cut)).rejects.toThrow(/energy\.svg/);
    Object.assign(writeCalls, original);
    expect(readJsonFile(join(cut, 'summary.json')).status).toBe('interrupted');
    expect(existsSync(join(cut, 'checkpoint.json'))).toBe(true);
    const r = await runCli(['run', '--resume', cut, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(fingerprint(cut, TIMED)).toEqual(fingerprint(ref, TIMED));
  });

  it('an ended run with a checkpoint and temporary files left (killed after its summary): --resume completes its end', async () => {
    const base = tempDir('leftover');
    const ref = join(base, 'ref');
    const done = join(base, 'done');
    const stopped = join(base, 'stopped');
    await run(ref);
    await run(done);
    await run(stopped, 12);
    const ck = readJsonFile(join(stopped, 'checkpoint.json'));
    for (const f of ['checkpoint.json', ...Object.values(ck.arrays as Record<string, { file: string }>).map((a) => a.file)]) copyFileSync(join(stopped, f), join(done, f));
    writeFileSync(join(done, `summary.json.tmp-12345`), '');
    const r = await runCli(['run', '--resume', done]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/already ended \(status ok, 30 steps\); completed its end \(removed the checkpoint left by the end of the run, removed temporary files\)/);
    expect(fingerprint(done, TIMED)).toEqual(fingerprint(ref, TIMED));
  });

  it('a sweep re-launch completes such an end too, and takes over the lock left by the killed launch', async () => {
    const dir = join(tempDir('sweep-leftover'), 'sweep');
    const args = ['sweep', 'aggregation-disk', '--grid', 'seed=1,2', '--set', 'n=30', '--steps', '14', '--checkpoint-every', '7', '--jobs', '1', '--out', dir, '--quiet'];
    expect((await runCli(args)).code).toBe(0);
    const run1 = join(dir, 'seed=1');
    const clean = fingerprint(run1);
    writeFileSync(join(run1, 'checkpoint.json'), '{}');
    writeFileSync(join(run1, 'checkpoint-000007.x.npy'), 'x');
    writeFileSync(join(run1, '.wgf.lock'), JSON.stringify(deadOwner()));
    const again = await runCli(args);
    expect(again.stdout).toMatch(/^2 of 2 runs: 0 ran, 0 resumed, 2 already done/);
    expect(fingerprint(run1)).toEqual(clean);
  });
});

/** The owner a lock file of a process of this host that has died would name (node/lock.ts). */
function deadOwner() {
  let pidns: string | undefined;
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No /proc: locks record no pid namespace.
  }
  return { pid: spawnSync(process.execPath, ['-e', '0']).pid, host: hostname(), ...(pidns ? { pidns } : {}) };
}

describe('run directories: resume never silently drops records', () => {
  it('a damaged line in the middle of metrics.jsonl, or an emptied file, is refused naming the file; the directory is untouched', async () => {
    const base = tempDir('damaged');
    const cut = join(base, 'cut');
    await run(cut, 23);
    const metrics = join(cut, 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 20); // one torn line in the middle
    writeFileSync(metrics, lines.join('\n'));
    let before = fingerprint(cut);
    expectUsageError(await runCli(['run', '--resume', cut, '--quiet']), new RegExp(`'${metrics}' is damaged at line 3 \\(not a metrics record\\); the run directory was left untouched`));
    expect(fingerprint(cut)).toEqual(before);

    writeFileSync(metrics, '');
    before = fingerprint(cut);
    expectUsageError(await runCli(['run', '--resume', cut, '--quiet']), /metrics\.jsonl' lacks the records of steps 0, 3, 6, 9, 12, … \(8 in all\), written before the checkpoint at step 23; the run directory was left untouched \(delete .*checkpoint\.json to rerun from step 0/);
    expect(fingerprint(cut)).toEqual(before);
  });

  it('a torn last line (a kill mid-append) is dropped and the resumed run ends equal to an uninterrupted one', async () => {
    const base = tempDir('torn');
    const ref = join(base, 'ref');
    const cut = join(base, 'cut');
    await run(ref);
    await run(cut, 23);
    writeFileSync(join(cut, 'metrics.jsonl'), readFileSync(join(cut, 'metrics.jsonl'), 'utf8') + '{"step": 24, "t": 0.4');
    const r = await resumeRun({ dir: cut });
    expect(r.fromStep).toBe(23);
    expect(fingerprint(cut, TIMED)).toEqual(fingerprint(ref, TIMED));
  });
});

describe('run directories: a full disk (ENOSPC) at the files.ts seam', () => {
  it('a run stops with one line naming the file and how to go on; nothing half-written is left; --resume then ends it as if never stopped', async () => {
    const base = tempDir('full');
    const ref = join(base, 'ref');
    const out = join(base, 'out');
    await run(ref);
    // The disk fills while the 6th metrics line is appended: part of it is written, then ENOSPC.
    let appends = 0;
    writeCalls.appendAsync = async (path, data) => {
      if (++appends === 6) {
        await original.appendAsync(path, data.slice(0, 10));
        throw enospc();
      }
      return original.appendAsync(path, data);
    };
    const r = await runCli(['run', 'aggregation-disk', '--set', 'n=40', '--steps', '30', '--every', '3', '--checkpoint-every', '7', '--out', out, '--quiet']);
    expectUsageError(r, new RegExp(`^wgf: cannot write '${out}/metrics\\.jsonl': no space left on device \\(ENOSPC\\); the run stopped there and ${out} can be continued with wgf run --resume ${out} once this is fixed$`), 1);
    expect(tmpFiles(out)).toEqual([]);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toMatch(/\}\n$/);
    expect(existsSync(join(out, '.wgf.lock'))).toBe(false);
    Object.assign(writeCalls, original);
    expect((await runCli(['run', '--resume', out, '--quiet'])).code).toBe(0);
    expect(fingerprint(out, TIMED)).toEqual(fingerprint(ref, TIMED));
  });

  it('a checkpoint that cannot be written leaves neither its temporary file nor an orphan state file; the previous checkpoint stands', async () => {
    const out = join(tempDir('full-ckpt'), 'run');
    let failing = false;
    writeCalls.writeFile = (path, data, flag) => {
      if (failing && /checkpoint/.test(path)) {
        original.writeFile(path, data instanceof Uint8Array ? data.subarray(0, 8) : data.slice(0, 8), flag);
        throw enospc();
      }
      original.writeFile(path, data, flag);
    };
    const scene = await loadScene('aggregation-disk');
    // After the checkpointer on its schedule: once the checkpoint of step 14 is written, the next ones fail.
    const fail: Callback = { name: 'fail after 14', schedule: everySteps(7, { final: false }), call: (ctx) => void (failing = ctx.step >= 14) };
    const p = executeRun({ scene, raw: RAW, out, ...SCHEDULE, outputs: [fail] });
    await expect(p).rejects.toThrow(/cannot write '.*checkpoint-000021\.x\.npy': no space left on device \(ENOSPC\)/);
    expect(tmpFiles(out)).toEqual([]);
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint')).sort()).toEqual(['checkpoint-000014.x.npy', 'checkpoint.json']);
  });

  it('a sweep whose index cannot be written still prints its summary and says what happened', async () => {
    const dir = join(tempDir('full-index'), 'sweep');
    writeCalls.writeFile = (path, data, flag) => {
      if (/index\.jsonl/.test(path)) {
        original.writeFile(path, '', flag);
        throw enospc();
      }
      original.writeFile(path, data, flag);
    };
    const r = await runCli(['sweep', 'aggregation-disk', '--grid', 'seed=1,2', '--set', 'n=30', '--steps', '4', '--jobs', '1', '--out', dir, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^2 of 2 runs: 2 ran, 0 resumed, 0 already done, 0 failed/);
    expect(r.stderr).toMatch(new RegExp(`^wgf: could not write the sweep's index: cannot write '${dir}/index\\.jsonl': no space left on device \\(ENOSPC\\); the runs' directories hold the results: once that is fixed, wgf sweep --merge ${dir} writes it\\n$`));
    expect(tmpFiles(dir)).toEqual([]);
  });
});
