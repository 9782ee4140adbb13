import type { Accelerator } from '../../core/accelerator.ts';
import { ParamError } from '../../core/params.ts';
import { Simulation } from '../../core/simulation.ts';
import { evaluateEnergies, type ParticleEnergy } from '../../particles/energy.ts';
import { forwardScheme, type ParticleState } from '../../particles/forward-scheme.ts';
import { KdeEntropy } from '../../particles/langevin-noise.ts';
import { accelerateEnergies } from '../../particles/particle-simulation.ts';
import { Potential, quadraticPotential } from '../../particles/potential.ts';
import type { Activation } from './activations.ts';
import type { MlpData } from './dataset.ts';
import { NetworkScratch, neuronDim } from './network.ts';
import { MeanFieldRisk, riskOn } from './risk.ts';
import { teacherSlicedW2 } from './teacher-distance.ts';

/** Options of `mlpSimulation`: the initial neurons, the activation and data, the step, and the regularizations. */
export interface MlpSimulationOptions {
  /** Initial parameters θ [m, d+2], rows (a, w, b); taken over (not copied). */
  theta: Float64Array;
  /** Neuron weights ω [m] (uniform 1/m when absent). */
  omega?: Float64Array;
  d: number;
  activation: Activation;
  data: MlpData;
  dt: number;
  seed: number;
  /** Weight decay λ: adds λ/2 ∫|θ|² dμ to the energy. */
  lambda?: number;
  /** Temperature σ of mean-field Langevin dynamics (Euler–Maruyama noise √(2στ)ξ). */
  temperature?: number;
  /** Minibatch size for the velocity (0: full batch). */
  batch?: number;
  bias?: boolean;
  backtracking?: boolean;
  /** Where the risk's velocity runs (`ctx.accelerator`); absent: the float64 reference. */
  accelerator?: Accelerator;
}

/**
 * Writes the neuron picture rows (|a_i| w_i, a_i, w_i, b_i) of parameters θ [m, d+2] into
 * out [m, 2d+2]: the 2-homogeneous picture |a| w of ReLU neurons first (Chizat & Bach
 * 2018, Fig. 1), which the viewer draws, then the parameters themselves.
 */
export function neuronPicture(theta: Float64Array, d: number, out: Float64Array): Float64Array {
  const D = neuronDim(d);
  const S = d + D;
  const m = theta.length / D;
  for (let i = 0; i < m; i++) {
    const a = Math.abs(theta[i * D]);
    for (let k = 0; k < d; k++) out[i * S + k] = a * theta[i * D + 1 + k];
    for (let k = 0; k < D; k++) out[i * S + d + k] = theta[i * D + k];
  }
  return out;
}

/**
 * Training of a mean-field two-layer network as a Wasserstein gradient flow of
 * F(μ) = R(μ) + λ/2 ∫|θ|² dμ + σ ∫ρ log ρ over the measure of neurons (docs/design.md §3.1),
 * by forward Wasserstein gradient descent on the parameters θ_i = (a_i, w_i, b_i). The
 * state is the parameters [m, d+2] (final.npy, checkpoints); the viewer and the frames
 * show the neuron picture [m, 2d+2] (`neuronPicture`). `--init` takes parameters
 * [m, d+2] or a picture [m, 2d+2] (an older final.npy or a frame).
 */
