#!/usr/bin/env node
// The wgf command: TypeScript sources are loaded through tsx (esbuild), so the
// CLI, user scene files and worker threads need no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/node/cli.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
