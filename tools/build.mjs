// Builds wgflow's Node entry points into dist/ with esbuild, and rebuilds them when
// the sources change, so that `wgf` never compiles TypeScript at start-up (issue #13:
// `wgf list` took ~1.6 s through tsx) yet always runs the sources as they are.
//
// Plain JavaScript on purpose: bin/wgf.mjs imports it before anything is built.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
const stampOf = (outdir) => join(outdir, 'stamp.json');

/**
 * Entry points, by output name (dist/<name>.mjs):
 * - cli: the `wgf` command (bin/wgf.mjs imports it);
 * - engine: the public engine API, which user scene files import as 'wgflow' (the same
 *   module instances as the CLI's, through the shared chunks of the split build);
 * - workers/*: thread entries (sweep runs, the viewer's simulation thread, the row pool's threads).
 */
export const ENTRIES = {
  cli: 'cli/main.ts',
  engine: 'engine/index.ts',
  'workers/sweep-worker': 'cli/sweep/worker.ts',
  'workers/sim-thread': 'viewer/server/sim-thread.ts',
  'workers/row-worker': 'node/backend/row-worker.ts',
};

/**
 * Packages left to Node's loader at run time: the large ones that only some commands load
 * (wabt: the SIMD kernels' assembler; gpu.js; ws: the viewer server; esbuild: user scene
 * files and the viewer client). The small libraries (commander, cli-progress, @stdlib's
 * erf/erfc, fft.js, ndarray …) are bundled into the chunks: @stdlib's erf alone is ~180
 * CommonJS files, each a file read, a wrapper and a resolution for Node at every start.
 */
export const EXTERNAL = ['wabt', 'gpu.js', 'ws', 'esbuild', 'three', 'playwright-core', 'tsx', 'typescript'];

/**
 * CommonJS bundled into ESM chunks calls `require` for Node's built-ins (cli-progress:
 * 'readline', 'events'): each chunk gets a real one. (Spelled in two pieces: this file is
 * itself bundled, and ownImportMeta below rewrites the chunk's own module URL expression.)
 */
const REQUIRE_BANNER = `import { createRequire as __wgfCreateRequire } from 'node:module'; const require = __wgfCreateRequire(${'import'}.meta.url);`;

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/** Hash of what a build depends on: this file, tsconfig.json and each input's path and bytes. */
function keyOf(inputs, read) {
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(import.meta.url))).update('\0').update(readFileSync(join(ROOT, 'tsconfig.json')));
  for (const rel of inputs) h.update('\0').update(rel).update('\0').update(read(rel));
  return h.digest('hex');
}

function readStamp(outdir) {
  try {
    return JSON.parse(readFileSync(stampOf(outdir), 'utf8'));
  } catch {
    return null;
  }
}

/** Size and modification time of each input: the fast check (a few ms for ~200 files). */
function statsOf(inputs) {
  return inputs.map((rel) => {
    const s = statSync(join(ROOT, rel));
    return `${s.size}:${s.mtimeMs}`;
  });
}

/**
 * Whether dist/ was built from the sources as they are now. Unchanged sizes and times
 * of every input (and of this file and tsconfig.json) mean fresh; otherwise the content
 * hash decides, so that a touched but unchanged file does not cost a rebuild.
 */
export function isFresh(outdir = DIST) {
  const stamp = readStamp(outdir);
  if (!stamp) return false;
  try {
    const stats = statsOf([...stamp.inputs, ...BUILD_INPUTS]);
    if (stamp.stats && stats.every((s, i) => s === stamp.stats[i])) return true;
    return keyOf(stamp.inputs, (rel) => readFileSync(join(ROOT, rel))) === stamp.key;
  } catch {
    return false; // an input was removed: the sources changed
  }
}

/** Files every build depends on besides its inputs. */
const BUILD_INPUTS = ['tools/build.mjs', 'tsconfig.json'];

/**
 * Bundling moves modules into shared files whose `import.meta.url` would be the bundle's:
 * each module's own source URL is written in instead, so that what a module finds
 * relative to itself (package.json, the viewer client's sources, the bench's peers) is
 * found from dist/ as from the sources.
 */
function ownImportMeta(read) {
  return {
    name: 'wgflow-own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const bytes = readFileSync(args.path);
        read.set(resolve(args.path), bytes);
        if (args.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
        const own = { url: pathToFileURL(args.path).href, filename: args.path, dirname: dirname(args.path) };
        const contents = bytes.toString('utf8').replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_, k) => JSON.stringify(own[k]));
        return { contents, loader: LOADERS[extname(args.path)] };
      });
    },
  };
}

/** Builds dist/ (about 0.3 s); writes the stamp last, so a half-written build is never fresh. */
export async function build(outdir = DIST) {
  const esbuild = await import('esbuild');
  const read = new Map();
  const result = await esbuild.build({
    entryPoints: ENTRIES,
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    write: false,
    metafile: true,
    logLevel: 'silent',
    define: { WGF_BUILT: 'true' },
    plugins: [ownImportMeta(read)],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/')).sort();
  const key = keyOf(inputs, (rel) => read.get(join(ROOT, rel)) ?? readFileSync(join(ROOT, rel)));
  rmSync(stampOf(outdir), { force: true });
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    // Whole file then rename: a process starting at this moment reads the old file or the new one.
    const tmp = `${f.path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  const stats = statsOf([...inputs, ...BUILD_INPUTS]);
  // What each output holds (sources, and bundled packages by name): tests/cli/sweep/startup.test.ts
  // maps the files a command loads back to the modules in them.
  const contents = {};
  for (const [out, o] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.mjs')) continue;
    const rel = relative(ROOT, resolve(ROOT, out));
    contents[rel] = [...new Set(Object.keys(o.inputs).map((p) => p.replace(/^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, 'node_modules/$1')))].sort();
  }
  writeFileSync(stampOf(outdir), JSON.stringify({ key, inputs, stats, outputs: result.outputFiles.map((f) => relative(ROOT, f.path)), contents }) + '\n');
}

/** Rebuilds dist/ (or `outdir`) when it is missing or older than the sources. */
export async function ensureBuilt(outdir = DIST) {
  if (!isFresh(outdir)) await build(outdir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build(process.argv[2] ? resolve(process.argv[2]) : DIST);
}
