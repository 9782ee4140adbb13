import {
  mlpSimulation, ACTIVATIONS, DATA_KINDS, Rng, activationByName, balancedNeurons, defineScene, makeMlpData,
  type DataKind,
} from '../engine/index.ts';
import { dtParam, everyFor, metricsEveryRecords, seedParam, stepsParam } from './common.ts';
import { dominant, pairPass, trials } from './estimate.ts';

/**
 * Mean-field training of a two-layer network (Chizat & Bach 2018; Mei, Montanari &
 * Nguyen 2018): neurons are particles moved by the Wasserstein gradient flow of the
 * risk. Teacher–student by default: m student neurons learn k = `teacher` ReLU
 * neurons on inputs uniform on S^{d−1}; the viewer shows |a|·w, which gathers on
 * the teacher's directions while the test risk falls by orders of magnitude.
 * Under `--backend gpu` (or `auto` from m × batch size on, engine/backend/rule.ts)
 * the velocity's passes over the data run as gpu.js float32 kernels for d ≤ 3; the
 * recorded risks stay float64.
 */
export default defineScene({
  id: 'mlp-mean-field',
  title: 'Two-layer network, mean-field training',
  description: 'Neurons of a two-layer network as particles: gradient flow of the risk (teacher–student or 1D/2D regression).',
  params: {
    m: { type: 'integer', default: 512, min: 1, max: 1_000_000, description: 'number of neurons' },
    teacher: { type: 'integer', default: 3, min: 1, max: 1000, description: 'number of teacher neurons (teacher–student data)' },
    d: { type: 'integer', default: 3, min: 1, max: 100, description: 'input dimension' },
    activation: { type: 'choice', default: 'relu', values: ACTIVATIONS, description: 'activation σ' },
    data: { type: 'choice', default: 'sphere', values: DATA_KINDS, description: 'teacher–student inputs on the sphere or Gaussian, or the sine regression target on [−1,1]^d (d ≤ 2)' },
    train: { type: 'integer', default: 512, min: 1, max: 10_000_000, description: 'training points' },
    test: { type: 'integer', default: 512, min: 1, max: 10_000_000, description: 'test points' },
    batch: { type: 'integer', default: 0, min: 0, max: 10_000_000, description: 'minibatch size of the velocity (0: full batch)' },
    dt: dtParam(0.5, 100),
    steps: stepsParam(2000),
    seed: seedParam,
    lambda: { type: 'number', default: 0, min: 0, max: 100, description: 'weight decay λ (energy term λ/2 ∫|θ|² dμ)' },
    temperature: { type: 'number', default: 0, min: 0, max: 100, description: 'temperature σ of mean-field Langevin (0: deterministic)' },
    bias: { type: 'boolean', default: false, description: 'neurons have a bias b (always on for the regression target)' },
    init_scale: { type: 'number', default: 0.1, min: 0, minExclusive: true, max: 100, description: 'initial |a| = |w| of every neuron' },
    backtracking: { type: 'boolean', default: false, description: 'Armijo backtracking of the step on risk increase (full batch, σ = 0)' },
  },
  every: everyFor,
  // The metrics (train and test risks over the data sets, sliced W2 to the teacher) cost 2–5 steps
  // (2-core machine; the energy is the train risk, in every record): every 10th record.
  metricsEvery: metricsEveryRecords(10),
  // Data: inputs [d, N] and labels, float64, plus float32 copies for accelerated kernels; O(N) residual and
  // activation scratch; neurons [m, d+2] ×3 and the [m, 2d+2] picture. A step: forward and backward passes over
  // the batch (m × N × (d+2) each, the backward twice that); a record: the train and test risks.
  estimate: (p) => {
    const N = p.batch > 0 ? Math.min(p.batch, p.train) : p.train;
    const data = 8 * (p.d + 1) * (p.train + p.test) + 4 * (p.d + 1) * p.train + 8 * 5 * Math.max(p.train, p.test);
    // predict() keeps its last predictions per data set with a copy of the inputs they came from (network.ts).
    const memo = 8 * (p.d + 1) * (p.train + p.test);
    const neurons = 8 * p.m * (3 * (p.d + 2) + 2 * p.d + 2);
    return dominant(
      {
        'training passes: m × batch × (d+2)': 3 * trials(p.backtracking) * p.m * N * (p.d + 2),
        'train and test risks: m × (train + test) × (d+2)': p.m * (p.train + p.test) * (p.d + 2),
        'entropy value: m² pair sums': p.temperature > 0 ? pairPass(p.m, p.d + 2) : 0,
      },
      data + memo + neurons,
      'data (train + test) × (d+1) float64',
    );
  },
  build(p, ctx) {
    const activation = activationByName(p.activation);
    const kind = p.data as DataKind;
    const data = makeMlpData(new Rng(p.seed), { kind, d: p.d, teacher: p.teacher, train: p.train, test: p.test, activation });
    return mlpSimulation({
      accelerator: ctx.accelerator,
      theta: balancedNeurons(new Rng(p.seed + 1), p.m, p.d, p.init_scale),
      d: p.d,
      activation,
      data,
      dt: p.dt,
      seed: p.seed + 2,
      lambda: p.lambda,
      temperature: p.temperature,
      batch: p.batch,
      bias: p.bias || kind === 'regression',
      backtracking: p.backtracking,
    });
  },
});
