import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, type SceneDefinition } from '../engine/core/simulation.ts';
import { BUILT_ENGINE } from '../node/paths.ts';
import { catalogue, findScene } from '../scenes/index.ts';

const ENGINE_SOURCE = fileURLToPath(new URL('../engine/index.ts', import.meta.url));
/** Defined (true) by tools/build.mjs in dist/; absent when the sources run directly (tests). */
declare const WGF_BUILT: boolean | undefined;
const BUILT = typeof WGF_BUILT !== 'undefined' && WGF_BUILT;

export interface LoadedScene {
  def: SceneDefinition<any>;
  /** Absolute path of a user scene file, if the scene came from one. */
  file?: string;
}

function looksLikePath(s: string): boolean {
  return /[\\/]/.test(s) || /\.(m?[jt]s)$/.test(s);
}

function checkDefinition(def: unknown, file: string): SceneDefinition<any> {
  const d = def as Partial<SceneDefinition<any>> | undefined;
  if (!d || typeof d !== 'object' || typeof d.id !== 'string' || typeof d.build !== 'function' || typeof d.params !== 'object') {
    throw new UsageError(`scene file '${file}' must export default defineScene({ id, title, description, params, build })`);
  }
  return d as SceneDefinition<any>;
}

/**
 * Compiles a user scene file (.ts or .js) with esbuild, resolving `import … from 'wgflow'`
 * to this engine, and imports its default export. The user needs no build step.
 */
export async function loadSceneFile(path: string): Promise<LoadedScene> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`scene file '${path}' does not exist`);
  // esbuild is loaded only here: catalogue scenes (and every sweep worker thread
  // that runs one) do not pay its ~25 ms import.
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'wgf-scene-'));
  const out = join(dir, 'scene.mjs');
  try {
    await build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      outfile: out,
      // From dist/ the scene imports the built engine itself (external), so that its classes
      // are the CLI's (errors keep their type, one accelerator); from the sources (tests) it
      // bundles the engine's sources.
      ...(BUILT
        ? { plugins: [{ name: 'wgflow-engine', setup: (b) => b.onResolve({ filter: /^wgflow$/ }, () => ({ path: pathToFileURL(BUILT_ENGINE).href, external: true })) }] }
        : { alias: { wgflow: ENGINE_SOURCE } }),
      // The kernels' assembler is the host's (engine/wasm/assembler.ts registers it on globalThis).
      external: ['wabt'],
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
  } catch (e) {
    const msg = (e as { errors?: { text: string; location?: { line: number } }[] }).errors?.[0];
    throw new UsageError(`cannot compile scene file '${path}': ${msg ? `${msg.text}${msg.location ? ` (line ${msg.location.line})` : ''}` : (e as Error).message}`);
  }
  try {
    const mod = (await import(pathToFileURL(out).href)) as { default?: unknown; scene?: unknown };
    return { def: checkDefinition(mod.default ?? mod.scene, path), file };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A catalogue id or a path to a scene file. */
export async function loadScene(idOrPath: string): Promise<LoadedScene> {
  const def = findScene(idOrPath);
  if (def) return { def };
  if (looksLikePath(idOrPath) || existsSync(idOrPath)) return loadSceneFile(idOrPath);
  throw new UsageError(`unknown scene '${idOrPath}' (catalogue: ${catalogue.map((s) => s.id).join(', ')}; or a path to a .ts/.js scene file)`);
}
