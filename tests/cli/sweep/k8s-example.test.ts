import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../../cli-harness.ts';

/**
 * examples/k8s/sweep-job.yaml cannot run here (no Kubernetes), so this runs its
 * container command as the Job would, once per completion index with
 * JOB_COMPLETION_INDEX and WGF_SHARD_COUNT from the manifest, scaled down
 * (fewer steps and particles, one worker, a temporary --out).
 */
function manifest() {
  const text = readFileSync(join(ROOT, 'examples/k8s/sweep-job.yaml'), 'utf8');
  const completions = Number(/^\s*completions:\s*(\d+)/m.exec(text)?.[1]);
  const shardCount = /name: WGF_SHARD_COUNT\s*\n\s*value:\s*"(\d+)"/.exec(text)?.[1];
  const block = /^(\s*)command:\s*\n((?:\1\s+- .*\n)+)/m.exec(text)?.[2] ?? '';
  const command = block.split('\n').filter((l) => l.trim()).map((l) => l.trim().slice(2).replace(/^"(.*)"$/, '$1'));
  return { completions, shardCount, command };
}

describe('examples/k8s/sweep-job.yaml', () => {
  it('its command, run once per completion index, covers the sweep and leaves a complete index', async () => {
    const { completions, shardCount, command } = manifest();
    expect(completions).toBe(4);
    expect(shardCount).toBe(String(completions));
    expect(command.slice(0, 3)).toEqual(['node', 'bin/wgf.mjs', 'sweep']);
    const args = command.slice(2);
    const at = (flag: string) => args.indexOf(flag) + 1;
    args[at('--out')] = join(tempDir('k8s'), 'sweep');
    args[at('--steps')] = '5';
    args[at('--jobs')] = '1';
    args.push('--set', 'n=30', '--quiet');
    const ran: number[] = [];
    for (let k = 0; k < completions; k++) {
      const r = await runCli(args, { env: { JOB_COMPLETION_INDEX: String(k), WGF_SHARD_COUNT: shardCount! } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shard ${k}/4 (JOB_COMPLETION_INDEX/WGF_SHARD_COUNT)`);
      ran.push(Number(/(\d+) ran/.exec(r.stdout)?.[1]));
    }
    expect(ran).toEqual([4, 4, 4, 4]); // 2 dt × 2 s0 × 4 seeds
    const rows = readFileSync(join(args[at('--out')], 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(16);
    expect(rows.every((x) => x.status === 'ok')).toBe(true);
  });
});
