import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ensureBuilt } from '../tools/build.mjs';

/** Thread entries built into dist/workers/ (tools/build.mjs ENTRIES). */
export type WorkerName = 'sweep-worker' | 'sim-thread' | 'row-worker';

/**
 * URL of a thread entry, built from the sources into dist/workers/ (rebuilt first if the
 * sources changed since): worker threads start from plain JavaScript, with no
 * TypeScript loader, whether the caller runs from dist/ (the `wgf` command) or from the
 * sources (tests).
 */
export async function workerEntry(name: WorkerName): Promise<URL> {
  await ensureBuilt();
  return pathToFileURL(join(DIST, 'workers', `${name}.mjs`));
}

/** The built public engine (dist/engine.mjs), which user scene files import as 'wgflow'. */
export const BUILT_ENGINE = join(DIST, 'engine.mjs');
