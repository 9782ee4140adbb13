import {
  ATTENTION_KERNEL_MAX_ENTRIES, ATTENTION_KINDS, INTEGRATORS, ParamError, QKV_KINDS, Rng, tokenSimulation, defineScene, gaussianCloud,
  makeAttentionWeights, uniformSphere, type AttentionKind, type IntegratorName, type QkvKind,
} from '../engine/index.ts';
import { dtParam, everyFor, metricsEveryRecords, nParam, seedParam, stepsParam } from './common.ts';
import { NOMINAL_ITERATIONS, dominant } from './estimate.ts';

/**
 * Tokens of a transformer as interacting particles (Geshkovski, Letrouit, Polyanskiy &
 * Rigollet 2023; Sander et al. 2022): ẋ_i = P_{x_i}(Σ_j A_ij V x_j), one attention layer
 * per unit of time. With the defaults (Q = K = V = I, β = 1, d = 3, on the sphere) the
 * tokens collapse to a single cluster; large β (e.g. 9) shows long metastable
 * multi-cluster phases first.
 */
export default defineScene({
  id: 'transformer-tokens',
  title: 'Transformer tokens: self-attention dynamics',
  description: 'Tokens moved by self-attention (softmax, unnormalized or Sinkhorn) on the sphere or in R^d: clustering.',
  params: {
    n: nParam(1024, 100_000),
    d: { type: 'integer', default: 3, min: 1, max: 64, description: 'token dimension (≥ 2 on the sphere)' },
    beta: { type: 'number', default: 1, min: 0, minExclusive: true, max: 1000, description: 'inverse temperature β of the attention logits' },
    attention: { type: 'choice', default: 'softmax', values: ATTENTION_KINDS, description: 'normalization: softmax (SA), usa (unnormalized), sinkhorn (doubly stochastic, Sinkformer)' },
    sphere: { type: 'boolean', default: true, description: 'tokens on the unit sphere (layer norm) instead of R^d' },
    qkv: { type: 'choice', default: 'identity', values: QKV_KINDS, description: 'Q = K = V = I, seeded random, or symmetric V with QᵀK = V' },
    integrator: { type: 'choice', default: 'rk4', values: INTEGRATORS, description: 'time integrator' },
    dt: dtParam(0.1, 10),
    steps: stepsParam(300),
    seed: seedParam,
    cluster_radius: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 10, description: 'two tokens closer than this are in the same cluster' },
    sinkhorn_tol: { type: 'number', default: 1e-9, min: 0, minExclusive: true, max: 1, description: 'Sinkhorn attention: stop when the marginal error (L1) is below this' },
    sinkhorn_iters: { type: 'integer', default: 1000, min: 1, max: 100_000, description: 'Sinkhorn attention: iteration budget (1 = softmax)' },
  },
  every: everyFor,
  // The energy comes with the next step's first attention pass (token-field.ts evaluateAhead);
  // the metrics (clusters, diameter over n²/2 pairs, attention row/column sums: one more
  // solve) cost ~1.5 steps at n = 1024 (2-core machine): every 15th record.
  metricsEvery: metricsEveryRecords(15),
  // Attention sums over all n² pairs per stage (rk4: 4 stages); Sinkhorn attention iterates two softmins of n²
  // logits (and stores the n×n kernel when n² ≤ ATTENTION_KERNEL_MAX_ENTRIES). The record counts clusters,
  // the diameter and the energy (n²/2 pairs each) and the attention's row/column sums (one more solve).
  estimate: (p) => {
    const pairs = p.n * p.n;
    const attend = pairs * (2 * p.d + 4);
    const iterations = Math.min(NOMINAL_ITERATIONS, p.sinkhorn_iters);
    const solve = p.attention === 'sinkhorn' ? iterations * 2 * pairs * (p.d + 3) + attend : attend;
    const stages = p.integrator === 'rk4' ? 4 : 1;
    const stored = p.attention === 'sinkhorn' && pairs <= ATTENTION_KERNEL_MAX_ENTRIES ? 8 * pairs : 0;
    return dominant(
      { [`attention over n² pairs × ${stages} stage(s)${p.attention === 'sinkhorn' ? ` × ${iterations} Sinkhorn iterations` : ''}`]: stages * solve, 'clusters, diameter, energy and attention sums': 1.5 * pairs * (p.d + 2) + solve },
      8 * p.n * (12 * p.d + 8) + stored,
      stored ? 'the stored n×n attention kernel' : 'tokens and stage arrays [n, d]',
    );
  },
  build(p, ctx) {
    if (p.sphere && p.d < 2) throw new ParamError(`parameter 'd' must be at least 2 with sphere=true (tokens on S^{d-1}); got ${p.d}`);
    const rng = new Rng(p.seed);
    const weights = makeAttentionWeights(p.qkv as QkvKind, p.d, rng);
    const x = p.sphere ? uniformSphere(rng, p.n, p.d) : gaussianCloud(rng, p.n, p.d);
    return tokenSimulation({
      accelerator: ctx.accelerator,
      x,
      w: new Float64Array(p.n).fill(1 / p.n),
      weights,
      attention: p.attention as AttentionKind,
      beta: p.beta,
      sphere: p.sphere,
      integrator: p.integrator as IntegratorName,
      dt: p.dt,
      clusterRadius: p.cluster_radius,
      sinkhorn: { tol: p.sinkhorn_tol, maxIter: p.sinkhorn_iters },
    });
  },
});
