import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, resolveParams } from '../../engine/index.ts';
import { aggregationDisk } from '../../scenes/aggregation.ts';
import { exitOf, expectUsageError, runCli, spawnCli, tempDir, waitFor } from '../cli-harness.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';

describe('wgf list', () => {
  it('lists every catalogue scene with its description and parameters', async () => {
    const r = await runCli(['list']);
    expect(r.code).toBe(0);
    for (const id of ['fokker-planck', 'aggregation-disk', 'aggregation-ball', 'double-well']) expect(r.stdout).toContain(id);
    expect(r.stdout).toMatch(/n=2000 dt=0.02/);
  });
});

describe('wgf run → run directory (docs/design.md §5.2)', () => {
  const out = join(tempDir('run'), 'run');
  let r: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    r = await runCli(['run', 'aggregation-disk', '--set', 'n=40', '--steps', '20', '--every', '5', '--seed', '7', '--out', out, '--quiet']);
  });

  it('exits 0 and writes every file of the contract', () => {
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['scene.json', 'metrics.jsonl', 'final.npy', 'summary.json', 'energy.svg', 'frames']) expect(existsSync(join(out, f)), f).toBe(true);
    const scene = JSON.parse(readFileSync(join(out, 'scene.json'), 'utf8'));
    expect(scene).toMatchObject({ scene: 'aggregation-disk', seed: 7, kind: 'particles', dim: 2, shape: [40, 2], steps: 20, every: 5, metrics_every: 50 });
    expect(['ts', 'gpu', 'auto']).toContain(scene.backend);
    expect(scene.params).toMatchObject({ n: 40, steps: 20, seed: 7, dt: 0.02 });
    expect(typeof scene.wgflow_version).toBe('string');
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 5, 10, 15, 20]);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['step', 't', 'energy', 'energy_terms']));
    // The scene's metrics ride on every 10th record (metrics_every = 50 steps) and the last.
    expect(lines.filter((l) => 'radial_w1' in l).map((l) => l.step)).toEqual([0, 20]);
    expect(readdirSync(join(out, 'frames')).sort()).toEqual(['000000.npy', '000005.npy', '000010.npy', '000015.npy', '000020.npy']);
    const frame = decodeNpy(readFileSync(join(out, 'frames', '000020.npy')));
    expect(frame.dtype).toBe('<f4');
    expect(frame.shape).toEqual([40, 2]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'ok', steps: 20 });
    expect(summary.final.step).toBe(20);
    expect(readFileSync(join(out, 'energy.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<path/);
  });

  it('--metrics-every sets when records carry the metrics; energy.svg plots the metric from those records', async () => {
    const dir = join(tempDir('metrics-every'), 'r');
    const res = await runCli(['run', 'aggregation-disk', '--set', 'n=40', '--steps', '20', '--every', '5', '--metrics-every', '10', '--seed', '7', '--out', dir, '--quiet']);
    expect(res.code, res.stderr).toBe(0);
    const scene = JSON.parse(readFileSync(join(dir, 'scene.json'), 'utf8'));
    expect(scene.metrics_every).toBe(10);
    expect(scene.callbacks['scene metrics (in the record)']).toBe('every 10 steps and the last');
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => 'radial_w1' in l).map((l) => l.step)).toEqual([0, 10, 20]);
    // The energies of the same steps are the run's without --metrics-every (metrics do not touch the state).
    const all = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.energy)).toEqual(all.map((l) => l.energy));
    const svg = readFileSync(join(dir, 'energy.svg'), 'utf8');
    expect(svg).toContain('radial_w1');
    expect(svg).not.toMatch(/NaN/);
  });

  it('final.npy is float64 and bit-identical to the same run in-process (same seed)', () => {
    const fin = decodeNpy(readFileSync(join(out, 'final.npy')));
    expect(fin.dtype).toBe('<f8');
    const sim = aggregationDisk.build(resolveParams(aggregationDisk.params, { n: 40, steps: 20, seed: 7 }), { accelerator: referenceAccelerator() });
    for (let k = 0; k < 20; k++) sim.advance();
    expect(Array.from(fin.data)).toEqual(Array.from(sim.measure()));
    const frame = decodeNpy(readFileSync(join(out, 'frames', '000020.npy')));
    expect(Array.from(frame.data)).toEqual(Array.from(Float32Array.from(sim.measure())));
  });

  it('--init starts from given positions, and rejects a wrong shape in one line', async () => {
    const dir = tempDir('init');
    const x0 = Float64Array.from({ length: 80 }, (_, i) => Math.sin(i) * 0.5);
    writeFileSync(join(dir, 'x0.npy'), encodeNpy(x0, [40, 2]));
    const ok = await runCli(['run', 'aggregation-disk', '--set', 'n=40', '--steps', '0', '--init', join(dir, 'x0.npy'), '--out', join(dir, 'r'), '--quiet']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(Array.from(decodeNpy(readFileSync(join(dir, 'r', 'final.npy'))).data)).toEqual(Array.from(x0));
    expectUsageError(await runCli(['run', 'aggregation-disk', '--set', 'n=41', '--init', join(dir, 'x0.npy'), '--out', join(dir, 'r2')]), /--init .* has shape \[40, 2\]; this scene needs \[41, 2\]/);
  });

  it('loads a user scene file written in TypeScript that imports from wgflow', async () => {
    const dir = tempDir('scene-file');
    writeFileSync(
      join(dir, 'my-scene.ts'),
      `import { defineScene, ParticleMeasure, particleSimulation, Potential, quadraticPotential, Rng, gaussianCloud } from 'wgflow';
export default defineScene({
  id: 'my-scene', title: 'mine', description: 'user scene',
  params: { n: { type: 'integer', default: 10, min: 1, description: 'n' }, steps: { type: 'integer', default: 5, min: 0, description: 's' }, seed: { type: 'integer', default: 0, min: 0, description: 'seed' } },
  build: (p) => particleSimulation({ measure: new ParticleMeasure(gaussianCloud(new Rng(p.seed), p.n, 2, 1, 0.1), 2), energies: [new Potential(quadraticPotential())], dt: 0.5, seed: 0 }),
});
`,
    );
    const res = await runCli(['run', join(dir, 'my-scene.ts'), '--set', 'n=12', '--out', join(dir, 'r'), '--quiet']);
    expect(res.code, res.stderr).toBe(0);
    const fin = decodeNpy(readFileSync(join(dir, 'r', 'final.npy')));
    expect(fin.shape).toEqual([12, 2]);
    // V = |x|²/2 with τ = 0.5: every coordinate is halved 5 times.
    const sim0 = decodeNpy(readFileSync(join(dir, 'r', 'frames', '000000.npy')));
    for (let i = 0; i < 24; i++) expect(fin.data[i]).toBeCloseTo(sim0.data[i] / 32, 6);
    expect(JSON.parse(readFileSync(join(dir, 'r', 'scene.json'), 'utf8')).scene_file).toContain('my-scene.ts');
  });
});

