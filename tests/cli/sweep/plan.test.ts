import { describe, expect, it } from 'vitest';
import { parseGrid, planRuns, type SweepSpec } from '../../../cli/sweep/plan.ts';
import { inShard, parseShard, resolveShard } from '../../../cli/sweep/shard.ts';
import { findScene } from '../../../scenes/index.ts';

const disk = findScene('aggregation-disk')!;

function spec(grid: string[], seeds = 1, set: SweepSpec['set'] = {}): SweepSpec {
  return { scene: disk.id, grid: parseGrid(grid), set, seeds, seed0: 5, backend: 'ts', main_metric: 'energy' };
}

describe('sweep plan', () => {
  it('is the Cartesian product in grid order, last parameter fastest, seeds innermost, named by resolved values', () => {
    const runs = planRuns(spec(['dt=0.010,0.02', 's0=0.3,0.5,1'], 2, { n: '50' }), disk);
    expect(runs).toHaveLength(2 * 3 * 2);
    expect(runs.slice(0, 3).map((r) => r.name)).toEqual(['dt=0.01_s0=0.3_seed=5', 'dt=0.01_s0=0.3_seed=6', 'dt=0.01_s0=0.5_seed=5']);
    expect(runs[11].name).toBe('dt=0.02_s0=1_seed=6');
    expect(runs[11].swept).toEqual({ dt: 0.02, s0: 1, seed: 6 });
    expect(runs[11].raw).toEqual({ n: '50', dt: '0.02', s0: '1', seed: 6 });
    expect(runs.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(new Set(runs.map((r) => r.name)).size).toBe(12);
  });

  it('refuses empty grids, unknown parameters, bad values and duplicates with one-line messages', () => {
    expect(() => planRuns(spec([]), disk)).toThrow(/^empty grid: give at least one --grid/);
    expect(() => parseGrid(['dt='])).toThrow("--grid 'dt=' has an empty value");
    expect(() => parseGrid(['dt=0.1,,0.2'])).toThrow(/empty value/);
    expect(() => parseGrid(['dt'])).toThrow("--grid expects k=v1,v2,…; got 'dt'");
    expect(() => parseGrid(['dt=1', 'dt=2'])).toThrow(/given twice/);
    expect(() => planRuns(spec(['foo=1,2']), disk)).toThrow(/^--grid: unknown parameter 'foo' of scene 'aggregation-disk' \(allowed: n, dt,/);
    expect(() => planRuns(spec(['dt=0.1,-1']), disk)).toThrow(/^parameter 'dt' must be a number in \(0, .*got '-1'$/);
    expect(() => planRuns(spec(['dt=0.1,0.10']), disk)).toThrow(/give the same run 'dt=0.1_seed=5'/);
    expect(() => planRuns(spec(['n=10,20'], 1, { n: '5' }), disk)).toThrow(/both swept \(--grid\) and fixed \(--set\)/);
    expect(() => planRuns(spec(['seed=1,2'], 3), disk)).toThrow(/--grid seed=… and --seeds N/);
  });

  it('--seeds alone is a sweep over seeds', () => {
    expect(planRuns(spec([], 3), disk).map((r) => r.name)).toEqual(['seed=5', 'seed=6', 'seed=7']);
  });
});

describe('shards', () => {
  it('i/n for i = 0..n-1 partition the runs exactly, for every n', () => {
    const runs = planRuns(spec(['dt=0.01,0.02,0.03', 's0=0.2,0.4'], 3), disk);
    for (const n of [1, 2, 3, 4, 7, 18, 25]) {
      const owners = runs.map((r) => [...Array(n).keys()].filter((i) => inShard(r.index, { index: i, count: n, source: '' })));
      expect(owners.every((o) => o.length === 1)).toBe(true);
      const sizes = [...Array(n).keys()].map((i) => owners.filter((o) => o[0] === i).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('parses i/n and refuses 3/3, a/b, -1/2, 1/0 with one-line messages', () => {
    expect(parseShard('2/3')).toMatchObject({ index: 2, count: 3 });
    expect(() => parseShard('3/3')).toThrow(/index must be below the count .*got '3\/3'/);
    expect(() => parseShard('a/b')).toThrow(/count n in 'a\/b' must be an integer ≥ 1; got 'b'/);
    expect(() => parseShard('-1/2')).toThrow(/index i in '-1\/2' must be an integer ≥ 0/);
    expect(() => parseShard('1/0')).toThrow(/count n in '1\/0' must be an integer ≥ 1/);
    expect(() => parseShard('12')).toThrow(/expects i\/n/);
  });

  it('reads Slurm job arrays and Kubernetes Indexed Jobs from the environment; --shard wins', () => {
    expect(resolveShard(undefined, {})).toBeNull();
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 2, count: 4 });
    // --array=1-4: ids 1..4 map to shards 0..3.
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toMatchObject({ index: 3, count: 4 });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '1', WGF_SHARD_COUNT: '3' })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard('0/2', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' })).toMatchObject({ index: 0, count: 2 });
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '1' })).toThrow(/WGF_SHARD_COUNT is not/);
    expect(() => resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/index must be below the count/);
  });
});