export function mlpSimulation(o: MlpSimulationOptions): MlpSimulation {
  const D = neuronDim(o.d);
  if (o.backtracking && ((o.batch ?? 0) > 0 || (o.temperature ?? 0) > 0)) {
    throw new ParamError(`parameter 'backtracking' needs a deterministic full-batch flow: set batch=0 and temperature=0 (got batch=${o.batch ?? 0}, temperature=${o.temperature ?? 0})`);
  }
  if (o.theta.length % D !== 0) throw new Error(`parameters of length ${o.theta.length} are not [m, ${D}]`);
  const m = o.theta.length / D;
  const omega = o.omega ?? new Float64Array(m).fill(1 / m);
  const risk = new MeanFieldRisk(o.activation, o.data.train, o.bias ?? true, o.batch ?? 0);
  const energies: ParticleEnergy[] = [risk];
  if (o.lambda) energies.push(new Potential(quadraticPotential(o.lambda), 'weight_decay'));
  accelerateEnergies(energies, o.accelerator, m, D, o.backtracking);
  const temperature = o.temperature ?? 0;
  const noBias = o.bias === false;
  const scheme = forwardScheme({
    energies, d: D, weights: omega, dt: o.dt, seed: o.seed, temperature, backtracking: o.backtracking,
    // Noise and weight decay must not create a bias the model does not have.
    constrain: noBias ? (x) => { for (let i = 0; i < m; i++) x[i * D + D - 1] = 0; } : undefined,
  });
  const scratch = new NetworkScratch();
  // The float64 forward pass of the records' risks in WebAssembly SIMD where the platform assembles it (same bits: wasm-relu.ts).
  const assembler = o.accelerator?.assembler ?? null;
  const f = new Float64Array(Math.max(o.data.train.size, o.data.test.size));
  const kde = temperature > 0 ? new KdeEntropy(temperature) : null;
  const S = o.d + D;
  const sim = new Simulation({
    info: { kind: 'particles', dim: D, shape: [m, D], dt: o.dt, gradientFlow: true, mainMetric: 'test_risk' },
    scheme,
    x0: o.theta,
    weights: omega,
    energy(state) {
      const mu = scheme.measureOf(state);
      const report = evaluateEnergies(energies, mu);
      if (kde) {
        const s = kde.value(mu);
        report.terms.entropy = (report.terms.entropy ?? 0) + s;
        report.total += s;
      }
      return report;
    },
    /** Train and test risk; distance to the teacher (sliced W2 of output-mass directions) when there is one. */
    metrics(state) {
      const out: Record<string, number> = {
        train_risk: riskOn(state.x, omega, o.activation, o.data.train, f, scratch, assembler),
        test_risk: riskOn(state.x, omega, o.activation, o.data.test, f, scratch, assembler),
      };
      const T = o.data.teacher;
      if (T) out.teacher_sw2 = teacherSlicedW2(state.x, omega, T.theta, T.omega, o.d, o.bias ?? true);
      if (o.backtracking) out.tau = state.tau;
      return out;
    },
    /** The teacher neurons in the picture's layout: where student output mass should gather. */
    reference() {
      const T = o.data.teacher;
      if (!T) return null;
      return { label: 'teacher neurons |a*| w*', data: neuronPicture(T.theta, o.d, new Float64Array(T.k * S)), shape: [T.k, S] };
    },
    view: {
      shape: [m, S],
      description: `neuron picture: columns |a|·w (${o.d}), then the parameters a, w (${o.d}), b`,
      project: (state, out) => neuronPicture(state.x, o.d, out),
    },
    initial(x, shape) {
      if (shape.length !== 2 || shape[0] !== m || (shape[1] !== D && shape[1] !== S)) {
        throw new Error(`initial state has shape [${shape.join(', ')}]; this scene needs parameters [${m}, ${D}] = [m, d+2] with rows (a, w_1..w_d, b), or a state [${m}, ${S}] (the neuron picture of a frame; set m=${shape[0] ?? '?'} to match)`);
      }
      if (shape[1] === D) return x.slice();
      const theta = new Float64Array(m * D);
      for (let i = 0; i < m; i++) for (let k = 0; k < D; k++) theta[i * D + k] = x[i * S + o.d + k];
      return theta;
    },
  });
  return Object.assign(sim, { risk });
}

/** A network's training as a simulation, with its risk (the energy whose velocity is the hot loop). */
export type MlpSimulation = Simulation<ParticleState> & { readonly risk: MeanFieldRisk };
