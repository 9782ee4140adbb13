import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ParamError } from '../engine/core/params.ts';
import { UsageError, type SceneDefinition, type Simulation } from '../engine/core/simulation.ts';
import { BUILT_ENGINE } from '../node/paths.ts';
import { catalogue, findScene } from '../scenes/index.ts';
import { energyFileScene } from '../scenes/compare.ts';

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
  if (!d || typeof d !== 'object' || typeof d.id !== 'string' || typeof d.build !== 'function' || typeof d.params !== 'object' || d.params === null) {
    throw new UsageError(`scene file '${file}' must export default defineScene({ id, title, description, params, build })`);
  }
  return d as SceneDefinition<any>;
}

const SIMULATION_METHODS = ['advance', 'measure', 'energy', 'metrics', 'frame', 'snapshot', 'restore', 'setInitial'] as const;

/** Why `sim` is not a Simulation (engine/core/simulation.ts), or null when it is one. */
function notASimulation(sim: unknown): string | null {
  if (typeof sim !== 'object' || sim === null) return `returned ${sim === null ? 'null' : typeof sim}`;
  const s = sim as Partial<Simulation>;
  const missing = SIMULATION_METHODS.filter((m) => typeof s[m] !== 'function');
  if (missing.length) return `returned an object without ${missing.join(', ')}()`;
  const info = s.info;
  if (!info || (info.kind !== 'particles' && info.kind !== 'grid') || !Array.isArray(info.shape)) return 'returned an object whose info lacks kind (particles | grid) or shape';
  return null;
}

/** Programming errors in wgflow's own code: bugs to report (exit 1), not refusals of the parameters. */
const isBug = (e: unknown) => e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;

/**
 * The scene with a checked `build`: what it throws and what it returns are reported
 * as one-line UsageErrors (exit 2). A user scene file is named in every such
 * message, whatever it throws (the file is the input); a catalogue scene's
 * refusal of a parameter combination (e.g. backtracking with Langevin noise)
 * keeps its message, while a TypeError or ReferenceError there is a bug and
 * propagates unchanged.
 */
export function checkedBuild<S extends SceneDefinition<any>>(def: S, file?: string): S {
  const where = file ? `scene file '${file}'` : `scene '${def.id}'`;
  const build: SceneDefinition<any>['build'] = (params, ctx) => {
    let sim: Simulation;
    try {
      sim = def.build(params, ctx);
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      if (file) throw new UsageError(`${where}: build() threw: ${msg}`);
      if (e instanceof UsageError || e instanceof ParamError || isBug(e)) throw e;
      throw new UsageError(`${where}: ${msg}`);
    }
    const why = notASimulation(sim);
    if (why) throw new UsageError(`${where}: build() ${why}, not a simulation (see engine/core/simulation.ts)`);
    return sim;
  };
  return { ...def, build };
}

/**
 * Compiles a user scene file (.ts or .js) with esbuild, resolving `import … from 'wgflow'`
 * to this engine, and imports its default export. The user needs no build step.
 */
export async function loadSceneFile(path: string): Promise<LoadedScene> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`scene file '${path}' does not exist`);
  if (file.endsWith('.json')) {
    // A free energy written as JSON (issue #15): its comparison of both discretizations.
    let spec: unknown;
    try {
      spec = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`energy file '${path}' is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    return { def: checkedBuild(energyFileScene(spec, path), path), file };
  }
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
    let mod: { default?: unknown; scene?: unknown };
    try {
      mod = (await import(pathToFileURL(out).href)) as typeof mod;
    } catch (e) {
      throw new UsageError(`scene file '${path}' throws when imported: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
    return { def: checkedBuild(checkDefinition(mod.default ?? mod.scene, path), path), file };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A catalogue id or a path to a scene file. */
export async function loadScene(idOrPath: string): Promise<LoadedScene> {
  const def = findScene(idOrPath);
  if (def) return { def: checkedBuild(def) };
  if (looksLikePath(idOrPath) || existsSync(idOrPath)) return loadSceneFile(idOrPath);
  throw new UsageError(`unknown scene '${idOrPath}' (catalogue: ${catalogue.map((s) => s.id).join(', ')}; or a path to a .ts/.js scene file or a .json free energy)`);
}
