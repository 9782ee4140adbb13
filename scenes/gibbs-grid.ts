import {
  Grid, GridEntropy, GridMeasure, GridPotential, gridSimulation, checkGridMemory, jkoOptions, normalizedMasses,
  type BuildContext, type Simulation,
} from '../engine/index.ts';

/** What differs between the grid scenes that relax a Gaussian blob to a Gibbs law. */
export interface GibbsGridOptions {
  /** Cells per axis and the box, one [lo, hi] per axis. */
  shape: number[];
  bounds: [number, number][];
  /** The potential V at a cell centre. */
  V: (x: Float64Array) => number;
  temperature: number;
  /** The initial density at a cell centre, up to its mass (normalized here). */
  initial: (x: Float64Array) => number;
  /** The reference's label (the Gibbs law's cell masses are drawn). */
  label: string;
  /** Metrics beside kl_to_gibbs, given the grid and the Gibbs law's masses. */
  metrics: (grid: Grid, gibbs: Float64Array) => (m: GridMeasure, t: number) => Record<string, number>;
}

/**
 * Fokker–Planck on a grid by entropic (or exact) JKO steps: F(ρ) = ∫ V ρ + T ∫ ρ log ρ
 * = T·KL(ρ | e^{−V/T}/Z) + const, with KL to the Gibbs law as the main
 * metric and that law as the reference, from an initial density the scene gives. One factory for grid-fokker-planck (2D double well)
 * and grid-diffusion-3d (3D Ornstein–Uhlenbeck).
 */
export function gibbsGridSimulation(
  p: { dt: number; eps: number; tol: number; form: string; truncation: number; scheme: string; exact_tol: number; exact_max_iter: number },
  ctx: BuildContext,
  o: GibbsGridOptions,
): Simulation<any> {
  checkGridMemory(o.shape);
  const grid = new Grid(o.shape, o.bounds);
  const V = grid.evaluate(o.V);
  const gibbs = normalizedMasses(V.map((v) => Math.exp(-v / o.temperature)), grid, undefined, 'Gibbs density');
  const measure = new GridMeasure(grid, normalizedMasses(grid.evaluate(o.initial), grid));
  const metrics = o.metrics(grid, gibbs);
  return gridSimulation({
    accelerator: ctx.accelerator,
    ...jkoOptions(p),
    measure,
    energies: [new GridPotential(V), new GridEntropy(o.temperature)],
    mainMetric: 'kl_to_gibbs',
    metrics,
    reference: () => ({ label: o.label, data: gibbs, shape: [...o.shape] }),
  });
}
