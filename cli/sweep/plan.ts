import { resolveParams, type RawParams } from '../../engine/core/params.ts';
import { UsageError, type SceneDefinition } from '../../engine/core/simulation.ts';

/**
 * A sweep's definition (DIR/sweep.json): everything that decides which runs
 * exist and how each runs. It is deterministic (no timestamps), so every shard
 * of a cluster job writes the same file and a re-launch can check that it
 * continues the same sweep.
 */
export interface SweepSpec {
  /** Catalogue id, or the absolute path of a scene file. */
  scene: string;
  /** Swept parameters in command-line order; values as given. */
  grid: { name: string; values: string[] }[];
  /** Fixed overrides (`--set`, `--steps`). */
  set: RawParams;
  /** Number of seeds per grid point: seed0, seed0+1, … */
  seeds: number;
  /** First seed (`--set seed=S`, or the scene's default). */
  seed0: number;
  every?: number;
  checkpoint_every?: number;
  backend: string;
  /** Scene metric summarised in summary.svg (the scene's main metric, else energy). */
  main_metric: string;
}

/** One run of a sweep: its directory name and its parameters. */
export interface PlannedRun {
  /** Position in the sweep's canonical order (grid order, last parameter fastest, seeds innermost). */
  index: number;
  /** Directory name under the sweep's DIR, made of the swept values: `dt=0.01_n=50_seed=0`. */
  name: string;
  /** All overrides of the run (fixed + swept + seed). */
  raw: RawParams;
  /** The swept values as resolved by the schema (numbers as numbers), plus `seed`. */
  swept: Record<string, number | string | boolean>;
}

/** Parses `--grid k=v1,v2,…` items; an empty list or value is a UsageError. */
export function parseGrid(items: readonly string[]): SweepSpec['grid'] {
  const grid: SweepSpec['grid'] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid expects k=v1,v2,…; got '${item}'`);
    const name = item.slice(0, eq).trim();
    const values = item.slice(eq + 1).split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new UsageError(`--grid '${item}' has an empty value (expected k=v1,v2,…)`);
    if (grid.some((g) => g.name === name)) throw new UsageError(`--grid '${name}' is given twice (give all its values in one --grid ${name}=v1,v2,…)`);
    grid.push({ name, values });
  }
  return grid;
}

function dirSafe(v: number | string | boolean): string {
  return String(v).replace(/[^A-Za-z0-9.+-]/g, '-');
}

/**
 * The runs of a sweep, in canonical order. Every combination is validated
 * against the scene's schema first (an unknown parameter or a bad value is a
 * one-line error naming it) and equal combinations (e.g. `dt=0.1,0.10`) are refused.
 */
export function planRuns(spec: SweepSpec, def: SceneDefinition<any>): PlannedRun[] {
  if (spec.grid.length === 0 && spec.seeds <= 1) throw new UsageError('empty grid: give at least one --grid k=v1,v2,… (or --seeds N with N > 1)');
  for (const g of spec.grid) {
    if (!Object.hasOwn(def.params, g.name)) throw new UsageError(`--grid: unknown parameter '${g.name}' of scene '${def.id}' (allowed: ${Object.keys(def.params).join(', ')})`);
    if (g.name === 'seed' && spec.seeds > 1) throw new UsageError('--grid seed=… and --seeds N both set seeds; use one of them');
  }
  for (const k of Object.keys(spec.set)) if (spec.grid.some((g) => g.name === k)) throw new UsageError(`parameter '${k}' is both swept (--grid) and fixed (--set)`);
  const runs: PlannedRun[] = [];
  const names = new Map<string, string>();
  const combos: Record<string, string>[] = [{}];
  for (const g of spec.grid) {
    const next: Record<string, string>[] = [];
    for (const c of combos) for (const v of g.values) next.push({ ...c, [g.name]: v });
    combos.splice(0, combos.length, ...next);
  }
  const sweptNames = spec.grid.map((g) => g.name);
  const hasSeed = Object.hasOwn(def.params, 'seed');
  if (!hasSeed && spec.seeds > 1) throw new UsageError(`--seeds: scene '${def.id}' has no seed parameter`);
  const seedSwept = sweptNames.includes('seed') || !hasSeed;
  for (const c of combos) {
    for (let s = 0; s < (seedSwept ? 1 : spec.seeds); s++) {
      const raw: RawParams = { ...spec.set, ...c, ...(seedSwept ? {} : { seed: spec.seed0 + s }) };
      const params = resolveParams(def.params, raw) as Record<string, number | string | boolean>;
      const swept: PlannedRun['swept'] = {};
      for (const k of sweptNames) swept[k] = params[k];
      if (!seedSwept && 'seed' in params) swept.seed = params.seed;
      const name = Object.entries(swept).map(([k, v]) => `${dirSafe(k)}=${dirSafe(v)}`).join('_');
      const label = JSON.stringify(c);
      if (names.has(name)) throw new UsageError(`--grid values ${names.get(name)} and ${label} give the same run '${name}'; remove the duplicate`);
      names.set(name, label);
      runs.push({ index: runs.length, name, raw, swept });
    }
  }
  return runs;
}
