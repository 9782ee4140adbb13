/**
 * Training a two-layer network in the mean-field regime (Chizat & Bach 2018; Mei,
 * Montanari & Nguyen 2018): f(x) = Σ_i ω_i a_i σ(w_i·x + b_i) with m neurons
 * θ_i = (a_i, w_i, b_i) as particles of weight ω_i = 1/m, moved by the Wasserstein
 * gradient flow of the risk R(μ) = ½ E(f(x) − y(x))². Here the data are your own:
 * y(x) = sin(2x₁)·x₂ on [−1, 1]², 400 training and 400 test points. Within the default
 * steps the test risk falls below a tenth of its initial value (tests/examples.test.ts).
 * The viewer draws each neuron at |a|·w.
 *
 *     wgf run examples/network-regression.ts
 *     wgf view examples/network-regression.ts
 */
import { activationByName, balancedNeurons, defineScene, mlpSimulation, Rng, type RegressionSet } from 'wgflow';

const target = (x1: number, x2: number) => Math.sin(2 * x1) * x2;

/** N points uniform on [−1, 1]² with their targets; inputs feature-major [d, N]. */
function sample(rng: Rng, N: number): RegressionSet {
  const Xt = new Float64Array(2 * N);
  const y = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    Xt[k] = 2 * rng.uniform() - 1; // x₁ of point k
    Xt[N + k] = 2 * rng.uniform() - 1; // x₂ of point k
    y[k] = target(Xt[k], Xt[N + k]);
  }
  return { d: 2, size: N, Xt, y };
}

export default defineScene({
  id: 'network-regression',
  title: 'Two-layer network fitting sin(2x₁)·x₂',
  description: 'Mean-field training of a two-layer network on user data: neurons as particles, the test risk falls.',
  params: {
    m: { type: 'integer', default: 256, min: 1, max: 100000, description: 'number of neurons' },
    activation: { type: 'choice', default: 'tanh', values: ['relu', 'tanh', 'sigmoid', 'gelu'], description: 'activation σ' },
    dt: { type: 'number', default: 1, min: 0, minExclusive: true, max: 100, description: 'time step τ' },
    steps: { type: 'integer', default: 500, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build(p, ctx) {
    const rng = new Rng(p.seed);
    const data = { train: sample(rng, 400), test: sample(rng, 400), teacher: null };
    return mlpSimulation({
      // Rows (a, w₁, w₂, b) [m, 4]: |a| = |w| = 0.5, random directions, b = 0.
      theta: balancedNeurons(new Rng(p.seed + 1), p.m, 2, 0.5),
      d: 2,
      activation: activationByName(p.activation),
      data,
      bias: true,
      dt: p.dt,
      seed: p.seed + 2,
      accelerator: ctx.accelerator, // where the passes over the data run (--backend)
    });
  },
});
