import type { Checkpoint, EnergyReport, Simulation, SimulationInfo } from '../../core/simulation.ts';
import { retract } from '../../particles/forward-scheme.ts';
import { ParticleMeasure } from '../../particles/measure.ts';
import { diameter } from '../../metrics/moments.ts';
import { makeIntegrator, type Integrator, type IntegratorName } from './integrators.ts';
import { applyMatrix } from './qkv.ts';
import { AttentionField, type AttentionFieldOptions } from './token-field.ts';
import { attentionSums } from './attention-sums.ts';
import { countClusters, logAttentionEnergy } from './token-metrics.ts';

export interface TokenSimulationOptions extends AttentionFieldOptions {
  /** Initial tokens [n, d] (taken over, not copied); on the sphere they are normalized. */
  x: Float64Array;
  dt: number;
  integrator: IntegratorName;
  /** Radius of the cluster count (connected components at this distance). */
  clusterRadius: number;
}

/**
 * Tokens moved by self-attention, one layer per unit of time (DESIGN §3.2): the ODE
 * ẋ_i = P_{x_i}(Σ_j A_ij V x_j) integrated by explicit Euler or RK4, every step on the
 * sphere ending with the retraction x ← x/|x|. Not a gradient flow in general
 * (softmax normalization breaks the symmetry; Geshkovski et al. 2023, §3), so
 * info.gradientFlow is false and energy() is E_β(μ), which USA with QᵀK = V
 * symmetric *increases* (gradient ascent), the others need not change monotonically.
 * The state is the tokens alone: the scheme keeps nothing between steps, so a
 * checkpoint is (x, step, t).
 */
export class TokenSimulation implements Simulation {
  readonly info: SimulationInfo;
  readonly field: AttentionField;
  readonly x: Float64Array;
  private readonly integrator: Integrator;
  private readonly stagedField: (x: Float64Array, out: Float64Array) => void;
  step = 0;
  t = 0;
  private logE = { step: -1, value: NaN };

  constructor(private readonly o: TokenSimulationOptions) {
    const d = o.weights.d;
    const n = o.w.length;
    if (o.x.length !== n * d) throw new Error(`tokens of length ${o.x.length} are not [${n}, ${d}]`);
    this.x = o.x;
    if (o.sphere) retract(this.x, d);
    this.field = new AttentionField(o);
    this.integrator = makeIntegrator(o.integrator, n * d);
    this.stagedField = (x, out) => {
      this.field.evaluate(x, out);
      this.field.warm = true;
    };
    const bound = o.sphere ? 1.2 : undefined;
    this.info = {
      kind: 'particles',
      dim: d,
      shape: [n, d],
      sphere: o.sphere,
      ...(bound ? { bounds: Array.from({ length: d }, () => [-bound, bound] as [number, number]) } : {}),
      dt: o.dt,
      gradientFlow: false,
      mainMetric: 'clusters',
    };
  }

  advance(): void {
    // Sinkhorn warm starts only between the stages of one step: every step starts cold, so
    // a step depends on x alone and checkpoint/restore stays bit-identical.
    this.field.warm = false;
    this.integrator.step(this.x, this.o.dt, this.stagedField);
    if (this.o.sphere) retract(this.x, this.o.weights.d);
    this.step++;
    this.t = this.step * this.o.dt;
  }

  state(): Float64Array {
    return this.x;
  }

  weights(): Float64Array {
    return this.o.w;
  }

  setState(x: Float64Array, shape: readonly number[]): void {
    const d = this.o.weights.d;
    const n = this.o.w.length;
    if (shape.length !== 2 || shape[0] !== n || shape[1] !== d) {
      throw new Error(`initial tokens have shape [${shape.join(', ')}]; this scene needs [${n}, ${d}] (set n=${shape[0] ?? '?'} and d=${shape[1] ?? '?'} to match)`);
    }
    for (let i = 0; i < n && this.o.sphere; i++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
      if (!(r2 > 0)) throw new Error(`token ${i} is zero: tokens on the sphere need |x_i| > 0 (they are normalized)`);
    }
    this.x.set(x);
    if (this.o.sphere) retract(this.x, d);
    this.logE.step = -1;
  }

  /**
   * E_β (DESIGN §3.2). It overflows to +∞ when tokens in R^d grow large, while the state is
   * fine: the run loop does not stop a non-gradient flow on its energy, and `log_E_beta`
   * (a metric) stays finite.
   */
  energy(): EnergyReport {
    const E = Math.exp(this.logEnergy());
    return { total: E, terms: { E_beta: E } };
  }

  /** log E_β at the current tokens, computed once per step (energy and metrics both use it). */
  private logEnergy(): number {
    if (this.logE.step !== this.step) {
      const { weights, beta, w } = this.o;
      this.logE = { step: this.step, value: logAttentionEnergy(this.x, w, weights.M, weights.d, beta) };
    }
    return this.logE.value;
  }

  /** Clusters at the stated radius, diameter, and the attention matrix's row/column sums. */
  metrics(): Record<string, number> {
    const { weights, beta, w, attention, sinkhorn } = this.o;
    const d = weights.d;
    const kx = new Float64Array(this.x.length);
    applyMatrix(weights.M, this.x, d, kx);
    const sums = attentionSums(attention, beta, this.x, kx, w, d, sinkhorn, weights.symmetricLogits, this.field.sinkhorn ?? undefined);
    const out: Record<string, number> = {
      clusters: countClusters(this.x, d, this.o.clusterRadius),
      log_E_beta: this.logEnergy(),
      diameter: diameter(new ParticleMeasure(this.x, d, w)),
      row_sum_min: sums.rowMin,
      row_sum_max: sums.rowMax,
      col_sum_min: sums.colMin,
      col_sum_max: sums.colMax,
    };
    if (sums.iterations !== undefined) {
      out.sinkhorn_iterations = sums.iterations;
      out.sinkhorn_error = sums.marginalError!;
    }
    return out;
  }

  checkpoint(): Checkpoint {
    return { step: this.step, t: this.t, state: this.x.slice() };
  }

  restore(c: Checkpoint): void {
    this.logE.step = -1;
    this.x.set(c.state);
    this.step = c.step;
    this.t = c.t;
  }
}
