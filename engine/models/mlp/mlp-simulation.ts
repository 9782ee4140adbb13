import { ParamError } from '../../core/params.ts';
import { Rng } from '../../core/rng.ts';
import type { Checkpoint, EnergyReport, Reference, Simulation, SimulationInfo } from '../../core/simulation.ts';
import { LangevinEntropy } from '../../particles/blob-entropy.ts';
import { evaluateEnergies, type ParticleEnergy } from '../../particles/energy.ts';
import { ForwardScheme } from '../../particles/forward-scheme.ts';
import { ParticleMeasure } from '../../particles/measure.ts';
import { Potential, quadraticPotential } from '../../particles/potential.ts';
import type { Activation } from './activations.ts';
import type { MlpData } from './dataset.ts';
import { NetworkScratch, neuronDim } from './network.ts';
import { MeanFieldRisk, riskOn } from './risk.ts';
import { teacherSlicedW2 } from './teacher-distance.ts';

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
}

/**
 * Training of a mean-field two-layer network as a Wasserstein gradient flow of
 * F(μ) = R(μ) + λ/2 ∫|θ|² dμ + σ ∫ρ log ρ over the measure of neurons (DESIGN §3.1),
 * by forward Wasserstein gradient descent (ForwardScheme) on the parameters.
 *
 * The state (frames, final.npy, checkpoints) is [m, 2d+2], row i = (|a_i| w_i, a_i, w_i, b_i):
 * the neuron picture first — the viewer draws the first three columns, so it shows the
 * 2-homogeneous picture |a| w of ReLU neurons (Chizat & Bach 2018, Fig. 1) — then the
 * exact parameters θ_i, so a checkpoint restores bit-identically and a final.npy can
 * start another run (--init also takes the bare parameters [m, d+2]).
 */
export class MlpSimulation implements Simulation {
  readonly info: SimulationInfo;
  readonly measure: ParticleMeasure;
  readonly risk: MeanFieldRisk;
  readonly scheme: ForwardScheme;
  private readonly energies: ParticleEnergy[];
  private readonly embedding: Float64Array;
  private readonly batchIdx: Int32Array | null;
  private readonly scratch = new NetworkScratch();
  private readonly f: Float64Array;
  rng: Rng;
  step = 0;
  t = 0;

  constructor(private readonly o: MlpSimulationOptions) {
    const D = neuronDim(o.d);
    if (o.backtracking && ((o.batch ?? 0) > 0 || (o.temperature ?? 0) > 0)) {
      throw new ParamError(`parameter 'backtracking' needs a deterministic full-batch flow: set batch=0 and temperature=0 (got batch=${o.batch ?? 0}, temperature=${o.temperature ?? 0})`);
    }
    if (o.theta.length % D !== 0) throw new Error(`parameters of length ${o.theta.length} are not [m, ${D}]`);
    this.measure = new ParticleMeasure(o.theta, D, o.omega);
    const m = this.measure.n;
    this.risk = new MeanFieldRisk(o.activation, o.data.train, o.bias ?? true, o.batch ?? 0);
    this.energies = [this.risk];
    if (o.lambda) this.energies.push(new Potential(quadraticPotential(o.lambda), 'weight_decay'));
    if (o.temperature) this.energies.push(new LangevinEntropy(o.temperature));
    this.scheme = new ForwardScheme(this.energies, { dt: o.dt, backtracking: o.backtracking });
    const B = o.batch ?? 0;
    this.batchIdx = B > 0 && B < o.data.train.size ? new Int32Array(B) : null;
    this.rng = new Rng(o.seed);
    this.embedding = new Float64Array(m * (2 * o.d + 2));
    this.f = new Float64Array(Math.max(o.data.train.size, o.data.test.size));
    this.info = {
      kind: 'particles',
      dim: 2 * o.d + 2,
      shape: [m, 2 * o.d + 2],
      dt: o.dt,
      gradientFlow: true,
      mainMetric: 'test_risk',
    };
  }

