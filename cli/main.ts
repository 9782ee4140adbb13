import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.ts';
import { registerList } from './commands/list.ts';
import { registerOt } from './commands/ot.ts';
import { registerRun } from './commands/run.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerView } from './commands/view.ts';
import { loadWatAssembler } from '../engine/wasm/assembler.ts';
import { reportError } from './errors.ts';
import { WGFLOW_VERSION } from '../node/version.ts';

/**
 * The `wgf` command line (docs/design.md §5.1), built with commander: each command
 * registers itself from its own file in commands/.
 */
export function buildProgram(): Command {
  const program = new Command('wgf')
    .description('wgflow: simulate Wasserstein gradient flows')
    .version(WGFLOW_VERSION)
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError(false)
    .exitOverride();
  registerList(program);
  registerRun(program);
  registerSweep(program);
  registerBench(program);
  registerOt(program);
  registerView(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram();
  await loadWatAssembler(); // the SIMD kernels' assembler, before any geometry is built
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message (unknown option, missing argument).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    return reportError(err, debug);
  }
}
