import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitOf, fingerprint, readJsonFile, runCli, runCliProcess, spawnCli, tempDir, waitFor } from '../../cli-harness.ts';

const SWEEP = ['aggregation-disk', '--grid', 'dt=0.01,0.02', '--grid', 's0=0.2,0.4', '--seeds', '2', '--set', 'n=50', '--steps', '20', '--quiet'];
const NAMES = ['0.01', '0.02'].flatMap((dt) => ['0.2', '0.4'].flatMap((s0) => [0, 1].map((seed) => `dt=${dt}_s0=${s0}_seed=${seed}`)));

const runDirs = (dir: string) => readdirSync(dir).filter((f) => existsSync(join(dir, f, 'scene.json'))).sort();
const jsonl = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const withoutWall = (rows: any[]) => rows.map(({ wall_seconds: _w, ...r }) => r);
const count = (out: string, what: string) => Number(new RegExp(`(\\d+) ${what}`).exec(out)?.[1]);

describe('wgf sweep', () => {
  it('2 parameters × 2 seeds: 8 run directories, a complete index, a summary plot, runs equal to wgf run; a re-launch runs nothing twice', async () => {
    const dir = join(tempDir('grid'), 'sweep');
    const r = await runCli(['sweep', ...SWEEP, '--jobs', '2', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^8 of 8 runs: 8 ran, 0 resumed, 0 already done, 0 failed/);
    expect(runDirs(dir)).toEqual([...NAMES].sort());
    const rows = jsonl(join(dir, 'index.jsonl'));
    expect(rows.map((x) => x.run)).toEqual(NAMES);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      expect(row.steps).toBe(20);
      expect(row.wall_seconds).toBeGreaterThan(0);
      expect(row.final.radial_w1).toBeGreaterThan(0);
      expect(`dt=${row.params.dt}_s0=${row.params.s0}_seed=${row.params.seed}`).toBe(row.run);
      expect(readJsonFile(join(dir, row.run, 'scene.json')).params).toMatchObject({ n: 50, steps: 20, ...row.params });
    }
    const csv = readFileSync(join(dir, 'index.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,dt,s0,seed,status,steps,t,wall_seconds,energy,radial_w1,radial_ks,max_radius,sliced_w2_to_ball,message');
    expect(csv).toHaveLength(9);
    expect(Number(csv[8].split(',')[9])).toBe(rows[7].final.radial_w1);
    const svg = readFileSync(join(dir, 'summary.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('radial_w1 vs dt');
    expect(svg).toContain('radial_w1 vs s0');

    // A run of the sweep (in a worker thread) has the same bits as the same run alone.
    const alone = join(tempDir('alone'), 'run');
    expect((await runCli(['run', 'aggregation-disk', '--set', 'n=50', '--set', 'dt=0.02', '--set', 's0=0.4', '--seed', '1', '--steps', '20', '--out', alone, '--quiet'])).code).toBe(0);
    expect(readFileSync(join(dir, 'dt=0.02_s0=0.4_seed=1', 'final.npy')).equals(readFileSync(join(alone, 'final.npy')))).toBe(true);

    const before = fingerprint(dir, /^index|^summary\.svg$/);
    const again = await runCli(['sweep', ...SWEEP, '--jobs', '2', '--out', dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^8 of 8 runs: 0 ran, 0 resumed, 8 already done/);
    expect(fingerprint(dir, /^index|^summary\.svg$/)).toEqual(before);
  });

  it('shards 0/3, 1/3, 2/3 (flag, Slurm and Kubernetes variables) partition the runs; --merge equals the unsharded index', async () => {
    const base = tempDir('shards');
    const whole = join(base, 'whole');
    const dir = join(base, 'sharded');
    expect((await runCli(['sweep', ...SWEEP, '--jobs', '2', '--out', whole])).code).toBe(0);

    const launches: [string[], Record<string, string>][] = [
      [['--shard', '0/3'], {}],
      [[], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }],
      [[], { JOB_COMPLETION_INDEX: '2', WGF_SHARD_COUNT: '3' }],
    ];
    const seen: string[][] = [];
    for (const [i, [args, env]] of launches.entries()) {
      const r = await runCli(['sweep', ...SWEEP, '--jobs', '2', '--out', dir, ...args], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shard ${i}/3`);
      const part = jsonl(join(dir, 'shards', `index-${i}-of-3.jsonl`));
      seen.push(part.map((x) => x.run));
      expect(part.every((x) => x.status === 'ok')).toBe(true);
      // The whole index appears only once every shard has finished.
      expect(existsSync(join(dir, 'index.jsonl'))).toBe(i === 2);
    }
    expect(seen.map((s) => s.length)).toEqual([3, 3, 2]);
    expect(seen.flat().sort()).toEqual([...NAMES].sort());
    expect(new Set(seen.flat()).size).toBe(8);

    const auto = readFileSync(join(dir, 'index.jsonl'), 'utf8');
    const m = await runCli(['sweep', '--merge', dir]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/^merged 8 runs/);
    expect(readFileSync(join(dir, 'index.jsonl'), 'utf8')).toBe(auto);
    expect(withoutWall(jsonl(join(dir, 'index.jsonl')))).toEqual(withoutWall(jsonl(join(whole, 'index.jsonl'))));
    for (const name of NAMES) expect(readFileSync(join(dir, name, 'final.npy')).equals(readFileSync(join(whole, name, 'final.npy')))).toBe(true);
  });

  it('a failing run and a crashed worker are recorded in the index without stopping the others; a re-launch retries them', async () => {
    const dir = join(tempDir('fail'), 'sweep');
    const args = ['sweep', 'tests/cli/sweep/fixtures/flaky-scene.ts', '--grid', 'mode=ok,exit,throw', '--grid', 'n=20,30', '--jobs', '2', '--out', dir, '--quiet'];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^6 of 6 runs: 2 ran, 0 resumed, 0 already done, 4 failed/);
    const rows = jsonl(join(dir, 'index.jsonl'));
    expect(rows.map((x) => [x.params.mode, x.status])).toEqual([['ok', 'ok'], ['ok', 'ok'], ['exit', 'failed'], ['exit', 'failed'], ['throw', 'failed'], ['throw', 'failed']]);
    expect(rows[2].message).toBe('worker thread exited with code 3');
    expect(rows[4].message).toMatch(/^scene file '.*flaky-scene\.ts': build\(\) threw: fixture: build failed on purpose$/);
    const again = await runCli(args);
    expect(again.stdout).toMatch(/^6 of 6 runs: 0 ran, 0 resumed, 2 already done, 4 failed/);
  });

  it('two launches at once on the same DIR never run the same run twice', async () => {
    const dir = join(tempDir('twice'), 'sweep');
    const args = ['sweep', 'aggregation-disk', '--grid', 'seed=1,2,3,4,5,6', '--set', 'n=150', '--steps', '150', '--jobs', '1', '--out', dir, '--quiet'];
    // Two processes (the point of the test): each has its own locks' holder pid.
    const launch = async () => (await runCliProcess(args)).stdout;
    const [a, b] = await Promise.all([launch(), launch()]);
    // Every run ran exactly once: in one launch, and was skipped or held (locked) in the other.
    expect(count(a, 'ran') + count(b, 'ran')).toBe(6);
    expect(count(a, 'ran') + count(a, 'already done') + count(a, 'held by another launch')).toBe(6);
    expect(count(b, 'ran') + count(b, 'already done') + count(b, 'held by another launch')).toBe(6);
    expect(runDirs(dir)).toHaveLength(6);
  });

  it('a sweep killed with kill -9 resumes its interrupted runs from their checkpoints when re-launched, with the same bits', async () => {
    const base = tempDir('sweepkill');
    const args = ['fokker-planck', '--grid', 'temperature=0.5,1', '--seeds', '2', '--set', 'n=200', '--set', 'entropy=langevin', '--steps', '12000', '--every', '1000', '--checkpoint-every', '500', '--jobs', '2', '--quiet'];
    const ref = join(base, 'ref');
    const cut = join(base, 'cut');
    expect((await runCli(['sweep', ...args, '--out', ref])).code).toBe(0);
    const child = spawnCli(['sweep', ...args, '--out', cut], { stdio: 'ignore' });
    const exited = exitOf(child);
    const ckpt = () => (existsSync(cut) ? readdirSync(cut).some((d) => existsSync(join(cut, d, 'checkpoint.json'))) : false);
    await waitFor(ckpt, 'a checkpoint in the sweep', child);
    child.kill('SIGKILL');
    await exited;
    const r = await runCli(['sweep', ...args, '--out', cut]);
    expect(r.code, r.stderr).toBe(0);
    expect(count(r.stdout, 'resumed')).toBeGreaterThanOrEqual(1);
    expect(withoutWall(jsonl(join(cut, 'index.jsonl')))).toEqual(withoutWall(jsonl(join(ref, 'index.jsonl'))));
    for (const name of runDirs(ref)) {
      expect(fingerprint(join(cut, name), /^(scene|summary)\.json$/)).toEqual(fingerprint(join(ref, name), /^(scene|summary)\.json$/));
    }
  });
});
