import {
  Grid, UsageError, barenblatt, checkGridMemory, comparisonSimulation, defineFreeEnergy, defineScene, describeFreeEnergy, doubleWellPotential, jkoOptions, jkoParams, klDivergence, l1Distance,
  normalizedMasses, quadraticPotential,
  type BlobMethodRequest, type BuildContext, type FreeEnergy, type SceneDefinition, type GridMeasure, type ParamSpec, type ParticleMeasure, type Simulation,
} from '../engine/index.ts';
import { BLOB_MAX_STEP, defaultBlobWidth } from '../engine/particles/blob-width.ts';
import { entropyMethodParam, metricsEveryRecords, nParam } from './common.ts';
import { jkoEstimate, pairPass, type JkoCost } from './estimate.ts';
import type { SceneEstimate } from '../engine/index.ts';

/**
 * The comparison scenes (issue #15): one free energy, discretized as particles (forward
 * WGD) and as a grid density (JKO steps) from the same initial law, W2 between the two
 * recorded at every record, and each compared with the exact or reference law.
 *
 * Defaults follow what the 1D convergence test measured (tests/engine/energy/comparison.test.ts):
 * ε ≈ h² (a smaller ε pins the entropic transport to the cells: the grid then moves slower than
 * the flow), and τ large enough that the entropic blur ε/(2τ) stays a few % of the law's variance.
 */

/**
 * About 20 records per run: a record is costly here (both energies, W2 between the two and
 * each one's W2 to the reference, sliced over the grid's cells: measured 2/3 of a default
 * compare-fokker-planck run's wall time when it recorded every step).
 */
const recordEvery = (p: { steps: number }) => Math.max(1, Math.round(p.steps / 20));

/**
 * A metrics record (W2 between the two and to the reference law: three sliced W2 over the
 * grid's cells and the cloud, 32 stratified directions each; the particles' blob energy) costs about
 * a third of a step of compare-aggregation-diffusion and a quarter of one of compare-fokker-planck
 * (CPU time measured, issue #19; with 64 random directions, half and a third, and a recording
 * share of 26% and 15% with metrics in every record): there the metrics are in every 3rd and every 2nd record, the frames
 * and the grid's energy in every record (scene.json metrics_every; `--metrics-every` changes
 * it), so that recording stays under 10% of a default run's wall time (docs/benchmarks.md).
 * compare-porous-medium (a 64² grid, steps 3× dearer) keeps them in every record.
 */

/**
 * A comparison's cost: the grid's JKO estimate (with `metricPasses` O(cells) record passes)
 * plus the particles' positions and work arrays and `pairPasses` O(n²) passes per step.
 */
const compareEstimate = (metricPasses: number, pairPasses: number) => (p: JkoCost & { d: number; n: number }): SceneEstimate => {
  const j = jkoEstimate(p, p.d, metricPasses);
  return { bytes: j.bytes + 64 * p.n * p.d, workPerStep: j.workPerStep + pairPasses * pairPass(p.n, p.d), note: j.note };
};

const compareParams = (d: { grid: number; dt: number; steps: number; eps: number; n: number }) => ({
  ...jkoParams({ grid: d.grid, dt: d.dt, steps: d.steps, eps: d.eps, maxGrid: 4096 }),
  d: { type: 'integer', default: 2, min: 1, max: 2, description: 'dimension (1 or 2; W2 between the two: exact in 1D, sliced in 2D)' },
  n: nParam(d.n, 20000),
  delta: { type: 'number', default: 0, min: 0, max: 10, description: 'blob width δ of the particles (0: automatic)' },
  distance: { type: 'choice', default: 'auto', values: ['auto', 'exact1d', 'sinkhorn', 'sliced'], description: 'W2 between cloud and grid: auto (exact in 1D, sliced in 2D), exact1d, sinkhorn (debiased, slow: seconds per record), sliced' },
  distance_eps: { type: 'number', default: 0, min: 0, max: 1, description: 'ε of the Sinkhorn distance (0: (2h)², h the cell side)' },
}) as const satisfies Record<string, ParamSpec>;

type CompareValues = {
  grid: number; dt: number; steps: number; eps: number; tol: number; form: string; truncation: number; scheme: string; exact_tol: number; exact_max_iter: number; seed: number;
  d: number; n: number; delta: number; distance: string; distance_eps: number;
};

