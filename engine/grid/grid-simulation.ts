import type { Accelerator } from '../core/accelerator.ts';
import { Simulation, type EnergyReport, type Reference, type Scheme, type StepReport } from '../core/simulation.ts';
import { EntropicJKO, jkoHealth, type EntropicJKOOptions, type JKOStepReport } from './entropic-jko.ts';
import { ExactJKO } from './exact/exact-jko.ts';
import type { GridEnergy } from './grid-energy.ts';
import { GridMeasure, normalizedMasses } from './grid-measure.ts';

/** What the entropic JKO scheme carries from one step to the next (the checkpoint). */
export interface GridState {
  /** Cell masses [n0(, n1(, n2))] row-major, Σ = 1. */
  x: Float64Array;
  /**
   * Warm start: the potential g = ε·log b of the previous step's second side (null before
   * the first step). Mass transported in one step is small, so g changes little between
   * steps and Sinkhorn restarts close to its fixed point.
   */
  warm: Float64Array | null;
  /** The last step's solver report (sinkhorn_iterations, marginal_error, ... metrics). */
  last: { iterations: number; marginalError: number; converged: boolean; logApplications: number; dualValue?: number; backAndForth?: number; newtonSteps?: number; newtonFallback?: boolean };
  /** Exact scheme: the adapted ascent step sizes of the forth and back half-steps (`warm` holds its dual potential φ). */
  sigmaForth?: number;
  sigmaBack?: number;
}

/** Options of `gridSimulation`: the step (τ, ε, tol, form, truncation), the initial measure, the energies and what the scene records. */
export interface GridSimulationOptions extends EntropicJKOOptions {
  /** 'entropic' (default): Sinkhorn on W_ε; 'exact': the back-and-forth method on W2 (exact/exact-jko.ts). */
  scheme?: 'entropic' | 'exact';
  /** Exact scheme: stopping tolerance on its marginal error ‖ρ(φ) − T#μ‖₁ (default 1e-5) and half-step budget (default 500). */
  exactTol?: number;
  exactMaxIter?: number;
  /** Exact scheme, congestion with a potential alone: the relaxation's ramp in cells (default 1; 0 = unrelaxed: ExactJKOOptions.relaxation). */
  exactRelaxation?: number;
  measure: GridMeasure;
  energies: GridEnergy[];
  mainMetric?: string;
  /** Scene metrics at recorded steps (t = current time). */
  metrics?: (m: GridMeasure, t: number) => Record<string, number>;
  /** A density (cell masses of the grid's shape) drawn next to the state, e.g. the Gibbs law. */
  reference?: () => Reference | null;
  /**
   * The platform's accelerator (`ctx.accelerator`): its assembler runs the Gibbs kernel's
   * convolution passes in WebAssembly SIMD (the same bits as the JavaScript loops, which
   * run without it). The JKO step's Sinkhorn stays float64 on this thread.
   */
  accelerator?: Accelerator;
}

/** Entropic JKO steps (Peyré 2015, docs/design.md §1.2) as a scheme over GridState. */
export function entropicJkoScheme(o: GridSimulationOptions): Scheme<GridState> & {
  /** The state's cell masses as a GridMeasure (with the scene's grid and mask). */
  measureOf(s: GridState): GridMeasure;
  readonly jko: EntropicJKO;
} {
  const jko = new EntropicJKO(o.energies, o.measure, o);
  const { grid, mask } = o.measure;
  let measure = o.measure;
  const measureOf = (s: GridState) => {
    if (measure.p !== s.x) measure = new GridMeasure(grid, s.x, mask);
    return measure;
  };
  return {
    name: 'entropic JKO',
    dt: o.tau,
    jko,
    measureOf,
    init(x0) {
      jko.warmPotential = null;
      return { x: x0, warm: null, last: { iterations: 0, marginalError: 0, converged: true, logApplications: 0 } };
    },
    step(s): StepReport {
      jko.warmPotential = s.warm;
      const r: JKOStepReport = jko.step(measureOf(s));
      s.warm = jko.warmPotential;
      s.last = { iterations: r.iterations, marginalError: r.marginalError, converged: r.converged, logApplications: r.logApplications };
      return { tau: o.tau, solver: { name: 'Sinkhorn (JKO step)', iterations: r.iterations, ...jkoHealth(r, jko) } };
    },
    resume(s) {
      jko.warmPotential = s.warm;
    },
  };
}

/**
 * Exact (unregularized) JKO steps by the back-and-forth method (Jacobs, Lee & Léger 2021;
 * exact/exact-jko.ts) as a scheme over GridState: `warm` is the dual potential φ of the
 * last step, with the two adapted ascent step sizes.
 */
