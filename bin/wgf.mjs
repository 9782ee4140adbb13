#!/usr/bin/env node
// The wgf command: runs dist/cli.mjs, built from the TypeScript sources by esbuild
// (tools/build.mjs) on install and again whenever the sources change.
import { ensureBuilt } from '../tools/build.mjs';

try {
  await ensureBuilt();
} catch (e) {
  process.stderr.write(`wgf: cannot build dist/ from the sources (${String(e?.message ?? e).split('\n')[0]}); run npm install\n`);
  process.exit(2);
}
// `wgf list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main, processIo } = await import('../dist/cli.mjs');
// main() never ends the process itself: its exit code is set here; a second Ctrl-C
// during a run or sweep ends it at once.
process.exitCode = await main(process.argv.slice(2), { ...processIo(), exitNow: (code) => process.exit(code) });