/** The comparison simulation of a scene's free energy on the box [lo, hi]^d. */
function build(p: CompareValues, ctx: BuildContext, o: {
  energy: FreeEnergy; box: [number, number]; initial: (x: Float64Array) => number; delta: number; entropy?: 'blob' | 'langevin'; entropyMethod?: BlobMethodRequest;
  /** Laws (cell masses) that both discretizations' W2 is recorded to, at time t: `grid_w2_to_<name>`, `particles_w2_to_<name>`. */
  references?: (grid: Grid) => (t: number) => Record<string, Float64Array>;
  metrics?: (grid: Grid) => (gm: GridMeasure, pm: ParticleMeasure, t: number) => Record<string, number>;
  reference?: (grid: Grid) => { label: string; data: Float64Array };
}): Simulation<any> {
  const shape = new Array(p.d).fill(p.grid);
  checkGridMemory(shape);
  const grid = new Grid(shape, shape.map(() => o.box));
  const ref = o.reference?.(grid);
  return comparisonSimulation({
    accelerator: ctx.accelerator,
    energy: o.energy,
    grid,
    initial: grid.evaluate(o.initial),
    jko: jkoOptions(p),
    particles: { n: p.n, seed: p.seed, entropy: o.entropy, delta: o.delta, entropyMethod: o.entropyMethod },
    distance: { method: p.distance as 'auto', eps: p.distance_eps > 0 ? p.distance_eps : undefined },
    references: o.references?.(grid),
    metrics: o.metrics?.(grid),
    reference: ref ? () => ({ label: ref.label, data: ref.data, shape: [...shape] }) : undefined,
  });
}

const gauss = (x: Float64Array, m: number, s: number) => {
  let r2 = 0;
  for (let k = 0; k < x.length; k++) r2 += (x[k] - (k === 0 ? m : 0)) ** 2;
  return Math.exp(-r2 / (2 * s * s));
};

/**
 * Fokker–Planck, F = ∫V dρ + σ∫ρ log ρ, in a double well V = h(x₁² − 1)² + ½|x'|² (or the
 * quadratic V = |x|²/2, where the law is the exact Ornstein–Uhlenbeck Gaussian at every t).
 */
export const compareFokkerPlanck = defineScene({
  id: 'compare-fokker-planck',
  title: 'Fokker–Planck, particles vs grid',
  description: 'One F = ∫V dρ + σ∫ρ log ρ as particles (blob or Langevin entropy) and as a grid (entropic JKO) from the same initial law; W2 between them and to the exact (OU) or Gibbs law.',
  params: {
    ...compareParams({ grid: 96, dt: 0.05, steps: 60, eps: 2.7e-3, n: 1000 }),
    potential: { type: 'choice', default: 'double-well', values: ['double-well', 'quadratic'], description: 'V: double well h(x₁²−1)² + ½|x′|², or |x|²/2 (exact OU law)' },
    height: { type: 'number', default: 1, min: 0, max: 10, description: 'double-well barrier height h' },
    temperature: { type: 'number', default: 0.5, min: 0, minExclusive: true, max: 10, description: 'temperature σ' },
    entropy: { type: 'choice', default: 'blob', values: ['blob', 'langevin'], description: 'particle entropy: blob (deterministic) or langevin (noise)' },
    entropy_method: entropyMethodParam,
    m0: { type: 'number', default: 0.3, min: -2, max: 2, description: 'initial mean along the first axis' },
    s0: { type: 'number', default: 0.3, min: 0.05, max: 2, description: 'initial standard deviation' },
  },
  every: recordEvery,
  metricsEvery: metricsEveryRecords(2),
  estimate: compareEstimate(5, 2),
  build(p, ctx) {
    const quadratic = p.potential === 'quadratic';
    const sigma = p.temperature;
    const V = quadratic ? quadraticPotential(1) : doubleWellPotential(p.height);
    const box: [number, number] = [-2.5, 2.5];
    const delta = p.delta > 0 ? p.delta : defaultBlobWidth(p.n, p.d, sigma).delta;
    const atCells = (grid: Grid, f: (x: Float64Array) => number, what: string) => normalizedMasses(grid.evaluate(f), grid, undefined, what);
    return build(p, ctx, {
      energy: { potential: V, entropy: sigma },
      box,
      initial: (x) => gauss(x, p.m0, p.s0),
      delta,
      entropy: p.entropy as 'blob' | 'langevin',
      entropyMethod: p.entropy_method as BlobMethodRequest,
      references: (grid) => {
        // OU from N(m0 e₁, s0² I): N(m0 e^{−t} e₁, (s0² e^{−2t} + σ(1 − e^{−2t})) I), on the cells.
        if (quadratic) return (t) => ({ exact: atCells(grid, (x) => gauss(x, p.m0 * Math.exp(-t), Math.sqrt(p.s0 ** 2 * Math.exp(-2 * t) + sigma * (1 - Math.exp(-2 * t)))), 'exact OU law') });
        const gibbs = atCells(grid, (x) => Math.exp(-V.value(x, 0, x.length) / sigma), 'Gibbs law');
        return () => ({ gibbs });
      },
      metrics: quadratic ? undefined : (grid) => {
        const gibbs = atCells(grid, (x) => Math.exp(-V.value(x, 0, x.length) / sigma), 'Gibbs law');
        return (gm) => ({ grid_kl_to_gibbs: klDivergence(gm.p, gibbs) });
      },
      reference: (grid) => quadratic
        ? { label: 'stationary OU law N(0, σI) (cell masses)', data: atCells(grid, (x) => gauss(x, 0, Math.sqrt(sigma)), 'OU law') }
        : { label: 'Gibbs law e^{−V/σ}/Z (cell masses)', data: atCells(grid, (x) => Math.exp(-V.value(x, 0, x.length) / sigma), 'Gibbs law') },
    });
  },
});

