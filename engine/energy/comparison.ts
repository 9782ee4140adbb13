import type { Accelerator } from '../core/accelerator.ts';
import { DivergenceError, Simulation, type EnergyReport, type Reference, type Scheme, type StepReport } from '../core/simulation.ts';
import { firstNonFinite } from '../core/finite.ts';
import { BLOB_MAX_STEP } from '../particles/blob-width.ts';
import { GridMeasure, normalizedMasses } from '../grid/grid-measure.ts';
import { gridSimulation, type GridState } from '../grid/grid-simulation.ts';
import type { Grid } from '../grid/grid.ts';
import type { ParticleState } from '../particles/forward-scheme.ts';
import { ParticleMeasure } from '../particles/measure.ts';
import { particleSimulation } from '../particles/particle-simulation.ts';
import { cloudGridDistances, distanceMethod, sampleGridDensity, type CloudGridDistanceOptions } from './cloud-grid-distance.ts';
import { describeFreeEnergy, gridEnergies, particleEnergies, type FreeEnergy, type ParticleDiscretizationOptions } from './free-energy.ts';

/** The state of a comparison run: the grid's JKO state (`x` = cell masses) with the particle scheme's state beside it. */
export type ComparisonState = GridState & { particles: ParticleState };

/** Options of `comparisonSimulation`: one free energy, the grid and its JKO step, the particles, and what to record. */
export interface ComparisonOptions {
  energy: FreeEnergy;
  grid: Grid;
  /** The initial density at the cell centres (any positive scale; normalized). The particles are sampled from it. */
  initial: Float64Array;
  /** The JKO step: τ (also the particles' step), ε, the Sinkhorn tolerance, kernel form, scheme (entropic | exact). */
  jko: { tau: number; eps: number; tol?: number; form?: 'auto' | 'plain' | 'log'; truncation?: number; scheme?: 'entropic' | 'exact'; exactTol?: number; exactMaxIter?: number };
  /** The particles: how many, the seed of their sampling and noise, and how the entropy and porous terms are discretized. */
  particles: ParticleDiscretizationOptions & { n: number; seed: number };
  distance?: CloudGridDistanceOptions;
  accelerator?: Accelerator;
  /**
   * Reference laws at time t (cell masses on the grid, any positive scale; e.g. the exact
   * solution, a stationary law), by name: each record holds `grid_w2_to_<name>` and
   * `particles_w2_to_<name>`, computed in the pass that gives w2_between (in d ≥ 2 the same
   * sliced directions, each measure projected and sorted once per direction and record).
   */
  references?: (t: number) => Record<string, Float64Array>;
  /** Scene metrics of both states at time t (e.g. a divergence to an exact solution). */
  metrics?: (grid: GridMeasure, particles: ParticleMeasure, t: number) => Record<string, number>;
  /** Drawn next to the grid (a density of the grid's shape), e.g. the exact or stationary law. */
  reference?: () => Reference | null;
  mainMetric?: string;
}

