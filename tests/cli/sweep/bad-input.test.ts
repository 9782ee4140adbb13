import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../cli-harness.ts';

const BASE = ['sweep', 'aggregation-disk', '--set', 'n=20', '--steps', '2', '--quiet'];

/** Exit code 2 and exactly one line on stderr matching `msg` (the CLI run in this process: fast). */
async function expectUsage(args: string[], msg: RegExp, env: Record<string, string> = {}) {
  const r = await runCli(args, { env });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(msg);
}

describe('wgf sweep: bad input is one clear line', () => {
  const dir = tempDir('bad');
  const out = join(dir, 'out');

  it('empty grid, empty values, unknown parameter, bad value', async () => {
    await expectUsage([...BASE, '--out', out], /^wgf: empty grid: give at least one --grid k=v1,v2,… \(or --seeds N with N > 1\)$/m);
    await expectUsage([...BASE, '--grid', 'dt=', '--out', out], /--grid 'dt=' has an empty value/);
    await expectUsage([...BASE, '--grid', 'foo=1,2', '--out', out], /unknown parameter 'foo' of scene 'aggregation-disk' \(allowed: n, dt, steps, seed/);
    await expectUsage([...BASE, '--grid', 'dt=0.1,-2', '--out', out], /parameter 'dt' must be a number in \(0, .*; got '-2'/);
  });

  it('invalid shard specs, from the flag and from the environment', async () => {
    const sweep = [...BASE, '--grid', 'dt=0.1,0.2', '--out', out];
    await expectUsage([...sweep, '--shard', '3/3'], /--shard index must be below the count \(0 ≤ i < n, shards are numbered from 0\); got '3\/3'/);
    await expectUsage([...sweep, '--shard', 'a/b'], /--shard count n in 'a\/b' must be an integer ≥ 1; got 'b'/);
    await expectUsage(sweep, /SLURM_ARRAY_TASK_ID\/SLURM_ARRAY_TASK_COUNT index must be below the count/, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '4' });
  });

  it('DIR that is a file, a non-sweep directory, another sweep in DIR, --merge of a non-sweep', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expectUsage([...BASE, '--grid', 'dt=0.1,0.2', '--out', file], /--out '.*a-file' is a file, not a directory/);
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'x');
    await expectUsage([...BASE, '--grid', 'dt=0.1,0.2', '--out', other], /is not empty and holds no sweep\.json \(not a sweep\)/);
    const sweepDir = join(dir, 'sweep');
    expect((await runCli([...BASE, '--grid', 'dt=0.1,0.2', '--out', sweepDir])).code).toBe(0);
    await expectUsage([...BASE, '--grid', 'dt=0.1,0.3', '--out', sweepDir], /holds another sweep \(sweep\.json differs/);
    await expectUsage(['sweep', '--merge', other], /--merge '.*other' holds no sweep\.json/);
    await expectUsage(['sweep', '--merge', file], /--merge '.*a-file' is not a directory/);
    await expectUsage(['sweep', 'aggregation-disk', '--grid', 'dt=0.1'], /wgf sweep needs --out DIR/);
    await expectUsage([...BASE, '--grid', 'dt=0.1,0.2', '--jobs', '0', '--out', out], /--jobs must be an integer ≥ 1; got '0'/);
  });
});
