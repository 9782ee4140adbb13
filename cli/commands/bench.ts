import type { Command } from 'commander';
import { UsageError } from '../../engine/core/simulation.ts';
import type { CliContext } from '../io.ts';

export function registerBench(program: Command, { io }: CliContext): void {
  program
    .command('bench')
    .description('benchmark hot loops against the TS reference and numpy/POT peers (same run)')
    .option('--quick', 'small sizes only (seconds, not minutes)')
    .option('--json', 'print one JSON array of rows')
    .option('--suite <names>', 'comma-separated suites to run')
    .action(async (opts: { quick?: boolean; json?: boolean; suite?: string }) => {
      const { suites } = await import('../../bench/index.ts');
      const { formatTable } = await import('../../bench/harness.ts');
      const wanted = opts.suite?.split(',').map((s) => s.trim());
      if (wanted) {
        const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
        if (unknown.length) throw new UsageError(`unknown --suite '${unknown.join(',')}' (allowed: ${suites.map((s) => s.name).join(', ')})`);
      }
      const rows = [];
      for (const s of suites) {
        if (wanted && !wanted.includes(s.name)) continue;
        if (!opts.json) io.stderr.write(`bench: ${s.name} — ${s.description}\n`);
        rows.push(...(await s.run({ quick: Boolean(opts.quick) })));
      }
      io.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatTable(rows) + '\n');
    });
}
