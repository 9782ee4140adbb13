import type { Command } from 'commander';
import { trapSignals, type CliContext } from '../io.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { resolveParams } from '../../engine/core/params.ts';
import { positiveInt, rawParamsOf, reportSummary } from './run.ts';

/** What `wgf compare` needs, loaded when it runs (`wgf list` and `--help` load none of it). */
async function compareModules() {
  const [{ defaultOutDir, executeRun }, { Progress }, { loadScene }, { CompareReport, checkComparison }] = await Promise.all([
    import('../execute-run.ts'),
    import('../progress.ts'),
    import('../scene-loader.ts'),
    import('../compare-report.ts'),
  ]);
  return { defaultOutDir, executeRun, Progress, loadScene, CompareReport, checkComparison };
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `wgf compare <scene>`: one free energy as particles and as a grid, side by side (issue #15).
 * A comparison scene's run (as `wgf run` writes it, with the particles in `particles/`) plus
 * compare.json (final figures, the W2 series, each engine's wall time) and one line on stdout.
 */
export function registerCompare(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('compare')
    .description('run one free energy as particles and as a grid from the same initial law; W2 between them at every metrics record (scene.json metrics_every)')
    .argument('<scene>', 'a comparison scene (compare-fokker-planck, compare-aggregation-diffusion, compare-porous-medium), a free energy as a .json file, or a scene file building comparisonSimulation')
    .option('--set <k=v>', 'set a scene parameter (repeatable)', collect, [])
    .option('--steps <N>', 'number of steps')
    .option('--seed <S>', 'random seed (particle sampling and noise)')
    .option('--every <K>', 'record every K steps')
    .option('--metrics-every <M>', "add the metrics (the W2 distances, the particles' energy) to the record every M steps (a multiple of --every; default: the scene's, in scene.json)")
    .option('--out <DIR>', 'run directory (default runs/<scene>-<time>)')
    .option('--backend <B>', 'hot-loop backend: ts | gpu | auto', 'auto')
    .option('--quiet', 'no progress output')
    .action(async (sceneArg: string, opts: { set: string[]; steps?: string; seed?: string; every?: string; metricsEvery?: string; out?: string; backend?: string; quiet?: boolean }) => {
      const { defaultOutDir, executeRun, Progress, loadScene, CompareReport, checkComparison } = await compareModules();
      const scene = await loadScene(sceneArg);
      const raw = rawParamsOf(opts);
      const params = resolveParams(scene.def.params, raw);
      const out = opts.out ?? defaultOutDir(scene.def.id);
      const steps = typeof params.steps === 'number' ? params.steps : 0;
      const every = positiveInt('--every', opts.every) ?? scene.def.every?.(params) ?? Math.max(1, Math.round(steps / 200));
      if (!(every >= 1)) throw new UsageError(`--every must be a positive integer; got ${opts.every}`);
      let stop = false;
      const release = trapSignals(io, () => (stop = true));
      try {
        const summary = await executeRun({
          scene, raw, every, metricsEvery: positiveInt('--metrics-every', opts.metricsEvery), out, backend: opts.backend,
          check: (sim) => checkComparison(scene.def.id, sim),
          outputs: [new CompareReport(out, every, (l) => io.stdout.write(l)), ...(opts.quiet ? [] : [new Progress(steps, scene.def.id, io.stderr)])],
          onWarning: (m) => io.stderr.write(`wgf: warning: ${m}\n`),
          shouldStop: () => stop,
        });
        reportSummary(ctx, summary, out);
      } finally {
        release();
      }
    });
}
