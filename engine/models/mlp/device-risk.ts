import type { DeviceLoop, LoopRequest, PairKernel } from '../../core/accelerator.ts';
import { laneGroups, mlpBackwardSource, mlpForwardSource, mlpLanes, type MlpActivationName, type MlpLane } from '../../backend/mlp-sources.ts';

/**
 * The device form of the mean-field MLP risk (risk.ts): its velocity
 * v_i = −E_k[r_k ∇_θ(a σ(w·x_k + b))]|_{θ_i}, r_k = f(x_k) − y_k, on gpu.js in float32
 * (forward kernel over the data, backward kernel over the neurons, mlp-sources.ts),
 * with the residual and the assembly of v in float64 on the host. The risk value
 * (energy, train_risk, test_risk) stays on the float64 reference under every backend.
 *
 * Kernel families 'mlp-relu' and 'mlp-smooth' (tanh, sigmoid, GELU: the TS loop calls
 * Math.tanh/exp per pair, so gpu.js pays off much earlier): the rule's size is the
 * number of neuron–data pairs m·N of one velocity (N: the batch the velocity gathers
 * over), the cost of either pass, with a floor on N (AUTO_MIN_POINTS, rule.ts).
 */
export function mlpKernelFamily(act: MlpActivationName): string {
  return act === 'relu' ? 'mlp-relu' : 'mlp-smooth';
}

/** What the MLP kernels depend on besides the neuron count m. */
export interface MlpKernelShape {
  d: number;
  act: MlpActivationName;
  bias: boolean;
  /** Data points of the velocity (the minibatch size, or the training set). */
  points: () => number;
}

/** The forward source (gathers over the m neurons) and the backward sources (over the N points). */
function sources(s: MlpKernelShape, m: number, N: number): { forward: string; groups: { lanes: MlpLane[]; source: string }[] } {
  return {
    forward: mlpForwardSource(s.d, s.act, m),
    groups: laneGroups(mlpLanes(s.d, s.act, s.bias)).map((lanes) => ({ lanes, source: mlpBackwardSource(s.d, s.act, N, lanes) })),
  };
}

/**
 * What the risk of m neurons asks the accelerator: the rule's size is the m·N neuron–data
 * pairs of one velocity in the input dimension d, with the data-point floor N.
 */
export function mlpLoopRequest(s: MlpKernelShape, m: number, loop = 'risk'): LoopRequest {
  const { d } = s;
  const N = s.points();
  const kernels: PairKernel[] | null = d <= 3
    ? (() => {
      const { forward, groups } = sources(s, m, N);
      const dataIn = [...Array(d).fill(N), m, ...Array(d).fill(m), m];
      const neuronIn = [...Array(d).fill(N), N, ...Array(d).fill(m), m];
      return [
        { source: forward, outDim: 1, shape: { rows: N, inputs: dataIn } },
        ...groups.map((g) => ({ source: g.source, outDim: g.lanes.length, shape: { rows: m, inputs: neuronIn } })),
      ];
    })()
    : null;
  return {
    loop, family: mlpKernelFamily(s.act), kernels,
    size: { n: m * N, d, points: N, label: `m=${m} × N=${N}, d=${d}` },
    // The risk value (energy, train_risk, test_risk, the Armijo test) is always the float64 loop.
    deviceValues: false,
  };
}

interface Scratch {
  key: string;
  forward: string;
  groups: { lanes: MlpLane[]; source: string; out: Float32Array }[];
  xs: Float32Array[];
  ws: Float32Array[];
  c: Float32Array;
  b: Float32Array;
  r: Float32Array;
  f: Float32Array;
}

/** The risk's two passes bound to the device (forward over the data, backward over the neurons). */
export class DeviceRisk {
  private sc: Scratch | null = null;

  constructor(
    private readonly loop: DeviceLoop,
    private readonly s: MlpKernelShape,
  ) {}

  /**
   * Adds the risk velocity of the m neurons θ [m, d+2] (rows a, w, b) with weights ω
   * over the data (Xt [d, N] feature-major, targets y) into v. Same quantity as
   * MeanFieldRisk.addVelocity's float64 loop.
   */
  velocity(theta: Float64Array, omega: Float64Array, Xt: Float64Array, y: Float64Array, v: Float64Array): void {
    mlpVelocity(this.loop, this.s, this, theta, omega, Xt, y, v);
  }

  /** Scratch buffers for (m, N), made again when the batch size changes. */
  scratch(key: string, make: () => Scratch): Scratch {
    if (!this.sc || this.sc.key !== key) this.sc = make();
    return this.sc;
  }
}

function mlpVelocity(
  loop: DeviceLoop, s: MlpKernelShape, owner: DeviceRisk, theta: Float64Array, omega: Float64Array, Xt: Float64Array, y: Float64Array, v: Float64Array,
): void {
  const { d } = s;
  const D = d + 2;
  const m = omega.length;
  const N = y.length;
  const key = `${m},${N},${d}`;
  const sc = owner.scratch(key, () => {
    const src = sources(s, m, N);
    return {
      key, forward: src.forward,
      groups: src.groups.map((g) => ({ ...g, out: new Float32Array(m * g.lanes.length) })),
      xs: Array.from({ length: d }, () => new Float32Array(N)), ws: Array.from({ length: d }, () => new Float32Array(m)),
      c: new Float32Array(m), b: new Float32Array(m), r: new Float32Array(N), f: new Float32Array(N),
    };
  });
  // The data is copied every call: a minibatch changes it in place between steps.
  for (let q = 0; q < d; q++) sc.xs[q].set(Xt.subarray(q * N, (q + 1) * N));
  for (let i = 0; i < m; i++) {
    sc.c[i] = omega[i] * theta[i * D];
    for (let q = 0; q < d; q++) sc.ws[q][i] = theta[i * D + 1 + q];
    sc.b[i] = theta[i * D + d + 1];
  }
  const ex = loop.executor;
  ex.run(sc.forward, 1, [...sc.xs, sc.c, ...sc.ws, sc.b], N, sc.f);
  for (let k = 0; k < N; k++) sc.r[k] = (sc.f[k] - y[k]) / N; // r_k/N: the 1/N of E_x folded in once, as risk.ts
  for (const g of sc.groups) ex.run(g.source, g.lanes.length, [...sc.xs, sc.r, ...sc.ws, sc.b], m, g.out);
  for (const g of sc.groups) {
    const L = g.lanes.length;
    g.lanes.forEach((lane, l) => {
      for (let i = 0; i < m; i++) {
        const o = i * D;
        const val = g.out[i * L + l];
        if (lane === 'a') v[o] -= val;
        else if (lane === 'b') {
          // ReLU: the a-component ⟨(w, b), g⟩ collects b·g_b whether or not b moves (relu-kernels.ts).
          if (s.act === 'relu') v[o] -= theta[o + d + 1] * val;
          if (s.bias) v[o + d + 1] -= theta[o] * val;
        } else {
          const q = +lane.slice(1);
          if (s.act === 'relu') v[o] -= theta[o + 1 + q] * val;
          v[o + 1 + q] -= theta[o] * val;
        }
      }
    });
  }
}