describe('bad input and faults: one line on stderr, non-zero exit, no stack trace', () => {
  const dir = tempDir('bad');
  writeFileSync(join(dir, 'afile'), 'x');
  writeFileSync(join(dir, 'bad.npy'), 'not numpy');
  const cases: [string, string[], RegExp][] = [
    ['unknown scene', ['run', 'no-such-scene'], /unknown scene 'no-such-scene' \(catalogue: fokker-planck/],
    ['unknown parameter', ['run', 'fokker-planck', '--set', 'bogus=1'], /unknown parameter 'bogus' \(allowed: n, d, dt/],
    ['out of range', ['run', 'fokker-planck', '--set', 'n=0'], /parameter 'n' must be an integer in \[1, 1000000\]; got '0'/],
    ['wrong type', ['run', 'fokker-planck', '--set', 'dt=fast'], /parameter 'dt' must be a number in \(0, 10\]; got 'fast'/],
    ['bad choice', ['run', 'fokker-planck', '--set', 'entropy=magic'], /parameter 'entropy' must be one of blob, langevin/],
    ['--out is a file', ['run', 'fokker-planck', '--out', join(dir, 'afile')], /--out .*afile' is a file/],
    ['unwritable --out (below a file)', ['run', 'fokker-planck', '--out', join(dir, 'afile', 'sub')], /cannot create --out/],
    ['--init not NPY', ['run', 'fokker-planck', '--init', join(dir, 'bad.npy')], /is not a readable NPY file/],
    ['--init missing', ['run', 'fokker-planck', '--init', join(dir, 'missing.npy')], /cannot read .*missing.npy/],
    ['negative steps', ['run', 'fokker-planck', '--steps', '-3'], /--steps must be a non-negative integer/],
    ['bad backend', ['run', 'fokker-planck', '--backend', 'quantum'], /unknown --backend 'quantum'/],
    ['--metrics-every not a multiple of --every', ['run', 'fokker-planck', '--every', '5', '--metrics-every', '7'], /--metrics-every must be a positive multiple of the recording period \(--every 5\); got 7/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      expectUsageError(await runCli([...args, '--quiet']), re);
    });
  }

  it('a blow-up stops as diverged with the step and a hint, and leaves a valid directory', async () => {
    const out = join(dir, 'div');
    const r = await runCli(['run', 'fokker-planck', '--set', 'dt=3', '--set', 'entropy=langevin', '--set', 'n=30', '--steps', '400', '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/at step \d+.*smaller dt/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('diverged');
    expect(summary.diverged_step).toBeGreaterThan(0);
    expect(existsSync(join(out, 'energy.svg'))).toBe(true);
  });

  it('Ctrl-C (a real SIGINT to bin/wgf.mjs) ends the run as interrupted with valid files', async () => {
    const out = join(dir, 'int');
    const child = spawnCli(['run', 'double-well', '--steps', '100000', '--every', '1', '--out', out, '--quiet']);
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    const exited = exitOf(child);
    // Wait until a few steps are recorded, then interrupt.
    const metrics = join(out, 'metrics.jsonl');
    const recorded = () => (existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').length - 1 : 0);
    await waitFor(() => recorded() >= 3, 'three recorded steps', child);
    const seen = recorded();
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    // Stopped at a step boundary at or after the last step recorded before the signal (steps 0, 1, … are recorded).
    expect(summary.steps).toBeGreaterThanOrEqual(seen - 1);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    for (const l of lines) JSON.parse(l);
    expect(decodeNpy(readFileSync(join(out, 'final.npy'))).shape).toEqual([1000, 2]);
    expect(existsSync(join(out, '.wgf.lock')), 'the lock is released').toBe(false);
  });
});