/**
 * Aggregation–diffusion, F = ½∫∫W dρdρ + σ∫ρ log ρ with W = c|z|²/2 + A e^{−|z|²/(2s²)}: the
 * quadratic attraction and the entropy alone (A = 0, default) have the exact Gaussian law
 * N(m, Σ0 e^{−2ct} + (σ/c)(1 − e^{−2ct})) (the mean m is conserved); a Gaussian repulsion
 * A > 0 makes it attractive–repulsive, compared between the discretizations only.
 */
export const compareAggregationDiffusion = defineScene({
  id: 'compare-aggregation-diffusion',
  title: 'Aggregation–diffusion, particles vs grid',
  description: 'One F = ½∫∫W dρdρ + σ∫ρ log ρ (quadratic attraction, optional Gaussian repulsion) as particles and as a grid; W2 between them and to the exact Gaussian law (no repulsion).',
  params: {
    ...compareParams({ grid: 96, dt: 0.1, steps: 30, eps: 4e-3, n: 1000 }),
    attraction: { type: 'number', default: 1, min: 0, minExclusive: true, max: 10, description: 'c of W = c|z|²/2' },
    repulsion: { type: 'number', default: 0, min: 0, max: 10, description: 'amplitude A of the Gaussian repulsion A e^{−|z|²/(2s²)} (0: none, exact law known)' },
    width: { type: 'number', default: 0.5, min: 0.05, max: 5, description: 'width s of the repulsion' },
    temperature: { type: 'number', default: 0.25, min: 0, minExclusive: true, max: 10, description: 'temperature σ' },
    entropy: { type: 'choice', default: 'blob', values: ['blob', 'langevin'], description: 'particle entropy: blob (deterministic) or langevin (noise)' },
    m0: { type: 'number', default: 0.5, min: -2, max: 2, description: 'initial mean along the first axis (conserved)' },
    s0: { type: 'number', default: 1, min: 0.05, max: 2, description: 'initial standard deviation' },
  },
  every: recordEvery,
  metricsEvery: metricsEveryRecords(3),
  estimate: compareEstimate(6, 3),
  build(p, ctx) {
    const c = p.attraction, sigma = p.temperature;
    // The OU blob width for the stationary variance σ/c (defaultBlobWidth is in units of √temperature at unit stiffness).
    const delta = p.delta > 0 ? p.delta : defaultBlobWidth(p.n, p.d, sigma / c).delta;
    const W: FreeEnergy['interaction'] = p.repulsion > 0
      ? [{ kind: 'quadratic', strength: c }, { kind: 'gaussian', amplitude: p.repulsion, width: p.width }]
      : [{ kind: 'quadratic', strength: c }];
    const law = (grid: Grid, t: number) => {
      const s = Math.sqrt(p.s0 ** 2 * Math.exp(-2 * c * t) + (sigma / c) * (1 - Math.exp(-2 * c * t)));
      return normalizedMasses(grid.evaluate((x) => gauss(x, p.m0, s)), grid, undefined, 'exact Gaussian law');
    };
    return build(p, ctx, {
      energy: { interaction: W, entropy: sigma },
      box: [-3, 3],
      initial: (x) => gauss(x, p.m0, p.s0),
      delta,
      entropy: p.entropy as 'blob' | 'langevin',
      references: p.repulsion > 0 ? undefined : (grid) => (t) => ({ exact: law(grid, t) }),
      reference: p.repulsion > 0 ? undefined : (grid) => ({ label: `stationary law N(m0, σ/c I) (cell masses)`, data: law(grid, 1e9) }),
    });
  },
});

