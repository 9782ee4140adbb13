import { ParamError } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { Activation } from './activations.ts';
import { NetworkScratch, neuronDim, predict, type RegressionSet } from './network.ts';

/** Data of the network scenes: teacher–student with inputs on the sphere or Gaussian, or the sine regression target. */
export const DATA_KINDS = ['sphere', 'gaussian', 'regression'] as const;
/** One of DATA_KINDS. */
export type DataKind = (typeof DATA_KINDS)[number];

/** A teacher network: k neurons θ* [k, d+2] with uniform weights 1/k. */
export interface Teacher {
  k: number;
  theta: Float64Array;
  omega: Float64Array;
}

/** Train and test sets drawn independently from the same law (and the teacher, if any). */
export interface MlpData {
  train: RegressionSet;
  test: RegressionSet;
  teacher: Teacher | null;
}

/**
 * Teacher neurons: w*_j uniform on S^{d−1}, a*_j = 1, b*_j = 0, so that
 * f*(x) = (1/k) Σ_j σ(w*_j·x) (the teacher–student setting of Chizat & Bach 2018, §5).
 */
export function makeTeacher(rng: Rng, k: number, d: number): Teacher {
  const D = neuronDim(d);
  const theta = new Float64Array(k * D);
  for (let j = 0; j < k; j++) {
    let r2 = 0;
    for (let c = 0; c < d; c++) {
      const g = rng.normal();
      theta[j * D + 1 + c] = g;
      r2 += g * g;
    }
    const inv = 1 / Math.sqrt(r2);
    for (let c = 0; c < d; c++) theta[j * D + 1 + c] *= inv;
    theta[j * D] = 1;
  }
  return { k, theta, omega: new Float64Array(k).fill(1 / k) };
}

/**
 * N inputs, feature-major [d, N]: uniform on S^{d−1} ('sphere'), N(0, I_d)
 * ('gaussian') or uniform on [−1, 1]^d ('regression').
 */
export function sampleInputs(rng: Rng, N: number, d: number, kind: DataKind): Float64Array {
  const Xt = new Float64Array(d * N);
  for (let n = 0; n < N; n++) {
    let r2 = 0;
    for (let c = 0; c < d; c++) {
      const v = kind === 'regression' ? 2 * rng.uniform() - 1 : rng.normal();
      Xt[c * N + n] = v;
      r2 += v * v;
    }
    if (kind === 'sphere') {
      const inv = 1 / Math.sqrt(r2);
      for (let c = 0; c < d; c++) Xt[c * N + n] *= inv;
    }
  }
  return Xt;
}

/** The 1D/2D regression target y(x) = Π_c sin(π x_c) on [−1, 1]^d. */
export function sineTarget(Xt: Float64Array, N: number, d: number): Float64Array {
  const y = new Float64Array(N).fill(1);
  for (let c = 0; c < d; c++) for (let n = 0; n < N; n++) y[n] *= Math.sin(Math.PI * Xt[c * N + n]);
  return y;
}

/** What `makeMlpData` draws: kind, input dimension, teacher size, train and test sizes, the teacher's activation. */
export interface MlpDataOptions {
  kind: DataKind;
  d: number;
  /** Teacher neurons (teacher–student kinds). */
  teacher: number;
  train: number;
  test: number;
  activation: Activation;
}

/** Draws the data of a scene: teacher–student on the sphere or Gaussian inputs, or the sine regression. */
export function makeMlpData(rng: Rng, o: MlpDataOptions): MlpData {
  if (o.kind === 'regression' && o.d > 2) {
    throw new ParamError(`parameter 'd' must be 1 or 2 for data=regression (a 1D/2D target); got ${o.d}`);
  }
  if (o.kind === 'sphere' && o.d < 2) throw new ParamError(`parameter 'd' must be at least 2 for data=sphere (inputs on S^{d-1}); got ${o.d}`);
  const teacher = o.kind === 'regression' ? null : makeTeacher(rng, o.teacher, o.d);
  const scratch = new NetworkScratch();
  const set = (N: number): RegressionSet => {
    const Xt = sampleInputs(rng, N, o.d, o.kind);
    let y: Float64Array;
    if (teacher) {
      y = new Float64Array(N);
      predict(teacher.theta, teacher.omega, o.d, o.activation, Xt, N, y, scratch);
    } else {
      y = sineTarget(Xt, N, o.d);
    }
    return { d: o.d, size: N, Xt, y };
  };
  const train = set(o.train);
  return { train, test: set(o.test), teacher };
}