  advance(): void {
    if (this.batchIdx) {
      const N = this.o.data.train.size;
      for (let b = 0; b < this.batchIdx.length; b++) this.batchIdx[b] = this.rng.int(N);
      this.risk.setBatch(this.batchIdx);
    }
    this.t += this.scheme.step(this.measure, this.rng);
    if (this.o.bias === false) {
      // Noise and weight decay must not create a bias the model does not have.
      const D = this.measure.d;
      for (let i = 0; i < this.measure.n; i++) this.measure.x[i * D + D - 1] = 0;
    }
    this.step++;
  }

  /** Rows (|a_i| w_i, a_i, w_i, b_i), [m, 2d+2] (see the class comment). */
  state(): Float64Array {
    const { d } = this.o;
    const D = neuronDim(d);
    const S = d + D;
    const x = this.measure.x;
    for (let i = 0; i < this.measure.n; i++) {
      const a = Math.abs(x[i * D]);
      for (let k = 0; k < d; k++) this.embedding[i * S + k] = a * x[i * D + 1 + k];
      for (let k = 0; k < D; k++) this.embedding[i * S + d + k] = x[i * D + k];
    }
    return this.embedding;
  }

  /** Copies the parameters out of a state [m, 2d+2] or bare parameters [m, d+2]. */
  private setParameters(x: Float64Array): void {
    const { n, d: D } = this.measure;
    if (x.length === n * D) {
      this.measure.x.set(x);
      return;
    }
    const S = D + this.o.d;
    for (let i = 0; i < n; i++) for (let k = 0; k < D; k++) this.measure.x[i * D + k] = x[i * S + this.o.d + k];
  }

  weights(): Float64Array {
    return this.measure.w;
  }

  /** --init: parameters [m, d+2] (rows a, w, b) or a state [m, 2d+2] (e.g. a final.npy). */
  setState(x: Float64Array, shape: readonly number[]): void {
    const { n, d: D } = this.measure;
    const S = D + this.o.d;
    if (shape.length !== 2 || shape[0] !== n || (shape[1] !== D && shape[1] !== S)) {
      throw new Error(`initial state has shape [${shape.join(', ')}]; this scene needs parameters [${n}, ${D}] = [m, d+2] with rows (a, w_1..w_d, b), or a state [${n}, ${S}] (set m=${shape[0] ?? '?'} to match)`);
    }
    this.setParameters(x);
  }

  energy(): EnergyReport {
    return evaluateEnergies(this.energies, this.measure);
  }

  /** Train and test risk; distance to the teacher (sliced W2 of output-mass directions) when there is one. */
  metrics(): Record<string, number> {
    const { theta, omega } = { theta: this.measure.x, omega: this.measure.w };
    const out: Record<string, number> = {
      train_risk: riskOn(theta, omega, this.o.activation, this.o.data.train, this.f, this.scratch),
      test_risk: riskOn(theta, omega, this.o.activation, this.o.data.test, this.f, this.scratch),
    };
    const T = this.o.data.teacher;
    if (T) out.teacher_sw2 = teacherSlicedW2(theta, omega, T.theta, T.omega, this.o.d, this.o.bias ?? true);
    if (this.o.backtracking) out.tau = this.scheme.lastTau;
    return out;
  }

  /**
   * The teacher neurons in the same layout (|a*| w*, a*, w*, b*), [k, 2d+2]: where student
   * output mass should gather (a student neuron carrying 1/k of the mass at |a||w| = 1).
   */
  reference(): Reference | null {
    const T = this.o.data.teacher;
    if (!T) return null;
    const { d } = this.o;
    const D = neuronDim(d);
    const S = d + D;
    const data = new Float64Array(T.k * S);
    for (let j = 0; j < T.k; j++) {
      const a = Math.abs(T.theta[j * D]);
      for (let k = 0; k < d; k++) data[j * S + k] = a * T.theta[j * D + 1 + k];
      for (let k = 0; k < D; k++) data[j * S + d + k] = T.theta[j * D + k];
    }
    return { label: 'teacher neurons |a*| w*', data, shape: [T.k, S] };
  }

  checkpoint(): Checkpoint {
    return { step: this.step, t: this.t, state: this.state().slice(), rng: this.rng.getState() };
  }

  restore(c: Checkpoint): void {
    this.setParameters(c.state);
    this.step = c.step;
    this.t = c.t;
    if (c.rng) this.rng.setState(c.rng);
  }
}