/**
 * Porous medium, F = ∫ρ^m/(m−1), from the Barenblatt profile at t0: it stays the Barenblatt
 * solution (self-similar), the exact reference of both; the particles by the blob method.
 */
export const comparePorousMedium = defineScene({
  id: 'compare-porous-medium',
  title: 'Porous medium, particles vs grid (Barenblatt)',
  description: 'One F = ∫ρ^m/(m−1) as particles (blob method) and as a grid (entropic JKO) from a Barenblatt profile; W2 between them and to the exact Barenblatt solution, L1 of the grid.',
  params: {
    ...compareParams({ grid: 64, dt: 5e-4, steps: 100, eps: 2e-4, n: 1000 }),
    m: { type: 'number', default: 2, min: 1, minExclusive: true, max: 5, description: 'exponent m of ∫ρ^m/(m−1)' },
    t0: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 10, description: 'Barenblatt time of the initial profile' },
  },
  every: recordEvery,
  estimate: compareEstimate(2, 2),
  build(p, ctx) {
    const exact = barenblatt(p.m, p.d);
    const r2 = (x: Float64Array) => x.reduce((s, v) => s + v * v, 0);
    // Blob width: 1.5 × the particle spacing where the initial profile is densest, (1/(n ρ_max))^{1/d},
    // or the width the explicit step needs, whichever is larger: the blob flow diffuses at
    // D = m ρ^{m−1} and its step is stable for τ D/δ² ≤ BLOB_MAX_STEP (as the blob entropy's,
    // blob-width.ts); a factor 2 below it (measured: δ at 1.5 spacings and dt = 2e−3 blows up in 1D).
    const rhoMax = exact(p.t0, 0);
    const delta = p.delta > 0 ? p.delta : Math.max(1.5 * Math.pow(1 / (p.n * rhoMax), 1 / p.d), Math.sqrt((2 * p.dt * p.m * Math.pow(rhoMax, p.m - 1)) / BLOB_MAX_STEP));
    const at = (grid: Grid, t: number) => normalizedMasses(grid.evaluate((x) => exact(t, r2(x))), grid, undefined, `Barenblatt profile at t=${t}`);
    const tEnd = p.t0 + p.steps * p.dt;
    return build(p, ctx, {
      energy: { porous: { m: p.m } },
      box: [-1, 1],
      initial: (x) => exact(p.t0, r2(x)),
      delta,
      references: (grid) => (t) => ({ exact: at(grid, p.t0 + t) }),
      metrics: (grid) => (gm, _pm, t) => ({ grid_l1_to_exact: l1Distance(gm.p, at(grid, p.t0 + t)) }),
      reference: (grid) => ({ label: `Barenblatt at t0 + steps·dt = ${tEnd.toPrecision(3)} (cell masses)`, data: at(grid, tEnd) }),
    });
  },
});

/**
 * A free energy written as a JSON file (`wgf compare my-energy.json`): the comparison of its
 * two discretizations as a scene, with the comparison scenes' parameters (grid, n, dt, steps,
 * eps, delta, …). Fields: `d` (1 or 2, default 2), `box` ([lo, hi] per axis, default
 * [−2.5, 2.5]), `potential` ({ kind: 'quadratic', stiffness } or { kind: 'double-well', height,
 * tilt }), `interaction` (a term or a list: { kind: 'quadratic', strength } or { kind:
 * 'gaussian', amplitude, width }), `entropy` (σ), `porous` ({ m, coefficient }), `congestion` (κ),
 * `initial` ({ mean: number[], std }: a Gaussian, default mean 0, std 0.3), `entropy_kind`
 * ('blob' | 'langevin'). A field out of place is one line naming it.
 */
