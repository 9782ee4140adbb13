import type { Accelerator } from '../../core/accelerator.ts';
import type { WatAssembler } from '../../wasm/assembler.ts';
import { DeviceRisk, mlpLoopRequest, type MlpKernelShape } from './device-risk.ts';
import type { Rng } from '../../core/rng.ts';
import type { ParticleEnergy } from '../../particles/energy.ts';
import type { ParticleMeasure } from '../../particles/measure.ts';
import type { Activation } from './activations.ts';
import { reluVelocity3 } from './relu-kernels.ts';
import { wasmRelu3 } from './wasm-relu.ts';
import { NetworkScratch, neuronDim, predict, preActivation, type RegressionSet } from './network.ts';

/**
 * R(μ) = ½ (1/N) Σ_n (f_μ(x_n) − y_n)² of parameters θ [m, d+2] and weights ω [m] on a data set
 * (`assembler`: the forward pass's WebAssembly form where it has one, same bits: predict).
 */
export function riskOn(
  theta: Float64Array, omega: Float64Array, act: Activation, set: RegressionSet,
  f: Float64Array = new Float64Array(set.size), scratch = new NetworkScratch(), assembler?: WatAssembler | null,
): number {
  predict(theta, omega, set.d, act, set.Xt, set.size, f, scratch, assembler);
  let s = 0;
  for (let n = 0; n < set.size; n++) s += (f[n] - set.y[n]) ** 2;
  return (0.5 * s) / set.size;
}

/**
 * The mean-field risk of a two-layer network as an energy on the measure of its
 * neurons μ = Σ_i ω_i δ_{θ_i}, θ_i = (a_i, w_i, b_i) ∈ R^{d+2} (docs/design.md §3.1):
 *
 *   R(μ) = ½ E_x (f_μ(x) − y(x))²,   f_μ(x) = Σ_i ω_i a_i σ(w_i·x + b_i),
 *   v_i = −∇_θ δR/δμ(θ_i) = −E_x[(f_μ(x) − y(x)) ∇_θ(a σ(w·x + b))]|_{θ_i}
 *       = −E_x[r(x) (σ(z_i), a_i σ'(z_i) x, a_i σ'(z_i))],  z_i = w_i·x + b_i,
 *
 * so v_i = −(1/ω_i) ∂R/∂θ_i: with ω = 1/m, m times the negative parameter gradient
 * (Chizat & Bach 2018, eq. (2); Mei, Montanari & Nguyen 2018, eq. (6)).
 * The value is always the full training risk; the velocity uses the current
 * minibatch when one is set (SGD), the full training set otherwise.
 * With `bias` false the b coordinate gets no velocity (it stays at its start, 0).
 * Cost O(m N d) per call, two passes (predict, then gradients), no allocation after
 * the first call.
 *
 * Acceleration (engine/core/accelerator.ts, docs/design.md §5.4): bound to the device (`--backend
 * gpu`, or `auto` from the rule's size, m·N pairs) the velocity runs both passes as
 * gpu.js kernels in float32 (device-risk.ts); the value, hence train_risk/test_risk and
 * the Armijo test, is always the float64 loop. The accelerator's WAT assembler, where it has
 * one, runs the float64 ReLU forward pass in R³ (the value's, and the float64 velocity's) and
 * the float64 ReLU velocity's sums in R³ (reluVelocity3's) as WebAssembly SIMD with the
 * JavaScript loops' bits (wasm-relu.ts).
 */
export class MeanFieldRisk implements ParticleEnergy {
  readonly name = 'risk';
  private readonly scratch = new NetworkScratch();
  private f = new Float64Array(0);
  private batch: RegressionSet;
  private batchXt = new Float64Array(0);
  private batchY = new Float64Array(0);
  /** Data points the velocity gathers over: the rule's size is m times this. */
  private points: number;
  private readonly kernelShape: MlpKernelShape;
  private readonly batchIdx: Int32Array | null;
  private device: DeviceRisk | null = null;
  /** The accelerator's WAT assembler (the float64 ReLU forward pass's and velocity's SIMD form), null: JavaScript. */
  private assembler: WatAssembler | null = null;

