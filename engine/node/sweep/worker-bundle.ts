import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import type { Plugin } from 'esbuild';

/**
 * The sweep worker precompiled into one JavaScript file, so that worker threads
 * start without tsx: through tsx a worker took 200–300 ms to be ready (importing
 * and registering tsx ~75 ms, the ~120 TypeScript modules through its loader
 * ~110 ms, on top of the thread's own ~20 ms), the bundle ~35 ms. Built with
 * esbuild when the sources change (~85 ms), kept under node_modules/.cache/wgflow/
 * (so that the bundle's bare imports of packages, left external, resolve as the
 * sources' do) and reused by later sweeps.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE = fileURLToPath(new URL('./worker.ts', import.meta.url));
export const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'wgflow');
const FILE = 'sweep-worker.mjs';
/** First line of the bundle: this tag, then the JSON of its Stamp. */
const TAG = '// wgflow sweep worker ';

/** What the bundle was built from: its inputs (paths relative to ROOT) and a hash of them. */
interface Stamp {
  key: string;
  inputs: string[];
}

const LOADERS: Record<string, 'ts' | 'js'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js' };

/**
 * Hash of everything the bundle depends on: the project root (the bundle holds
 * absolute URLs under it), this file (the build options), tsconfig.json (which
 * esbuild reads, as tsx does) and each input's bytes.
 */
function keyOf(inputs: readonly string[], read: (rel: string) => Buffer): string {
  const h = createHash('sha256');
  h.update(ROOT).update('\0').update(readFileSync(fileURLToPath(import.meta.url)));
  h.update('\0').update(readFileSync(join(ROOT, 'tsconfig.json')));
  for (const rel of inputs) h.update('\0').update(rel).update('\0').update(read(rel));
  return h.digest('hex');
}

/** The stamp on the first line of a bundle file, or null if there is none. */
function readStamp(path: string): Stamp | null {
  try {
    const text = readFileSync(path, 'utf8');
    const line = text.slice(0, text.indexOf('\n'));
    return line.startsWith(TAG) ? (JSON.parse(line.slice(TAG.length)) as Stamp) : null;
  } catch {
    return null;
  }
}

/** Whether the bundle at `path` was built from the sources as they are now. */
function upToDate(path: string): boolean {
  const stamp = readStamp(path);
  if (!stamp) return false;
  try {
    return keyOf(stamp.inputs, (rel) => readFileSync(join(ROOT, rel))) === stamp.key;
  } catch {
    // An input was removed or cannot be read: the sources changed.
    return false;
  }
}

/**
 * Bundling moves every module into one file, whose `import.meta` would be the
 * bundle's: each module's own URL (and path) is written in instead, so that what
 * modules resolve relative to themselves (version.ts: package.json;
 * scene-loader.ts: the engine entry for user scenes; the gpu.js pool: gpu.js) is
 * found as before. The bytes read are kept for the stamp: the key covers exactly
 * what was bundled.
 */
function ownImportMeta(read: Map<string, Buffer>): Plugin {
  return {
    name: 'wgflow-own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const bytes = readFileSync(args.path);
        read.set(resolve(args.path), bytes);
        const own = { url: pathToFileURL(args.path).href, filename: args.path, dirname: dirname(args.path) };
        const contents = bytes.toString('utf8').replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_, k: keyof typeof own) => JSON.stringify(own[k]));
        return { contents, loader: LOADERS[extname(args.path)] };
      });
    },
  };
}

async function build(path: string): Promise<void> {
  const esbuild = await import('esbuild');
  const read = new Map<string, Buffer>();
  const result = await esbuild.build({
    entryPoints: [SOURCE],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [ownImportMeta(read)],
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const key = keyOf(inputs, (rel) => read.get(join(ROOT, rel)) ?? readFileSync(join(ROOT, rel)));
  const stamp: Stamp = { key, inputs };
  // Written whole then renamed: a sweep starting a worker at the same time reads the old file or the new one.
  const tmp = `${path}.tmp-${process.pid}-${threadId}`;
  try {
    writeFileSync(tmp, `${TAG}${JSON.stringify(stamp)}\n${result.outputFiles[0].text}`);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * URL of the precompiled sweep worker in `cacheDir`, built first when missing or
 * older than the sources; null when it cannot be built (no esbuild, a read-only
 * cache directory, a compile error), so that the caller starts workers through tsx.
 * The bundle imports packages by name: `cacheDir` must lie under the project
 * (as the default does) for them to resolve.
 */
export async function sweepWorkerBundle(cacheDir: string = DEFAULT_CACHE_DIR): Promise<URL | null> {
  const path = join(cacheDir, FILE);
  try {
    if (!upToDate(path)) {
      mkdirSync(cacheDir, { recursive: true });
      await build(path);
    }
    return pathToFileURL(path);
  } catch {
    return null;
  }
}
