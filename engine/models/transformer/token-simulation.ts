import type { Accelerator } from '../../core/accelerator.ts';
import { Simulation, type Scheme } from '../../core/simulation.ts';
import { retract } from '../../particles/forward-scheme.ts';
import { ParticleMeasure } from '../../particles/measure.ts';
import { diameter } from '../../metrics/moments.ts';
import { makeIntegrator, type IntegratorName } from './integrators.ts';
import { applyMatrix } from './qkv.ts';
import { AttentionField, type AttentionFieldOptions } from './token-field.ts';
import { attentionSums } from './attention-sums.ts';
import { countClusters, logAttentionEnergy } from './token-metrics.ts';

/** Options of `tokenSimulation`: the attention field, the initial tokens and the integrator. */
export interface TokenSimulationOptions extends AttentionFieldOptions {
  /** Initial tokens [n, d] (taken over, not copied); on the sphere they are normalized. */
  x: Float64Array;
  dt: number;
  integrator: IntegratorName;
  /** Radius of the cluster count (connected components at this distance). */
  clusterRadius: number;
  /** Where softmax/USA attention runs (`ctx.accelerator`); absent: the float64 reference. */
  accelerator?: Accelerator;
}

/**
 * Tokens [n, d]: the attention flow keeps nothing else between steps (Sinkhorn warm
 * starts live within a step); `k` counts the steps (memos of quantities of the state).
 */
export interface TokenState {
  x: Float64Array;
  k: number;
}

/**
 * The attention ODE ẋ_i = P_{x_i}(Σ_j A_ij V x_j) integrated by explicit Euler or RK4,
 * every step on the sphere ending with the retraction x ← x/|x|.
 */
export function attentionFlowScheme(o: TokenSimulationOptions, field: AttentionField): Scheme<TokenState> {
  const d = o.weights.d;
  const n = o.w.length;
  const integrator = makeIntegrator(o.integrator, n * d);
  // The first stage evaluates the field at the step's state: a record of that state may have done it already.
  let ahead: Float64Array | null = null;
  const staged = (x: Float64Array, out: Float64Array) => {
    if (ahead) out.set(ahead);
    else field.evaluate(x, out);
    ahead = null;
    field.warm = true;
  };
  return {
    name: `attention flow (${o.integrator})`,
    dt: o.dt,
    init(x) {
      if (x.length !== n * d) throw new Error(`tokens of length ${x.length} are not [${n}, ${d}]`);
      if (o.sphere) retract(x, d);
      return { x, k: 0 };
    },
    step(s) {
      // Sinkhorn warm starts only between the stages of one step: every step starts cold, so
      // a step depends on x alone and checkpoint/restore stays bit-identical.
      field.warm = false;
      ahead = field.takeAhead(s.x, s.k);
      integrator.step(s.x, o.dt, staged);
      if (o.sphere) retract(s.x, d);
      s.k++;
      return { tau: o.dt };
    },
  };
}

/**
 * Tokens moved by self-attention, one layer per unit of time (docs/design.md §3.2). Not a
 * gradient flow in general (softmax normalization breaks the symmetry; Geshkovski et
 * al. 2023, §3), so info.gradientFlow is false and the energy is E_β(μ), which USA with
 * QᵀK = V symmetric *increases* (gradient ascent); the others need not change
 * monotonically.
 */
export function tokenSimulation(o: TokenSimulationOptions): TokenSimulation {
  const d = o.weights.d;
  const n = o.w.length;
  const field = new AttentionField(o);
  if (o.accelerator) field.accelerate(o.accelerator);
  const bound = o.sphere ? 1.2 : undefined;
  // log E_β of a state, computed once per step (energy and metrics both use it, O(n² d)): from the
  // row sums of an attention pass at the state, which the next step's first stage reuses (softmax,
  // USA), else (Sinkhorn attention, overflowing rows) by its own pair sum.
  let memo: { s: TokenState | null; k: number; value: number } = { s: null, k: -1, value: NaN };
  const logEnergy = (s: TokenState): number => {
    if (memo.s !== s || memo.k !== s.k) {
      memo = { s, k: s.k, value: field.evaluateAhead(s.x, s.k) ?? logAttentionEnergy(s.x, o.w, o.weights.M, d, o.beta) };
    }
    return memo.value;
  };
  const scheme = attentionFlowScheme(o, field);
  const sim = new Simulation({
    info: {
      kind: 'particles', dim: d, shape: [n, d], sphere: o.sphere,
      ...(bound ? { bounds: Array.from({ length: d }, () => [-bound, bound] as [number, number]) } : {}),
      dt: o.dt, gradientFlow: false, mainMetric: 'clusters',
    },
    scheme: {
      ...scheme,
      resume: () => {
        memo = { s: null, k: -1, value: NaN };
        field.dropAhead();
      },
    },
    x0: o.x,
    weights: o.w,
    /**
     * E_β (docs/design.md §3.2). It overflows to +∞ when tokens in R^d grow large while the
     * state is fine: the run loop does not stop a non-gradient flow on its energy, and
     * `log_E_beta` (a metric) stays finite.
     */
    energy(s) {
      const E = Math.exp(logEnergy(s));
      return { total: E, terms: { E_beta: E } };
    },
    /** Clusters at the stated radius, diameter, and the attention matrix's row/column sums. */
    metrics(s) {
      const kx = new Float64Array(s.x.length);
      applyMatrix(o.weights.M, s.x, d, kx);
      const sums = attentionSums(o.attention, o.beta, s.x, kx, o.w, d, o.sinkhorn, o.weights.symmetricLogits, field.sinkhorn ?? undefined);
      const out: Record<string, number> = {
        clusters: countClusters(s.x, d, o.clusterRadius),
        log_E_beta: logEnergy(s),
        diameter: diameter(new ParticleMeasure(s.x, d, o.w)),
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
    },
    initial(x, shape) {
      if (shape.length !== 2 || shape[0] !== n || shape[1] !== d) {
        throw new Error(`initial tokens have shape [${shape.join(', ')}]; this scene needs [${n}, ${d}] (set n=${shape[0] ?? '?'} and d=${shape[1] ?? '?'} to match)`);
      }
      for (let i = 0; i < n && o.sphere; i++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
        if (!(r2 > 0)) throw new Error(`token ${i} is zero: tokens on the sphere need |x_i| > 0 (they are normalized)`);
      }
      return x.slice();
    },
  });
  return Object.assign(sim, { field });
}

/** The token simulation, with its attention field (velocity evaluations for tests and benchmarks). */
export type TokenSimulation = Simulation<TokenState> & { readonly field: AttentionField };