export function exactJkoScheme(o: GridSimulationOptions): Scheme<GridState> & {
  /** The grid measure of a state (rebuilt only when the state's masses array changed). */
  measureOf(s: GridState): GridMeasure;
  /** The back-and-forth solver, with its warm state. */
  readonly jko: ExactJKO;
} {
  const jko = new ExactJKO(o.energies, o.measure, { tau: o.tau, tol: o.exactTol, maxIter: o.exactMaxIter, relaxation: o.exactRelaxation });
  const { grid, mask } = o.measure;
  let measure = o.measure;
  const measureOf = (s: GridState) => {
    if (measure.p !== s.x) measure = new GridMeasure(grid, s.x, mask);
    return measure;
  };
  const tol = o.exactTol ?? 1e-5;
  return {
    name: 'exact JKO (back-and-forth)',
    dt: o.tau,
    jko,
    measureOf,
    init(x0) {
      return { x: x0, warm: null, sigmaForth: 1, sigmaBack: 1, last: { iterations: 0, marginalError: 0, converged: true, logApplications: 0, dualValue: 0, backAndForth: 0, newtonSteps: 0, newtonFallback: false } };
    },
    step(s): StepReport {
      jko.state = { phi: s.warm, sigmaForth: s.sigmaForth ?? 1, sigmaBack: s.sigmaBack ?? 1 };
      const r = jko.step(measureOf(s));
      s.warm = jko.state.phi;
      s.sigmaForth = jko.state.sigmaForth;
      s.sigmaBack = jko.state.sigmaBack;
      s.last = { iterations: r.iterations, marginalError: r.marginalError, converged: r.converged, logApplications: 0, dualValue: r.dualValue, backAndForth: r.backAndForth, newtonSteps: r.newtonSteps, newtonFallback: r.newtonFallback };
      return {
        tau: o.tau,
        solver: {
          name: 'back-and-forth (JKO step)', iterations: r.iterations, residual: r.marginalError, tolerance: tol, converged: r.converged,
          label: 'exact JKO marginal error ‖ρ − T#μ‖₁',
          hint: `the step spent its ${o.exactMaxIter ?? 500} ascent half-steps; raise exact_max_iter, loosen exact_tol, or use a smaller dt (now ${o.tau})`,
        },
      };
    },
  };
}

/**
 * A density on a 1D/2D/3D grid moved by JKO steps (docs/design.md §1.2), entropic (Sinkhorn,
 * default) or exact (back-and-forth, `scheme: 'exact'`): the simulation behind every
 * grid scene. State: cell masses, Σ p = 1, and the warm start.
 */
export function gridSimulation(o: GridSimulationOptions): GridSimulation {
  const acc = o.accelerator;
  const size = `[${o.measure.grid.shape.join(', ')}]`;
  let scheme: ReturnType<typeof entropicJkoScheme> | ReturnType<typeof exactJkoScheme>;
  if (o.scheme === 'exact') {
    scheme = exactJkoScheme(o);
    // The back-and-forth step's transforms and DCT solves run as float64 JavaScript loops.
    acc?.record('exact-jko', { family: 'grid-transforms', target: 'ts', precision: 'float64', values: 'float64', threads: 1, size, method: 'javascript' });
  } else {
    const entropic = entropicJkoScheme(acc ? { ...o, assembler: acc.assembler, rows: () => acc.rows() } : o);
    // The switch to the log-domain form is said where the platform says things (the CLI's
    // stderr stream, captured in process), not on the global console.
    if (acc) entropic.jko.geometry.onNotice = (m) => acc.notice(m);
    acc?.record('gibbs-kernel', {
      family: 'grid-convolution', target: 'ts', precision: 'float64', values: 'float64', threads: entropic.jko.geometry.threads,
      size, method: entropic.jko.geometry.method,
    });
    scheme = entropic;
  }
  const g = o.measure.grid;
  const sim = new Simulation({
    info: { kind: 'grid', dim: g.dim, shape: [...g.shape], bounds: g.bounds.map(([lo, hi]) => [lo, hi] as [number, number]), dt: o.tau, gradientFlow: true, mainMetric: o.mainMetric },
    scheme,
    x0: o.measure.p,
    energy(s): EnergyReport {
      const m = scheme.measureOf(s);
      const terms: Record<string, number> = {};
      let total = 0;
      for (const e of o.energies) {
        const v = e.value(m);
        terms[e.name] = (terms[e.name] ?? 0) + v;
        total += v;
      }
      return { total, terms };
    },
    metrics(s, t) {
      const m = scheme.measureOf(s);
      const base: Record<string, number> =
        o.scheme === 'exact'
          ? { bfm_iterations: s.last.iterations, back_steps: s.last.backAndForth ?? 0, newton_steps: s.last.newtonSteps ?? 0, marginal_error: s.last.marginalError, dual_value: s.last.dualValue ?? 0, mass: m.mass() }
          : { sinkhorn_iterations: s.last.iterations, marginal_error: s.last.marginalError, mass: m.mass(), log_domain_applications: s.last.logApplications };
      return { ...base, ...(o.metrics ? o.metrics(m, t) : {}) };
    },
    reference: o.reference,
    obstacles: o.measure.mask,
    initial(x, shape) {
      const want = g.shape;
      if (shape.length !== want.length || shape.some((n, k) => n !== want[k])) {
        const hint = shape.length === want.length && shape.every((n) => n === shape[0]) ? `--set grid=${shape[0]} to match, or resample` : 'resample it';
        throw new Error(`initial density has shape [${shape.join(', ')}]; this scene's grid is [${want.join(', ')}] (${hint})`);
      }
      return normalizedMasses(x, g, o.measure.mask);
    },
  });
  return Object.assign(sim, { jko: scheme.jko });
}

/** A grid simulation, with its JKO solver (entropic: kernel geometry and notices; exact: the ascent), for tests and tools. */
export type GridSimulation = Simulation<GridState> & { readonly jko: EntropicJKO | ExactJKO };