  /** `batch`: the minibatch size the velocity will use (0 or ≥ N: full batch), known before the run so the backend is settled for it. */
  constructor(
    readonly act: Activation,
    readonly train: RegressionSet,
    readonly bias = true,
    batch = 0,
  ) {
    this.batch = train;
    this.points = batch > 0 && batch < train.size ? batch : train.size;
    this.batchIdx = batch > 0 && batch < train.size ? new Int32Array(batch) : null;
    this.kernelShape = { d: train.d, act: act.name, bias, points: () => this.points };
  }

  /** Binds the velocity's passes for m neurons (the state [m, d + 2]) to the accelerator. */
  accelerate(acc: Accelerator, { n }: { n: number; d: number }): void {
    this.assembler = acc.assembler;
    // Assembled now, with the scene (Node starts wabt at the first kernel assembled, ~0.1 s): not in the first record.
    if (this.act.name === 'relu' && this.train.d === 3) wasmRelu3(this.assembler);
    const loop = acc.bindPairs(mlpLoopRequest(this.kernelShape, n, this.name));
    this.device = loop ? new DeviceRisk(loop, this.kernelShape) : null;
  }

  /** SGD: a fresh minibatch of `batch` points drawn with replacement at the start of every step. */
  beforeStep(rng: Rng): void {
    if (!this.batchIdx) return;
    const N = this.train.size;
    for (let b = 0; b < this.batchIdx.length; b++) this.batchIdx[b] = rng.int(N);
    this.setBatch(this.batchIdx);
  }

  value(m: ParticleMeasure): number {
    if (this.f.length < this.train.size) this.f = new Float64Array(this.train.size);
    return riskOn(m.x, m.w, this.act, this.train, this.f, this.scratch, this.assembler);
  }

  /** Velocity on the points `idx` of the training set from now on (null: full batch). */
  setBatch(idx: Int32Array | null): void {
    this.points = idx ? idx.length : this.train.size;
    if (!idx) {
      this.batch = this.train;
      return;
    }
    const { d, size: N, Xt, y } = this.train;
    const B = idx.length;
    if (this.batchY.length !== B) {
      this.batchXt = new Float64Array(d * B);
      this.batchY = new Float64Array(B);
    }
    for (let c = 0; c < d; c++) for (let b = 0; b < B; b++) this.batchXt[c * B + b] = Xt[c * N + idx[b]];
    for (let b = 0; b < B; b++) this.batchY[b] = y[idx[b]];
    this.batch = { d, size: B, Xt: this.batchXt, y: this.batchY };
  }

  addVelocity(m: ParticleMeasure, v: Float64Array): void {
    const { d, size: N, Xt, y } = this.batch;
    const D = neuronDim(d);
    const theta = m.x;
    if (this.device) return this.device.velocity(theta, m.w, Xt.subarray(0, d * N), y.subarray(0, N), v);
    if (this.f.length < N) this.f = new Float64Array(N);
    const r = this.f;
    predict(theta, m.w, d, this.act, Xt, N, r, this.scratch, this.assembler);
    for (let n = 0; n < N; n++) r[n] = (r[n] - y[n]) / N; // r_n/N: the 1/N of E_x folded in once
    if (this.act.name === 'relu' && d === 3) {
      const simd = wasmRelu3(this.assembler);
      return simd ? simd.velocity(theta, Xt, N, r, this.bias, v, m.n) : reluVelocity3(theta, Xt, N, r, this.bias, v, m.n);
    }
    const { z, s, ds } = this.scratch.ensure(N);
    for (let i = 0; i < m.n; i++) {
      const o = i * D;
      const a = theta[o];
      preActivation(theta, o, d, Xt, N, z);
      this.act.forwardWithDerivative(z, s, ds, N);
      let ga = 0;
      let gb = 0;
      for (let n = 0; n < N; n++) {
        ga += r[n] * s[n];
        const c = r[n] * ds[n];
        ds[n] = c;
        gb += c;
      }
      v[o] -= ga;
      for (let k = 0; k < d; k++) {
        const off = k * N;
        let g = 0;
        for (let n = 0; n < N; n++) g += ds[n] * Xt[off + n];
        v[o + 1 + k] -= a * g;
      }
      if (this.bias) v[o + d + 1] -= a * gb;
    }
  }
}
