import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.ts';
import { registerCompare } from './commands/compare.ts';
import { registerList } from './commands/list.ts';
import { registerOt } from './commands/ot.ts';
import { registerRun } from './commands/run.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerView } from './commands/view.ts';
import { reportError } from './errors.ts';
import { processIo, type CliContext, type CliIo } from './io.ts';

export { processIo };
import { WGFLOW_VERSION } from '../node/version.ts';

/**
 * Commander's own errors ("error: unknown option '--stpes'\n(Did you mean --steps?)")
 * as the CLI's: one line starting with `wgf:`.
 */
export function commanderLine(text: string): string {
  const line = text
    .trim()
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^\(Did you mean (.*)\)$/, '(did you mean $1)'))
    .join(' ');
  return `wgf: ${line}\n`;
}

/**
 * The `wgf` command line (docs/design.md §5.1), built with commander: each command
 * registers itself from its own file in commands/ and writes through `ctx.io`.
 */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command('wgf')
    .description('wgflow: simulate Wasserstein gradient flows')
    .version(WGFLOW_VERSION)
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError(false)
    // Set before the commands are added: subcommands copy these settings when created.
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(commanderLine(s)),
    })
    .exitOverride();
  registerList(program, ctx);
  registerRun(program, ctx);
  registerCompare(program, ctx);
  registerSweep(program, ctx);
  registerBench(program, ctx);
  registerOt(program, ctx);
  registerView(program, ctx);
  return program;
}

/**
 * Runs `wgf argv…` and returns its exit code: 0 success, 1 a failure (a diverged or
 * failed run), 2 bad input (one `wgf:` line naming it), 3 a diverged `wgf ot`, 130
 * interrupted. Everything goes through `io` (default: the process's streams); it
 * never ends the process nor sets `process.exitCode` (bin/wgf.mjs does).
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const ctx: CliContext = { io, exitCode: 0 };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one line (unknown option, missing argument) or the
      // help: asked for (`--help`, `wgf help run`: 0) or shown for a missing command (2).
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) && err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err, debug, io);
  }
}
