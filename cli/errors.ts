import { ParamError } from '../engine/core/params.ts';
import { UsageError } from '../engine/core/simulation.ts';
import type { CliIo } from './io.ts';

/** Prints an error as one `wgf:` line (stack only with --debug) and returns the exit code. */
export function reportError(err: unknown, debug: boolean, io: Pick<CliIo, 'stderr'>): number {
  if (debug && err instanceof Error) io.stderr.write(`${err.stack}\n`);
  const msg = err instanceof Error ? err.message : String(err);
  io.stderr.write(`wgf: ${msg.split('\n')[0]}\n`);
  return err instanceof UsageError || err instanceof ParamError ? 2 : 1;
}
