import { ParamError } from '../engine/core/params.ts';
import { UsageError } from '../engine/core/simulation.ts';

/** Prints an error as one line (stack only with --debug) and returns the exit code. */
export function reportError(err: unknown, debug: boolean): number {
  if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wgf: ${msg.split('\n')[0]}\n`);
  return err instanceof UsageError || err instanceof ParamError ? 2 : 1;
}
