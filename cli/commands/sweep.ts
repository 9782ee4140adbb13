import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { UsageError } from '../../engine/core/simulation.ts';
import type { WorkerPool } from '../sweep/pool.ts';
import { trapSignals, type CliContext } from '../io.ts';

interface SweepCliOptions {
  grid: string[];
  set: string[];
  seeds?: string;
  steps?: string;
  every?: string;
  checkpointEvery?: string;
  backend?: string;
  jobs?: string;
  shard?: string;
  out?: string;
  merge?: string;
  quiet?: boolean;
}

function positiveInt(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}; got '${v}'`);
  return n;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerSweep(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('sweep')
    .description('run a scene over a grid of parameters and seeds (parallel, shardable, resumable)')
    .argument('[scene]', 'catalogue id (wgf list) or path to a scene file')
    .option('--grid <k=v1,v2>', 'swept parameter and its values (repeatable: Cartesian product)', collect, [])
    .option('--set <k=v>', 'fixed scene parameter (repeatable)', collect, [])
    .option('--seeds <N>', 'runs per grid point, seeds S..S+N-1 (S: --set seed or the default)', '1')
    .option('--steps <N>', 'number of steps of every run')
    .option('--every <K>', 'record every K steps')
    .option('--checkpoint-every <K>', 'checkpoint every K steps (an interrupted sweep resumes from them)')
    .option('--backend <B>', 'hot-loop backend: ts | auto', 'auto')
    .option('--jobs <J>', 'worker threads (default: number of cores)')
    .option('--shard <i/n>', 'run shard i of n (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX)')
    .option('--out <DIR>', 'sweep directory: one run directory per run, index.csv, index.jsonl, summary.svg')
    .option('--merge <DIR>', "rebuild DIR's index from its shards' run directories")
    .option('--quiet', 'no progress output')
    .action(async (sceneArg: string | undefined, opts: SweepCliOptions) => {
      const [{ parseGrid }, { mergeSweep, runSweep }] = await Promise.all([import('../sweep/plan.ts'), import('../sweep/sweep.ts')]);
      if (opts.merge !== undefined) {
        if (sceneArg !== undefined || opts.grid.length || opts.out !== undefined || opts.shard !== undefined) {
          throw new UsageError('--merge DIR takes no scene, --grid, --shard or --out: it reads DIR/sweep.json');
        }
        const { rows, complete } = await mergeSweep(opts.merge);
        const missing = rows.filter((r) => r.status === 'missing' || r.status === 'interrupted').length;
        io.stdout.write(`merged ${rows.length} runs -> ${opts.merge}/index.csv${complete ? '' : ` (${missing} not finished: missing or interrupted)`}\n`);
        return;
      }
      if (!sceneArg) throw new UsageError('wgf sweep needs a scene id (see wgf list) or a scene file path, or --merge DIR');
      if (!opts.out) throw new UsageError('wgf sweep needs --out DIR (the sweep directory)');
      let pool: WorkerPool | undefined;
      let stopping = false;
      const release = trapSignals(io, () => {
        stopping = true;
        io.stderr.write('wgf sweep: stopping runs (they keep their checkpoints; relaunch the same command to resume)\n');
        pool?.stop();
      });
      try {
        const report = await runSweep({
          scene: sceneArg,
          grid: parseGrid(opts.grid),
          set: opts.set,
          seeds: positiveInt('--seeds', opts.seeds)!,
          steps: positiveInt('--steps', opts.steps, 0),
          every: positiveInt('--every', opts.every),
          checkpointEvery: positiveInt('--checkpoint-every', opts.checkpointEvery),
          backend: opts.backend,
          jobs: positiveInt('--jobs', opts.jobs) ?? availableParallelism(),
          shard: opts.shard,
          env: io.env,
          out: opts.out,
          quiet: opts.quiet,
          stderr: io.stderr,
          onPool: (p) => {
            pool = p;
            if (stopping) p.stop();
          },
        });
        const count = (pred: (o: (typeof report.outcomes)[number]) => boolean) => report.outcomes.filter(pred).length;
        const where = report.shard ? `shard ${report.shard.index}/${report.shard.count} (${report.shard.source}): ` : '';
        const errors = count((o) => o.status === 'error');
        io.stdout.write(
          `${where}${report.outcomes.length + report.locked.length + report.notStarted} of ${report.planned} runs: ${count((o) => o.action === 'ran')} ran, ${count((o) => o.action === 'resumed')} resumed, ` +
            `${count((o) => o.action === 'skipped')} already done, ${count((o) => o.status === 'failed')} failed, ${count((o) => o.status === 'diverged')} diverged, ` +
            `${errors ? `${errors} error, ` : ''}${count((o) => o.status === 'interrupted')} interrupted, ${report.locked.length} held by another launch${report.notStarted ? `, ${report.notStarted} not started` : ''} -> ${opts.out}\n` +
            (report.indexError
              ? ''
              : report.indexComplete || !report.shard
                ? `index: ${opts.out}/index.csv\n`
                : `this shard's index: ${opts.out}/shards/; run wgf sweep --merge ${opts.out} when all shards have finished\n`),
        );
        if (report.indexError) io.stderr.write(`wgf: could not write the sweep's index: ${report.indexError}; the runs' directories hold the results: once that is fixed, wgf sweep --merge ${opts.out} writes it\n`);
        if (count((o) => o.status === 'failed' || o.status === 'error') || report.indexError) ctx.exitCode = 1;
        if (stopping || count((o) => o.status === 'interrupted')) ctx.exitCode = 130;
      } finally {
        release();
      }
    });
}
