import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, WGF, runCli, tempDir } from '../../cli-harness.ts';

/**
 * The Slurm path for real: examples/slurm/sweep.sbatch submitted as a job array
 * of 4 tasks to a running Slurm cluster. It needs the Slurm daemons (Debian
 * `slurm-wlm`, slurmctld + slurmd + munged started on one node), which CI
 * machines do not have: skipped unless `sinfo` reports a usable node. The shard
 * logic itself is tested without Slurm (plan.test.ts, sweep.test.ts) through
 * the SLURM_ARRAY_TASK_ID/COUNT variables.
 */
function slurmReady(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && /\b(idle|mix|alloc)\b/.test(r.stdout);
}

describe('examples/slurm/sweep.sbatch', () => {
  it.skipIf(!slurmReady())('runs a sweep as a 4-task Slurm job array; the last task writes the whole index, equal to --merge', async () => {
    const base = tempDir('slurm');
    const out = join(base, 'out');
    const env = { ...process.env, WGF: `${process.execPath} ${WGF}`, OUT: out, STEPS: '20', SEEDS: '2', EXTRA: '--set n=40' };
    // sbatch --wait returns when every task of the array has ended (asynchronously: the test worker stays responsive).
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn('sbatch', ['--wait', '--cpus-per-task=1', `--output=${base}/task-%a.log`, join(ROOT, 'examples/slurm/sweep.sbatch')], { env });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const logs = readdirSync(base).filter((f) => f.startsWith('task-')).sort();
    expect(logs).toEqual(['task-0.log', 'task-1.log', 'task-2.log', 'task-3.log']);
    logs.forEach((f, i) => expect(readFileSync(join(base, f), 'utf8')).toContain(`shard ${i}/4 (SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT): 2 of 8 runs: 2 ran`));
    const index = readFileSync(join(out, 'index.jsonl'), 'utf8');
    const rows = index.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
    expect(rows.every((x) => x.status === 'ok')).toBe(true);
    expect((await runCli(['sweep', '--merge', out])).code).toBe(0);
    expect(readFileSync(join(out, 'index.jsonl'), 'utf8')).toBe(index);
  });
});