/** A comparison run, with its two simulations and the wall time each spent (ms), for tests and benchmarks. */
export type ComparisonSimulation = Simulation<ComparisonState> & {
  readonly gridSim: Simulation;
  readonly particleSim: Simulation;
  /** Wall milliseconds in the particle steps, the grid steps and the W2 distances (between the two, to the references), since the start. Not recorded (not reproducible). */
  readonly timing: { particles: number; grid: number; distance: number };
};

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * One free energy, two discretizations, side by side (issue #15): the grid density moved by
 * JKO steps (docs/design.md §1.2) and a particle cloud sampled from the same initial density
 * (seeded, sampleGridDensity) moved by forward Wasserstein gradient descent (§1.1), both with
 * step τ. The run's measure is the grid density (frames/, final.npy); the particle cloud is the
 * companion series (`particles/NNNNNN.npy`, `particles_final.npy`). Each record holds:
 *   - energy, energy_terms: the grid's F;
 *   - particle_energy, particle_energy_<term>: the particles' F (blob or KDE entropy);
 *   - w2_between: W2 between the cloud and the grid density (exact in 1D, sliced W2 in
 *     d ≥ 2, the Sinkhorn divergence √(2S_ε) on request; cloud-grid-distance.ts), sliced_w2_between;
 *   - grid_<metric> and particles_<metric>: each simulation's own metrics;
 *   - grid_w2_to_<name>, particles_w2_to_<name>: each one's W2 to the reference laws (`references`);
 *   - the scene's metrics.
 * The state record is the grid's JKO state with the particles' state under `particles`, so a
 * checkpoint holds both and a resumed comparison ends bit-identical.
 */
export function comparisonSimulation(o: ComparisonOptions): ComparisonSimulation {
  const { grid } = o;
  const d = grid.dim;
  const g = gridEnergies(o.energy, grid);
  const p = particleEnergies(o.energy, o.particles);
  const masses = normalizedMasses(o.initial, grid, g.mask);
  const gridSim = gridSimulation({
    ...o.jko, accelerator: o.accelerator, measure: new GridMeasure(grid, masses.slice(), g.mask), energies: g.energies,
  });
  const n = o.particles.n;
  const particleSim = particleSimulation({
    accelerator: o.accelerator,
    measure: new ParticleMeasure(sampleGridDensity(grid, masses, n, o.particles.seed), d),
    energies: p.energies, noise: p.noise, dt: o.jko.tau, seed: o.particles.seed + 1,
    bounds: grid.bounds.map(([lo, hi]) => [lo, hi] as [number, number]),
  });
  // The blob terms' explicit step is stable for τ D/δ² ≤ BLOB_MAX_STEP, D the diffusion they
  // discretize (σ for the entropy; c m ρ^{m−1} for the porous medium, at the initial density's maximum).
  const delta = o.particles.delta ?? 0;
  const rhoMax = new GridMeasure(grid, masses).maxDensity();
  const D = (o.energy.entropy !== undefined && (o.particles.entropy ?? 'blob') === 'blob' ? o.energy.entropy : 0)
    + (o.energy.porous ? (o.energy.porous.coefficient ?? 1) * o.energy.porous.m * Math.pow(rhoMax, o.energy.porous.m - 1) : 0);
  const stiffness = D > 0 && delta > 0 ? (o.jko.tau * D) / (delta * delta) : 0;
  const blobLimit = stiffness > 0 ? `τ·D/δ² = ${stiffness.toPrecision(3)} with δ = ${delta.toPrecision(3)}, D = ${D.toPrecision(3)}; stable up to ${BLOB_MAX_STEP}` : '';
  const warnings = stiffness > BLOB_MAX_STEP
    ? [`the particles' blob step is beyond its stability limit: ${blobLimit}; use dt ≤ ${((BLOB_MAX_STEP * delta * delta) / D).toPrecision(2)} or a wider delta`]
    : [];
  const gs = gridSim.scheme as Scheme<GridState>;
  const ps = particleSim.scheme as Scheme<ParticleState>;
  const timing = { particles: 0, grid: 0, distance: 0 };
  const scheme: Scheme<ComparisonState> = {
    name: `${gs.name} | ${ps.name}`,
    dt: o.jko.tau,
    init(x0) {
      const gridState = gs.init(x0);
      gridSim.state = gridState;
      particleSim.state = ps.init(sampleGridDensity(grid, x0, n, o.particles.seed));
      return Object.assign(gridState, { particles: particleSim.state as ParticleState });
    },
    step(s): StepReport {
      const t0 = clock();
      ps.step(s.particles);
      // The run's guards watch the grid (its measure); the particles' divergence is said here.
      const bad = firstNonFinite(s.particles.x);
      if (bad >= 0) throw new DivergenceError(-1, `the particles became non-finite (coordinate ${bad}): the explicit step τ = ${o.jko.tau} is too large for the particle discretization${blobLimit ? ` (${blobLimit})` : ''}`);
      const t1 = clock();
      const r = gs.step(s);
      timing.particles += t1 - t0;
      timing.grid += clock() - t1;
      return r;
    },
    persist(s) {
      gs.persist?.(s);
      ps.persist?.(s.particles);
    },
    resume(s) {
      gs.resume?.(s);
      ps.resume?.(s.particles);
    },
  };
  const prefixed = (prefix: string, r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${prefix}${k}`, v]));
  const method = distanceMethod(o.distance?.method, d);
  const sim = new Simulation<ComparisonState>({
    info: {
      kind: 'grid', dim: d, shape: [...grid.shape], bounds: grid.bounds.map(([lo, hi]) => [lo, hi] as [number, number]), dt: o.jko.tau,
      gradientFlow: true, mainMetric: o.mainMetric ?? 'w2_between',
      companion: { name: 'particles', shape: [n, d], description: `particle cloud [${n}, ${d}] (forward WGD) of ${describeFreeEnergy(o.energy)}; w2_between by ${method}` },
      ...(particleSim.info.methods ? { methods: Object.fromEntries(Object.entries(particleSim.info.methods).map(([k, v]) => [`particles/${k}`, v])) } : {}),
      ...(warnings.length ? { warnings } : {}),
    },
    scheme,
    x0: masses,
    energy(): EnergyReport {
      return gridSim.energy();
    },
    metrics(s, t) {
      const pm = new ParticleMeasure(s.particles.x, d, particleSim.weights());
      const gm = new GridMeasure(grid, s.x, g.mask);
      const t0 = clock();
      const refs = Object.entries(o.references?.(t) ?? {});
      const dist = cloudGridDistances(pm.x, grid, s.x, refs.map(([, q]) => q), o.distance);
      timing.distance += clock() - t0;
      const pe = particleSim.energy();
      return {
        w2_between: dist.w2,
        sliced_w2_between: dist.slicedW2,
        particle_energy: pe.total,
        ...prefixed('particle_energy_', pe.terms),
        ...prefixed('grid_', gridSim.metrics(t)),
        ...prefixed('particles_', particleSim.metrics(t)),
        ...Object.fromEntries(refs.flatMap(([name], k) => [[`grid_w2_to_${name}`, dist.references[k].grid], [`particles_w2_to_${name}`, dist.references[k].cloud]])),
        ...(o.metrics ? o.metrics(gm, pm, t) : {}),
      };
    },
    reference: o.reference,
    obstacles: g.mask,
    companion: (s) => s.particles.x,
    initial(x, shape) {
      const want = grid.shape;
      if (shape.length !== want.length || shape.some((k, i) => k !== want[i])) {
        throw new Error(`initial density has shape [${shape.join(', ')}]; this comparison's grid is [${want.join(', ')}] (the particles are sampled from it)`);
      }
      return normalizedMasses(x, grid, g.mask);
    },
  });
  return Object.assign(sim, { gridSim, particleSim, timing });
}