export function energyFileScene(spec: unknown, name: string): SceneDefinition<any> {
  const bad = (what: string) => new UsageError(`energy file '${name}': ${what}`);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw bad('must hold a JSON object');
  const s = spec as Record<string, unknown>;
  const known = ['title', 'd', 'box', 'potential', 'interaction', 'entropy', 'porous', 'congestion', 'initial', 'entropy_kind'];
  const unknown = Object.keys(s).filter((k) => !known.includes(k));
  if (unknown.length) throw bad(`unknown field '${unknown[0]}' (fields: ${known.join(', ')})`);
  const num = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what} must be a number; got ${JSON.stringify(v)}`);
    return v;
  };
  const d = s.d === undefined ? 2 : num(s.d, 'd');
  if (d !== 1 && d !== 2) throw bad(`d must be 1 or 2; got ${d}`);
  const box = (s.box ?? [-2.5, 2.5]) as unknown[];
  if (!Array.isArray(box) || box.length !== 2 || !(num(box[0], 'box[0]') < num(box[1], 'box[1]'))) throw bad('box must be [lo, hi] with lo < hi');
  let potential: FreeEnergy['potential'];
  if (s.potential !== undefined) {
    const p = s.potential as Record<string, unknown>;
    if (p?.kind === 'quadratic') potential = quadraticPotential(p.stiffness === undefined ? 1 : num(p.stiffness, 'potential.stiffness'));
    else if (p?.kind === 'double-well') potential = doubleWellPotential(p.height === undefined ? 1 : num(p.height, 'potential.height'), p.tilt === undefined ? 0 : num(p.tilt, 'potential.tilt'));
    else throw bad(`potential.kind must be 'quadratic' or 'double-well'; got ${JSON.stringify(p?.kind)}`);
  }
  const terms = s.interaction === undefined ? [] : Array.isArray(s.interaction) ? s.interaction : [s.interaction];
  const interaction = terms.map((t: Record<string, unknown>, i: number) => {
    if (t?.kind === 'quadratic') return { kind: 'quadratic' as const, strength: t.strength === undefined ? 1 : num(t.strength, `interaction[${i}].strength`) };
    if (t?.kind === 'gaussian') return { kind: 'gaussian' as const, amplitude: num(t.amplitude, `interaction[${i}].amplitude`), width: num(t.width, `interaction[${i}].width`) };
    throw bad(`interaction[${i}].kind must be 'quadratic' or 'gaussian' (the terms both discretizations take); got ${JSON.stringify(t?.kind)}`);
  });
  const porous = s.porous === undefined ? undefined : (() => {
    const p = s.porous as Record<string, unknown>;
    return { m: num(p?.m, 'porous.m'), ...(p?.coefficient === undefined ? {} : { coefficient: num(p.coefficient, 'porous.coefficient') }) };
  })();
  const energy = defineFreeEnergy({
    ...(potential ? { potential } : {}),
    ...(interaction.length ? { interaction } : {}),
    ...(s.entropy === undefined ? {} : { entropy: num(s.entropy, 'entropy') }),
    ...(porous ? { porous } : {}),
    ...(s.congestion === undefined ? {} : { congestion: num(s.congestion, 'congestion') }),
  });
  const init = (s.initial ?? {}) as Record<string, unknown>;
  const mean = init.mean === undefined ? [] : (init.mean as unknown[]).map((v, k) => num(v, `initial.mean[${k}]`));
  const std = init.std === undefined ? 0.3 : num(init.std, 'initial.std');
  const kind = s.entropy_kind === undefined ? 'blob' : s.entropy_kind;
  if (kind !== 'blob' && kind !== 'langevin') throw bad(`entropy_kind must be 'blob' or 'langevin'; got ${JSON.stringify(kind)}`);
  const id = name.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
  const cp = compareParams({ grid: 96, dt: 0.05, steps: 60, eps: 2.7e-3, n: 1000 });
  return defineScene({
    id,
    title: typeof s.title === 'string' ? s.title : `${id}: particles vs grid`,
    description: `${describeFreeEnergy(energy)} as particles and as a grid (energy file ${name}); W2 between them`,
    params: { ...cp, d: { ...cp.d, default: d } },
    every: recordEvery,
    metricsEvery: metricsEveryRecords(2),
    build(p, ctx) {
      const sigma = energy.entropy ?? 0;
      const delta = p.delta > 0 ? p.delta : sigma > 0 ? defaultBlobWidth(p.n, p.d, sigma).delta : 0.1 * (Number(box[1]) - Number(box[0])) / Math.sqrt(p.n);
      return build(p, ctx, {
        energy, box: [Number(box[0]), Number(box[1])], delta, entropy: kind,
        initial: (x) => {
          let r2 = 0;
          for (let k = 0; k < x.length; k++) r2 += (x[k] - (mean[k] ?? 0)) ** 2;
          return Math.exp(-r2 / (2 * std * std));
        },
      });
    },
  });
}
