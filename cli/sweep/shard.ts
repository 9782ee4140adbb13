import { UsageError } from '../../engine/core/simulation.ts';

/** Shard `index` of `count` (0-based): a deterministic subset of a sweep's runs. */
export interface Shard {
  index: number;
  count: number;
  /** Where the shard came from (for messages). */
  source: string;
}

function parseCount(text: string, what: string, min: number): number {
  const v = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`${what} must be an integer ≥ ${min}; got '${text}'`);
  return v;
}

/** Parses `i/n` with 0 ≤ i < n (e.g. `--shard 2/3`). */
export function parseShard(spec: string, source = '--shard'): Shard {
  const m = /^\s*([^/]+)\/([^/]+)\s*$/.exec(spec);
  if (!m) throw new UsageError(`${source} expects i/n with 0 ≤ i < n (e.g. 0/4); got '${spec}'`);
  const count = parseCount(m[2], `${source} count n in '${spec}'`, 1);
  const index = parseCount(m[1], `${source} index i in '${spec}'`, 0);
  if (index >= count) throw new UsageError(`${source} index must be below the count (0 ≤ i < n, shards are numbered from 0); got '${spec}'`);
  return { index, count, source };
}

/**
 * The shard to run: `--shard i/n` when given, else from the scheduler's
 * environment: Slurm job arrays (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT;
 * the task ids are taken relative to SLURM_ARRAY_TASK_MIN, so `--array=1-4`
 * works too), then Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, with the
 * count from WGF_SHARD_COUNT, since Kubernetes does not export `completions`).
 * Null: run everything.
 */
export function resolveShard(cli: string | undefined, env: Record<string, string | undefined> = process.env): Shard | null {
  if (cli !== undefined) return parseShard(cli);
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const source = 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT';
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) throw new UsageError(`SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard i/n`);
    const id = parseCount(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 0);
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? parseCount(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 0) : 0;
    return parseShard(`${id - min}/${env.SLURM_ARRAY_TASK_COUNT}`, source);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const source = 'JOB_COMPLETION_INDEX/WGF_SHARD_COUNT';
    if (env.WGF_SHARD_COUNT === undefined) throw new UsageError('JOB_COMPLETION_INDEX is set but WGF_SHARD_COUNT is not (set it to the Job\'s completions), or pass --shard i/n');
    return parseShard(`${env.JOB_COMPLETION_INDEX}/${env.WGF_SHARD_COUNT}`, source);
  }
  return null;
}

/** Round-robin over the canonical order: shard i gets runs i, i+n, i+2n, … (balanced across the grid). */
export function inShard(runIndex: number, shard: Shard | null): boolean {
  return shard === null || runIndex % shard.count === shard.index;
}
