import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../engine/index.ts';
import { expectUsageError, runCli, tempDir } from '../cli-harness.ts';

/** `wgf compare` (issue #15): one free energy as particles and as a grid, in one run directory. */
describe('wgf compare → a run directory with both states', () => {
  const out = join(tempDir('compare'), 'run');
  let r: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    r = await runCli(['compare', 'compare-fokker-planck', '--set', 'd=1', '--set', 'grid=100', '--set', 'n=200', '--set', 'eps=0.01', '--set', 'dt=0.05', '--steps', '6', '--every', '2', '--out', out, '--quiet']);
  });

  it('writes the grid frames, the particle frames, compare.json and one comparison line', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^compare: W2\(particles, grid\) = [0-9.]+ at t=0\.3000; energy particles -?[0-9.]+, grid -?[0-9.]+; engines: particles [0-9.]+ s \(\d+%\), grid [0-9.]+ s \(\d+%\)/m);
    for (const f of ['scene.json', 'metrics.jsonl', 'final.npy', 'particles_final.npy', 'summary.json', 'compare.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readdirSync(join(out, 'frames')).sort()).toEqual(['000000.npy', '000002.npy', '000004.npy', '000006.npy']);
    expect(readdirSync(join(out, 'particles')).sort()).toEqual(['000000.npy', '000002.npy', '000004.npy', '000006.npy']);
    const scene = JSON.parse(readFileSync(join(out, 'scene.json'), 'utf8'));
    expect(scene).toMatchObject({ scene: 'compare-fokker-planck', kind: 'grid', shape: [100], companion: { name: 'particles', shape: [200, 1] } });
    const p = decodeNpy(readFileSync(join(out, 'particles', '000006.npy')));
    expect(p.shape).toEqual([200, 1]);
    expect(p.dtype).toBe('<f4');
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 2, 4, 6]);
    for (const k of ['w2_between', 'particle_energy', 'particle_energy_entropy', 'grid_sinkhorn_iterations', 'grid_w2_to_gibbs', 'particles_w2_to_gibbs']) expect(typeof lines[3][k], k).toBe('number');
    // The comparison scenes record their metrics (the W2 distances, the particles' energy) at every
    // second record and the last (scene.json metrics_every, issue #19); the records between hold the grid's energy.
    expect(scene.metrics_every).toBe(4);
    const withMetrics = lines.filter((l) => typeof l.w2_between === 'number');
    expect(withMetrics.map((l) => l.step)).toEqual([0, 4, 6]);
    expect(typeof lines[1].energy).toBe('number');
    expect(lines[1].particle_energy).toBeUndefined();
    const cmp = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(cmp.w2_between.map((x: number[]) => x[0])).toEqual(withMetrics.map((l) => l.t));
    expect(cmp.w2_between.map((x: number[]) => x[1])).toEqual(withMetrics.map((l) => l.w2_between));
    expect(r.stderr).not.toMatch(/warning/);
    expect(cmp.final.w2_between).toBe(lines[3].w2_between);
    expect(cmp.timing.particles_share + cmp.timing.grid_share).toBeCloseTo(1, 12);
  });

  it('--metrics-every puts the W2 distances in every record it names (a multiple of --every)', async () => {
    const dir = tempDir('compare-metrics-every');
    const args = ['compare', 'compare-fokker-planck', '--set', 'd=1', '--set', 'grid=50', '--set', 'n=100', '--set', 'eps=0.01', '--set', 'dt=0.05', '--steps', '4', '--every', '2', '--quiet'];
    const r2 = await runCli([...args, '--metrics-every', '2', '--out', join(dir, 'run')]);
    expect(r2.code, r2.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => typeof l.w2_between)).toEqual(['number', 'number', 'number']);
    const cmp = JSON.parse(readFileSync(join(dir, 'run', 'compare.json'), 'utf8'));
    expect(cmp.w2_between.map((x: number[]) => x[1])).toEqual(lines.map((l) => l.w2_between));
    expectUsageError(await runCli([...args, '--metrics-every', '3', '--out', join(dir, 'bad')]), /--metrics-every must be a positive multiple of the recording period \(--every 2\); got 3/);
  });

  it('refuses a scene that runs one discretization, before making the run directory', async () => {
    const dir = join(tempDir('compare-refuse'), 'run');
    const e = await runCli(['compare', 'fokker-planck', '--steps', '1', '--out', dir, '--quiet']);
    expectUsageError(e, /wgf compare needs a comparison scene .*'fokker-planck' runs one discretization: use wgf run fokker-planck/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a free energy term the particles cannot take: one line naming the term and the discretization, exit 2', async () => {
    const dir = tempDir('compare-congestion');
    const file = join(dir, 'crowd-compare.ts');
    writeFileSync(file, `import { defineScene, comparisonSimulation, Grid, quadraticPotential } from 'wgflow';
export default defineScene({
  id: 'crowd-compare', title: 'crowd', description: 'congestion on both',
  params: { steps: { type: 'integer', default: 2, min: 0, description: 's' } },
  build: () => {
    const grid = new Grid([32], [[-1, 1]]);
    return comparisonSimulation({ energy: { potential: quadraticPotential(1), entropy: 0.1, congestion: 2 }, grid, initial: grid.evaluate(() => 1), jko: { tau: 0.01, eps: 0.01 }, particles: { n: 50, seed: 0, delta: 0.1 } });
  },
});
`);
    const e = await runCli(['compare', file, '--out', join(dir, 'run'), '--quiet']);
    // The scene loader names the file, then the refusal: one line, exit 2.
    expectUsageError(e, /^wgf: scene file '.*crowd-compare\.ts': build\(\) threw: free energy term 'congestion' cannot be discretized on particles \(forward Wasserstein gradient descent\): /);
  });
  it('takes a free energy written as a JSON file (an energy file), and names a field out of place in one line', async () => {
    const dir = tempDir('compare-json');
    const file = join(dir, 'ou.json');
    writeFileSync(file, JSON.stringify({ title: 'OU two ways', d: 1, box: [-5, 5], potential: { kind: 'quadratic' }, entropy: 1, initial: { mean: [1], std: 0.5 } }));
    const run = join(dir, 'run');
    const ok = await runCli(['compare', file, '--set', 'grid=200', '--set', 'n=400', '--set', 'eps=0.0025', '--set', 'dt=0.05', '--steps', '20', '--out', run, '--quiet']);
    expect(ok.code, ok.stderr).toBe(0);
    // The engine-level OU check's level h = 0.05 (tests/engine/energy/comparison.test.ts): W2 between the two 0.0328.
    const cmp = JSON.parse(readFileSync(join(run, 'compare.json'), 'utf8'));
    expect(cmp.final.w2_between).toBeLessThan(0.043);
    const scene = JSON.parse(readFileSync(join(run, 'scene.json'), 'utf8'));
    expect(scene).toMatchObject({ scene: 'ou', scene_file: file, companion: { shape: [400, 1] } });
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ potental: { kind: 'quadratic' } }));
    expectUsageError(await runCli(['compare', join(dir, 'typo.json'), '--out', join(dir, 'r2'), '--quiet']), /energy file '.*typo\.json': unknown field 'potental' \(fields: title, d, box, potential,/);
    writeFileSync(join(dir, 'log.json'), JSON.stringify({ interaction: { kind: 'log' }, entropy: 1 }));
    expectUsageError(await runCli(['compare', join(dir, 'log.json'), '--out', join(dir, 'r3'), '--quiet']), /interaction\[0\]\.kind must be 'quadratic' or 'gaussian'/);
  });
});
