import type { Accelerator, LseExecutor } from '../core/accelerator.ts';
import type { StateRecord } from '../core/state-record.ts';
import type { ParticleEnergy } from '../particles/energy.ts';
import type { ParticleMeasure } from '../particles/measure.ts';
import { sinkhornDivergence, type DivergenceResult } from './divergence.ts';
import type { KernelProducts } from './kernel-geometry.ts';
import { sequentialLse } from './lse-executor.ts';
import { sinkhornPlan } from './sinkhorn.ts';
import { checkCloud, checkEpsilon, checkWeights } from './validate.ts';

/** Options of `SinkhornDivergenceEnergy`: the target cloud ν, ε and each solve's stopping rule. */
export interface SinkhornEnergyOptions {
  /** Target cloud ν: points [m, d] and optional weights [m]. */
  target: Float64Array;
  targetWeights?: Float64Array;
  eps: number;
  /** Marginal-error tolerance of each solve. Default 1e-5. */
  tol?: number;
  maxIter?: number;
}

/**
 * F(μ) = S_ε(μ, ν), the debiased Sinkhorn divergence to a fixed target cloud (docs/design.md §1.1,
 * §2), as a particle energy. Its Wasserstein velocity is
 *   −∇(δF/δμ)(x_i) = −(∇f_μν(x_i) − ∇f_μμ(x_i)),
 * f_μν, f_μμ the extended dual potentials (Feydy et al. 2019, §3: gradient flows of S_ε).
 * The three solves are warm-started from the previous call's potentials (without
 * ε-annealing after the first one), and a value asked for at the positions of the last
 * velocity reuses that solve.
 */
type Warm = { xy?: Float64Array; xx?: Float64Array; yy?: Float64Array };

export class SinkhornDivergenceEnergy implements ParticleEnergy {
  readonly name = 'sinkhorn_divergence';
  private last: DivergenceResult | null = null;
  private lastX: Float64Array | null = null;
  /** The warm start the last solve used, and the one the next solve will use after a restore. */
  private warmIn: Warm | undefined;
  private pending: Warm | undefined;
  private readonly targetWeights: Float64Array;
  private readonly d: number;
  private lse: LseExecutor | null = null;
  /** The stored kernel's products (the accelerator's SIMD kernel and row pool); unset: JavaScript loops. */
  private products: KernelProducts | undefined;

  constructor(private readonly opts: SinkhornEnergyOptions & { d: number }) {
    this.d = opts.d;
    const m = checkCloud('target', opts.target, opts.d);
    this.targetWeights = checkWeights('target weights', opts.targetWeights, m);
    checkEpsilon(opts.eps);
  }

  /**
   * Binds the three solves to the accelerator as `wgf ot` does (cli/commands/ot-solve.ts):
   * the online kernel's rows on its row pool (threads) with its SIMD kernel, or in this
   * thread with it; the stored kernel (sinkhorn's auto rule, kernelPreferred) with its SIMD
   * products over the row pool, K stored as float32 where the solves' marginal tolerance
   * allows (kernelPrecision; arithmetic float64). scene.json records, per problem, which
   * form the rule picks: OT(μ,ν) [n×m], OT(μ,μ) [n×n], OT(ν,ν) [m×m].
   */
  accelerate(acc: Accelerator, { n }: { n: number; d: number }): void {
    this.lse = acc.lse() ?? sequentialLse(acc.assembler);
    this.products = { assembler: acc.assembler, rows: acc.rows() };
    const m = this.opts.target.length / this.d;
    const threads = Math.max(this.lse.threads, this.products.rows?.threads ?? 1);
    const problems = [['OT(μ,ν)', n, m], ['OT(μ,μ)', n, n], ['OT(ν,ν)', m, m]] as const;
    const plans = problems.map(([, r, c]) => sinkhornPlan(r, c, this.d, { tol: this.tol, products: this.products }));
    const form = (label: string, i: number) => {
      const plan = plans[i];
      if (!plan.kernel) return `${label} online (${acc.assembler ? 'wasm-simd' : 'javascript'} rows)`;
      return `${label} stored kernel (K ${plan.precision}, ${plan.simd ? 'wasm-simd' : 'javascript'} products)`;
    };
    acc.record(this.name, {
      // float32: K stored as float32 in some solve (its entries rounded; the arithmetic stays float64)
      family: 'lse', target: 'ts', precision: plans.some((p) => p.kernel && p.precision === 'float32') ? 'float32' : 'float64', values: 'float64', threads,
      size: `N=${n}, M=${m}, d=${this.d}`,
      method: problems.map(([label], i) => form(label, i)).join('; '),
    });
  }

  /** The solves' marginal tolerance. */
  private get tol(): number {
    return this.opts.tol ?? 1e-5;
  }

  /** The divergence result at the measure's current positions (solving only when they moved). */
  solve(mu: ParticleMeasure): DivergenceResult {
    if (this.last && this.lastX && sameArray(this.lastX, mu.x)) return this.last;
    const warm = this.last ? { xy: this.last.xy.g, xx: this.last.xx.g, yy: this.last.yy.g } : this.pending;
    this.warmIn = warm;
    const r = sinkhornDivergence(mu.x, this.opts.target, this.d, {
      eps: this.opts.eps, tol: this.tol, maxIter: this.opts.maxIter ?? 2000,
      wx: mu.w, wy: this.targetWeights, warm, scaling: warm ? false : undefined, gradient: true, lse: this.lse, products: this.products,
    });
    this.last = r;
    this.lastX = mu.x.slice();
    return r;
  }

  /**
   * The energy's part of the scheme state: the potentials the next solve starts from, so
   * that a restored run repeats the same solves bit for bit. If the last solve was at the
   * current positions, the next solve is that one again: its own warm start is kept.
   */
  saveState(mu: ParticleMeasure): StateRecord {
    const warm = this.last && this.lastX && sameArray(this.lastX, mu.x) ? this.warmIn : this.last ? { xy: this.last.xy.g, xx: this.last.xx.g, yy: this.last.yy.g } : this.pending;
    return { xy: warm?.xy ?? null, xx: warm?.xx ?? null, yy: warm?.yy ?? null };
  }

  loadState(s: StateRecord | undefined): void {
    this.last = null;
    this.lastX = null;
    const arr = (v: unknown) => (v instanceof Float64Array ? v : undefined);
    const xy = arr(s?.xy);
    this.pending = xy ? { xy, xx: arr(s?.xx), yy: arr(s?.yy) } : undefined;
  }

  value(mu: ParticleMeasure): number {
    return this.solve(mu).value;
  }

  addVelocity(mu: ParticleMeasure, v: Float64Array): void {
    const r = this.solve(mu);
    const g = r.gradX;
    if (!g) return; // diverged: the NaN guard of the run loop sees the NaN value
    const { n, d, w } = mu;
    for (let i = 0; i < n; i++) {
      if (w[i] === 0) continue;
      for (let k = 0; k < d; k++) v[i * d + k] -= g[i * d + k] / w[i];
    }
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
