import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRun, resumeRun } from '../../cli/execute-run.ts';
import { readCheckpoint } from '../../node/checkpoint.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { exitOf, fingerprint, readJsonFile, runCli, spawnCli, tempDir, waitFor } from '../cli-harness.ts';
import { stepCounter } from '../run-helpers.ts';

// Stochastic (Langevin noise): a resume that lost the RNG state would differ at once.
// 40000 cheap steps last ~1.5 s, long enough to be killed between checkpoints.
const LANGEVIN = ['fokker-planck', '--set', 'n=200', '--set', 'entropy=langevin', '--steps', '40000', '--every', '500', '--checkpoint-every', '1000', '--quiet'];
/** Files that legitimately differ between two runs: creation time (scene.json) and wall time (summary.json). */
const TIMED = /^(scene|summary)\.json$/;

function summaryWithoutWall(dir: string) {
  const s = readJsonFile(join(dir, 'summary.json'));
  delete s.wall_seconds;
  delete s.timing;
  return s;
}

describe('wgf run --checkpoint-every / --resume', () => {
  it('kill -9 mid-run, then --resume: the run directory ends bit-identical to an uninterrupted run', async () => {
    const base = tempDir('kill');
    const ref = join(base, 'ref');
    const cut = join(base, 'cut');
    expect((await runCli(['run', ...LANGEVIN, '--out', ref])).code).toBe(0);

    const child = spawnCli(['run', ...LANGEVIN, '--out', cut], { stdio: 'ignore' });
    const exited = exitOf(child);
    const ckpt = join(cut, 'checkpoint.json');
    await waitFor(() => existsSync(ckpt) && readJsonFile(ckpt).step >= 3000, 'a checkpoint at step 3000', child);
    child.kill('SIGKILL');
    await exited;
    // Killed mid-run: a valid but unfinished directory with a checkpoint, metrics past it possibly torn.
    expect(readJsonFile(join(cut, 'summary.json')).status).toBe('interrupted');
    const at = readCheckpoint(cut)!.run.step;
    expect(at).toBeGreaterThanOrEqual(3000);
    expect(at).toBeLessThan(40000);
    expect(existsSync(join(cut, 'final.npy'))).toBe(false);

    // The killed run's lock (a dead pid) is taken over at once.
    expect(readJsonFile(join(cut, '.wgf.lock')).pid).toBe(child.pid);
    const r = await runCli(['run', '--resume', cut, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: 40000 steps/);
    expect(fingerprint(cut, TIMED)).toEqual(fingerprint(ref, TIMED));
    expect(readFileSync(join(cut, 'final.npy')).equals(readFileSync(join(ref, 'final.npy')))).toBe(true);
    expect(summaryWithoutWall(cut)).toEqual(summaryWithoutWall(ref));
    // The checkpoint is removed once the run has ended.
    expect(existsSync(join(cut, 'checkpoint.json'))).toBe(false);
  });

  it('a stop between checkpoints (SIGINT path) keeps a checkpoint at the stop; resuming matches, backtracking step sizes included', async () => {
    const scene = await loadScene('aggregation-disk');
    const raw = { n: 60, steps: 50, backtracking: 'true', dt: 1 };
    const base = tempDir('stop');
    const ref = join(base, 'ref');
    const cut = join(base, 'cut');
    // Metrics (with `tau`) in every record: aggregation-disk's default puts them in every 5th.
    const full = await executeRun({ scene, raw, out: ref, every: 3, metricsEvery: 3, checkpointEvery: 7 });
    expect(full.status).toBe('ok');
    const counter = stepCounter();
    const stopped = await executeRun({ scene, raw, out: cut, every: 3, metricsEvery: 3, checkpointEvery: 7, outputs: [counter.callback], shouldStop: () => counter.steps() >= 23 });
    expect(stopped.status).toBe('interrupted');
    expect(readCheckpoint(cut)!.run.step).toBe(23); // not a multiple of 7: written at the stop
    const resumed = await resumeRun({ dir: cut });
    expect(resumed.fromStep).toBe(23);
    expect(resumed.summary.status).toBe('ok');
    expect(fingerprint(cut, TIMED)).toEqual(fingerprint(ref, TIMED));
    // Backtracking halved τ at some recorded step, so the `tau` metric is really compared.
    const taus = readFileSync(join(ref, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).tau as number);
    expect(Math.min(...taus)).toBeLessThan(1);
  });

  it('a corrupted checkpoint is a one-line error and leaves the run directory untouched', async () => {
    const scene = await loadScene('aggregation-disk');
    const dir = join(tempDir('corrupt'), 'run');
    const counter = stepCounter();
    await executeRun({ scene, raw: { n: 40, steps: 30 }, out: dir, every: 2, checkpointEvery: 5, outputs: [counter.callback], shouldStop: () => counter.steps() >= 17 });
    const ck = readJsonFile(join(dir, 'checkpoint.json'));
    const state = join(dir, ck.arrays.x.file);
    const bytes = readFileSync(state);
    bytes[bytes.length - 3] ^= 0x40; // one flipped bit in the last particle
    writeFileSync(state, bytes);
    const before = fingerprint(dir);
    const r = await runCli(['run', '--resume', dir, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/corrupted checkpoint .*does not match its SHA-256.*left untouched/);
    expect(fingerprint(dir)).toEqual(before);

    writeFileSync(join(dir, 'checkpoint.json'), '{"format": "wgflow-checkpoint", "version": 1, "st');
    const before2 = fingerprint(dir);
    const r2 = await runCli(['run', '--resume', dir, '--quiet']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/corrupted checkpoint .*not valid JSON/);
    expect(fingerprint(dir)).toEqual(before2);
  });

  it('resuming an ended run does nothing; --resume refuses other settings and non-run directories', async () => {
    const dir = join(tempDir('ended'), 'run');
    expect((await runCli(['run', 'aggregation-disk', '--set', 'n=30', '--steps', '5', '--out', dir, '--quiet'])).code).toBe(0);
    const before = fingerprint(dir);
    const r = await runCli(['run', '--resume', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already ended \(status ok, 5 steps\); nothing to resume/);
    expect(fingerprint(dir)).toEqual(before);

    const bad = await runCli(['run', '--resume', dir, '--set', 'n=40']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wgf: --resume .* cannot be combined with --set\n$/);
    const notRun = await runCli(['run', '--resume', join(dir, 'frames')]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/is not a run directory \(no scene\.json\)/);
  });

  it('an interrupted run without a checkpoint restarts from step 0 and still ends like an uninterrupted run', async () => {
    const scene = await loadScene('aggregation-disk');
    const base = tempDir('nockpt');
    await executeRun({ scene, raw: { n: 40, steps: 12 }, out: join(base, 'ref'), every: 2 });
    const counter = stepCounter();
    await executeRun({ scene, raw: { n: 40, steps: 12 }, out: join(base, 'cut'), every: 2, outputs: [counter.callback], shouldStop: () => counter.steps() >= 7 });
    const r = await resumeRun({ dir: join(base, 'cut') });
    expect(r.fromStep).toBe(0);
    expect(fingerprint(join(base, 'cut'), TIMED)).toEqual(fingerprint(join(base, 'ref'), TIMED));
  });
});
