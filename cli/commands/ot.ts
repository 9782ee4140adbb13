import type { Command } from 'commander';
import type { CliContext } from '../io.ts';
import { METHODS, type OtCliOptions } from './ot-options.ts';

export function registerOt(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('ot')
    .description('optimal transport between two point clouds (NPY [n, d]); cost |x−y|^p/p')
    .argument('<x>', 'first cloud, NPY [n, d] float32/float64')
    .argument('<y>', 'second cloud, NPY [m, d]')
    .option('--eps <E>', 'entropic regularization ε (default: 1% of the largest cost)')
    .option('--method <M>', `one of ${METHODS.join(', ')}`, 'sinkhorn')
    .option('--p <P>', 'cost exponent p ≥ 1', '2')
    .option('--wx <file>', 'weights of x, NPY [n] (normalized; default uniform)')
    .option('--wy <file>', 'weights of y, NPY [m]')
    .option('--tol <T>', 'stop when ‖π1 − a‖₁ < T', '1e-6')
    .option('--max-iter <N>', 'iteration budget', '5000')
    .option('--mode <M>', 'kernel application: auto, online (O(n+m) memory) or kernel (stored n×m)', 'auto')
    .option('--directions <L>', 'sliced: number of random directions', '64')
    .option('--seed <S>', 'sliced: seed of the directions', '0')
    .option('--threads <T>', 'threads of the online and the stored kernel (same bits for any T; default: every core, as wgf run)')
    .option('--json', 'print one JSON object')
    .option('--potentials <DIR>', 'sinkhorn: write the dual potentials DIR/f.npy [n] and DIR/g.npy [m]')
    .option('--plan <FILE>', 'sinkhorn: write the dense plan π [n, m] (NPY; n·m ≤ 2^24)')
    .option('--map <FILE>', 'sinkhorn: write the barycentric map T(x_i) = Σ_j π_ij y_j / Σ_j π_ij [n, d] (NPY)')
    .action(async (x: string, y: string, opts: OtCliOptions) => {
      const { otCommand, outputsOf, termNames } = await import('./ot-solve.ts');
      const out = await otCommand(x, y, opts);
      io.stdout.write(opts.json ? JSON.stringify(out) + '\n' : `${out.value}\n`);
      if (out.diverged) {
        io.stderr.write(`wgf: ot diverged (non-finite values)${termNames(out, 'diverged', true)} after ${out.iterations} iterations; try a larger --eps${outputsOf(opts).length ? ' (nothing was written)' : ''}\n`);
        ctx.exitCode = 3;
      } else if (!out.converged) {
        io.stderr.write(`wgf: warning: not converged${termNames(out, 'converged', false)} in ${out.iterations} iterations (marginal error ${out.marginal_error} ≥ tol ${opts.tol}); raise --max-iter or --eps\n`);
      }
    });
}
