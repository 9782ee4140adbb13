import type { Command } from 'commander';
import { describeAllowed, type ParamSpec } from '../../engine/core/params.ts';
import type { CliContext } from '../io.ts';

export function registerList(program: Command, { io }: CliContext): void {
  program
    .command('list')
    .description('list the scene catalogue with descriptions and parameters')
    .option('--json', 'print the catalogue as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { catalogue } = await import('../../scenes/index.ts');
      if (opts.json) {
        io.stdout.write(JSON.stringify(catalogue.map((s) => ({ id: s.id, title: s.title, description: s.description, params: s.params })), null, 2) + '\n');
        return;
      }
      for (const s of catalogue) {
        io.stdout.write(`${s.id.padEnd(20)} ${s.description}\n`);
        const params = Object.entries(s.params)
          .map(([k, spec]) => `${k}=${(spec as ParamSpec).default}`)
          .join(' ');
        io.stdout.write(`${''.padEnd(20)} ${params}\n`);
      }
      io.stdout.write(`\nParameters and allowed values: wgf list --json, or 'wgf run <scene> --help-params'.\n`);
    });
}

export function paramHelp(params: Record<string, ParamSpec>): string {
  return Object.entries(params)
    .map(([k, spec]) => `  ${k.padEnd(14)} ${String(spec.default).padEnd(10)} ${spec.description} (${describeAllowed(spec)})`)
    .join('\n');
}
