import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trapSignals, type CliContext } from '../io.ts';
import { parseAssignments, resolveParams, type RawParams } from '../../engine/core/params.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { WriteError } from '../../node/files.ts';
import type { RunSummary } from '../../engine/run/record.ts';
import { paramHelp } from './list.ts';

/**
 * What a run needs (the scene catalogue, the engine, the run-directory writer, progress
 * bars), loaded when `wgf run` runs: `wgf list` and `--help` load none of it.
 */
async function runModules() {
  const [{ defaultOutDir, executeRun, resumeRun }, { Progress }, { DEFAULT_LIMITS, exceedsLimits }, { loadScene }] = await Promise.all([
    import('../execute-run.ts'),
    import('../progress.ts'),
    import('../../viewer/server/scene-limits.ts'),
    import('../scene-loader.ts'),
  ]);
  return { defaultOutDir, executeRun, resumeRun, Progress, DEFAULT_LIMITS, exceedsLimits, loadScene };
}

export interface RunCliOptions {
  set: string[];
  steps?: string;
  seed?: string;
  every?: string;
  metricsEvery?: string;
  init?: string;
  out?: string;
  backend?: string;
  checkpointEvery?: string;
  resume?: string;
  quiet?: boolean;
  helpParams?: boolean;
}

export function positiveInt(name: string, v: string | undefined, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new UsageError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer; got '${v}'`);
  return n;
}

/** Scene overrides from --set, --steps and --seed. */
export function rawParamsOf(opts: Pick<RunCliOptions, 'set' | 'steps' | 'seed'>): RawParams {
  const raw = parseAssignments(opts.set ?? []);
  if (opts.steps !== undefined) raw.steps = positiveInt('--steps', opts.steps, true)!;
  if (opts.seed !== undefined) raw.seed = positiveInt('--seed', opts.seed, true)!;
  return raw;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerRun(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('run')
    .description('run a scene headless and write a run directory')
    .argument('[scene]', 'catalogue id (wgf list) or path to a scene file')
    .option('--set <k=v>', 'set a scene parameter (repeatable)', collect, [])
    .option('--steps <N>', 'number of steps')
    .option('--seed <S>', 'random seed')
    .option('--every <K>', 'record a frame and the energy every K steps')
    .option('--metrics-every <M>', "add the scene's metrics to the record every M steps (a multiple of --every; default: the scene's, in scene.json)")
    .option('--init <X0.npy>', 'start from these particle positions [n, d] or grid density')
    .option('--out <DIR>', 'run directory (default runs/<scene>-<time>)')
    .option('--backend <B>', 'hot-loop backend: ts | gpu | auto', 'auto')
    .option('--checkpoint-every <K>', 'write a resumable checkpoint every K steps')
    .option('--resume <DIR>', 'continue the interrupted run in DIR (as recorded in DIR/scene.json)')
    .option('--quiet', 'no progress output')
    .option('--help-params', "print the scene's parameters and exit")
    .action(async (sceneArg: string | undefined, opts: RunCliOptions) => {
      if (opts.resume !== undefined) return resumeCommand(ctx, sceneArg, opts);
      if (!sceneArg) throw new UsageError('wgf run needs a scene id (see wgf list) or a scene file path');
      const { defaultOutDir, executeRun, Progress, DEFAULT_LIMITS, exceedsLimits, loadScene } = await runModules();
      const scene = await loadScene(sceneArg);
      if (opts.helpParams) {
        io.stdout.write(`${scene.def.id}: ${scene.def.description}\n${paramHelp(scene.def.params)}\n`);
        return;
      }
      const raw = rawParamsOf(opts);
      // The viewer's limits, as a warning: a batch run may mean it.
      const excess = exceedsLimits(scene.def, resolveParams(scene.def.params, raw), DEFAULT_LIMITS);
      if (excess) io.stderr.write(`wgf: warning: ${excess.message}\n`);
      const out = opts.out ?? defaultOutDir(scene.def.id);
      const steps = typeof raw.steps === 'number' ? raw.steps : undefined;
      let stop = false;
      const release = trapSignals(io, () => (stop = true));
      try {
        const summary = await executeRun({
          scene,
          raw,
          every: positiveInt('--every', opts.every),
          metricsEvery: positiveInt('--metrics-every', opts.metricsEvery),
          init: opts.init,
          out,
          backend: opts.backend,
          checkpointEvery: positiveInt('--checkpoint-every', opts.checkpointEvery),
          outputs: opts.quiet ? [] : [new Progress(steps ?? Number(scene.def.params.steps?.default ?? 0), scene.def.id, io.stderr)],
          onWarning: (m) => io.stderr.write(`wgf: warning: ${m}\n`),
          shouldStop: () => stop,
        });
        reportSummary(ctx, summary, out);
      } catch (e) {
        throw withResumeHint(e, out);
      } finally {
        release();
      }
    });
}

/** A run stopped by a failed write (a full disk): say that the directory can be resumed once the cause is fixed. */
function withResumeHint(e: unknown, dir: string): unknown {
  if (!(e instanceof WriteError) || !existsSync(join(dir, 'scene.json'))) return e;
  return new WriteError(e.path, e.code, `${e.message.replace(/^cannot write '[^']*': /, '')}; the run stopped there and ${dir} can be continued with wgf run --resume ${dir} once this is fixed`);
}

/**
 * The outcome on stdout; a run that did not end ok also gets one `wgf:` line on
 * stderr with its message and a non-zero exit (1: diverged or error, 130: interrupted).
 */
export function reportSummary(ctx: CliContext, summary: RunSummary, out: string): void {
  const f = summary.final;
  const metrics = f ? Object.entries(f).filter(([k, v]) => typeof v === 'number' && k !== 'step').map(([k, v]) => `${k}=${(v as number).toPrecision(5)}`).join(' ') : '';
  ctx.io.stdout.write(`${summary.status}: ${summary.steps} steps in ${summary.wall_seconds.toFixed(2)} s -> ${out}\n${metrics}\n`);
  if (summary.status === 'diverged' || summary.status === 'error') throw new Error(summary.message ?? summary.status);
  if (summary.status === 'interrupted') ctx.exitCode = 130;
}

/** Total steps of the run in `dir` (for the progress bar); 0 when unreadable (resumeRun then reports why). */
function scene0Steps(dir: string): number {
  try {
    return Number(JSON.parse(readFileSync(join(dir, 'scene.json'), 'utf8')).steps) || 0;
  } catch {
    return 0;
  }
}

/** `wgf run --resume DIR`: every setting comes from DIR/scene.json, so other options are refused. */
async function resumeCommand(ctx: CliContext, sceneArg: string | undefined, opts: RunCliOptions): Promise<void> {
  const { io } = ctx;
  const dir = opts.resume!;
  const conflicting = [
    sceneArg !== undefined && `a scene ('${sceneArg}')`,
    opts.set.length > 0 && '--set',
    ...(['steps', 'seed', 'every', 'metricsEvery', 'init', 'out', 'checkpointEvery'] as const).map((k) => opts[k] !== undefined && `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`),
    opts.backend !== 'auto' && '--backend',
  ].filter(Boolean);
  if (conflicting.length) throw new UsageError(`--resume continues the run exactly as recorded in ${dir}/scene.json; it cannot be combined with ${conflicting.join(', ')}`);
  const { resumeRun, Progress } = await runModules();
  let stop = false;
  const release = trapSignals(io, () => (stop = true));
  try {
    const { summary, fromStep, completed } = await resumeRun({
      dir,
      outputs: opts.quiet ? [] : [new Progress(scene0Steps(dir), `resume ${dir}`, io.stderr)],
      onWarning: (m) => io.stderr.write(`wgf: warning: ${m}\n`),
      shouldStop: () => stop,
      onResume: (from) => {
        if (!opts.quiet) io.stderr.write(from > 0 ? `resuming ${dir} from the checkpoint at step ${from}\n` : `no checkpoint in ${dir}: restarting the run from step 0\n`);
      },
    });
    if (fromStep === null) {
      const done = completed?.length ? `; completed its end (${completed.join(', ')})` : '; nothing to resume';
      io.stderr.write(`wgf: the run in ${dir} already ended (status ${summary.status}, ${summary.steps} steps)${done}\n`);
      return;
    }
    reportSummary(ctx, summary, dir);
  } catch (e) {
    throw withResumeHint(e, dir);
  } finally {
    release();
  }
}
