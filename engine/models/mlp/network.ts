import type { WatAssembler } from '../../wasm/assembler.ts';
import type { Activation } from './activations.ts';
import { reluPredict3 } from './relu-kernels.ts';
import { wasmRelu3 } from './wasm-relu.ts';

/**
 * A two-layer network seen as a measure over neurons (Chizat & Bach 2018; Mei,
 * Montanari & Nguyen 2018): f_μ(x) = Σ_i ω_i a_i σ(w_i·x + b_i).
 *
 * Layouts (row-major Float64Arrays):
 * - parameters θ [m, D], D = d + 2, row i = (a_i, w_i[0..d), b_i);
 * - neuron weights ω [m], Σ ω = 1 (uniform 1/m by default: the mean-field scaling);
 * - inputs stored feature-major Xt [d, N] (Xt[k·N + n] = x_n[k]) so that every
 *   inner loop over data points is stride-1.
 */
export function neuronDim(d: number): number {
  return d + 2;
}

/** Data points x_n ∈ R^d (feature-major) with targets y_n. */
export interface RegressionSet {
  d: number;
  /** Number of points N. */
  size: number;
  /** Inputs [d, N], feature-major. */
  Xt: Float64Array;
  /** Targets [N]. */
  y: Float64Array;
}

/** z[n] = w·x_n + b for the neuron whose parameters start at θ[o] (z has length ≥ N). */
export function preActivation(theta: Float64Array, o: number, d: number, Xt: Float64Array, N: number, z: Float64Array): void {
  const b = theta[o + d + 1];
  const w0 = theta[o + 1];
  for (let n = 0; n < N; n++) z[n] = b + w0 * Xt[n];
  for (let k = 1; k < d; k++) {
    const wk = theta[o + 1 + k];
    const off = k * N;
    for (let n = 0; n < N; n++) z[n] += wk * Xt[off + n];
  }
}

/** Scratch vectors of length N reused across calls (no allocation in hot loops). */
export class NetworkScratch {
  z = new Float64Array(0);
  s = new Float64Array(0);
  ds = new Float64Array(0);
  /** Grows the vectors to length ≥ N (never shrinks) and returns this. */
  ensure(N: number): this {
    if (this.z.length < N) {
      this.z = new Float64Array(N);
      this.s = new Float64Array(N);
      this.ds = new Float64Array(N);
    }
    return this;
  }
}

/**
 * f[n] = Σ_i ω_i a_i σ(w_i·x_n + b_i) for n < N. Cost O(m N d); f is overwritten.
 * ReLU in R³ takes the fused kernel (relu-kernels.ts): the same sums in another order;
 * with an `assembler` (the accelerator's, `ctx.accelerator.assembler`) its WebAssembly SIMD
 * form (wasm-relu.ts), which has the same bits, ~3× faster; without one (or without SIMD)
 * the JavaScript loop.
 * θ: [m, d+2], ω: [m], Xt: [d, N], f: [≥ N].
 */
export function predict(
  theta: Float64Array, omega: Float64Array, d: number, act: Activation,
  Xt: Float64Array, N: number, f: Float64Array, scratch: NetworkScratch, assembler?: WatAssembler | null,
): void {
  // A record asks the training risk twice (the energy, the train_risk metric) at the state
  // whose velocity the next step asks: the same predictions, computed once.
  const memo = memos.get(Xt);
  if (memo && memo.matches(theta, omega, d, act.name, Xt, N)) {
    f.set(memo.f.subarray(0, N));
    return;
  }
  predictUncached(theta, omega, d, act, Xt, N, f, scratch, assembler);
  if (memo) memo.set(theta, omega, d, act.name, Xt, N, f);
  else memos.set(Xt, new PredictMemo(theta, omega, d, act.name, Xt, N, f));
}

/**
 * The last predictions on a data set (keyed by its input array, whose contents are compared
 * too: a minibatch buffer is refilled in place), with copies of the parameters they came
 * from, compared bit for bit (O(m d + N d), next to the O(m N d) pass).
 */
class PredictMemo {
  theta = new Float64Array(0);
  omega = new Float64Array(0);
  Xt = new Float64Array(0);
  f = new Float64Array(0);
  d = 0;
  act = '';
  N = 0;
  constructor(theta: Float64Array, omega: Float64Array, d: number, act: string, Xt: Float64Array, N: number, f: Float64Array) {
    this.set(theta, omega, d, act, Xt, N, f);
  }
  matches(theta: Float64Array, omega: Float64Array, d: number, act: string, Xt: Float64Array, N: number): boolean {
    return d === this.d && act === this.act && N === this.N && same(theta, this.theta) && same(omega, this.omega) && same(Xt.subarray(0, d * N), this.Xt);
  }
  set(theta: Float64Array, omega: Float64Array, d: number, act: string, Xt: Float64Array, N: number, f: Float64Array): void {
    this.theta = Float64Array.from(theta);
    this.omega = Float64Array.from(omega);
    this.Xt = Xt.slice(0, d * N);
    this.f = f.slice(0, N);
    this.d = d;
    this.act = act;
    this.N = N;
  }
}

const memos = new WeakMap<Float64Array, PredictMemo>();

function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function predictUncached(
  theta: Float64Array, omega: Float64Array, d: number, act: Activation,
  Xt: Float64Array, N: number, f: Float64Array, scratch: NetworkScratch, assembler: WatAssembler | null | undefined,
): void {
  if (act.name === 'relu' && d === 3) {
    const simd = wasmRelu3(assembler);
    return simd ? simd.predict(theta, omega, Xt, N, f) : reluPredict3(theta, omega, Xt, N, f);
  }
  const D = neuronDim(d);
  const m = omega.length;
  const { z, s } = scratch.ensure(N);
  f.fill(0, 0, N);
  for (let i = 0; i < m; i++) {
    const o = i * D;
    const c = omega[i] * theta[o];
    if (c === 0) continue;
    preActivation(theta, o, d, Xt, N, z);
    act.forward(z, s, N);
    for (let n = 0; n < N; n++) f[n] += c * s[n];
  }
}
