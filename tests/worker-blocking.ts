/**
 * Setup file (vitest.config.ts): names a test that blocked its worker's event loop for
 * long. vitest 3.2's worker RPC gave each call a fixed 60 s timer: a test that computed
 * synchronously for 60 s (10 s on an idle machine can be 60 s on a loaded one) made
 * the run exit 1 with "Timeout calling onTaskUpdate" although every test passed. vitest 4
 * has no such timer, but a blocked worker still cannot answer vitest, stream a progress
 * line or notice a hang, so we keep blocks short. A warning on stderr, not a failure:
 * the figure depends on the machine's load.
 * The remedy is to await between slices (Runner.advance yields every 50 ms), or to run
 * the work in a child process or worker and await it.
 */
import { afterEach, beforeEach } from 'vitest';

/** Seconds of one uninterrupted block that earn a warning. */
const WARN_S = 10;

// A heartbeat every 100 ms: the longest gap between two beats is the longest block. The
// block a synchronous test ends with is still open when afterEach runs (no beat yet), so
// the gap since the last beat counts too.
let last = performance.now();
let longest = 0;
setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 100).unref();

beforeEach(() => {
  last = performance.now();
  longest = 0;
});
afterEach((ctx) => {
  const s = Math.max(longest, performance.now() - last) / 1000;
  if (s > WARN_S) {
    process.stderr.write(`worker-blocking: '${ctx.task.name}' (${ctx.task.file?.name ?? '?'}) blocked its test worker for ${s.toFixed(1)} s at once (see tests/worker-blocking.ts)\n`);
  }
});
