/**
 * A synthetic grid scene for the viewer's tests, gallery and benchmark
 * (until the catalogue has grid scenes): the exact Ornstein–Uhlenbeck density on a regular grid in 1, 2 or
 * 3 dimensions, p(x, t) ∝ Π_k N(x_k; m0 e^{−t}, s0² e^{−2t} + 1 − e^{−2t}),
 * as cell masses (Σ p = 1) of shape [grid] · dim over [−4, 4]^dim. Reference:
 * the Gibbs density ∝ e^{−|x|²/2}. Energy: the relative entropy KL(p | Gibbs).
 */
import { defineScene, type Checkpoint, type Reference, type Simulation, type SimulationInfo } from '../../engine/index.ts';

class ExactOuGrid implements Simulation {
  readonly info: SimulationInfo;
  step = 0;
  t = 0;
  private p: Float64Array;

  constructor(
    private readonly dim: number,
    private readonly grid: number,
    private readonly m0: number,
    private readonly s0: number,
    dt: number,
  ) {
    this.info = { kind: 'grid', dim, shape: Array(dim).fill(grid), bounds: Array.from({ length: dim }, () => [-4, 4] as [number, number]), dt, gradientFlow: true, mainMetric: 'variance' };
    this.p = this.density(this.t);
  }

  private centre(i: number): number {
    return -4 + ((i + 0.5) * 8) / this.grid;
  }

  /** Cell masses of Π_k N(mean, v) on the grid (normalised). */
  private gaussian(mean: number, v: number): Float64Array {
    const n = this.grid ** this.dim;
    const p = new Float64Array(n);
    let s = 0;
    for (let c = 0; c < n; c++) {
      let e = 0;
      for (let k = 0, r = c; k < this.dim; k++, r = Math.floor(r / this.grid)) e += (this.centre(r % this.grid) - mean) ** 2;
      p[c] = Math.exp(-e / (2 * v));
      s += p[c];
    }
    for (let c = 0; c < n; c++) p[c] /= s;
    return p;
  }

  private density(t: number): Float64Array {
    return this.gaussian(this.m0 * Math.exp(-t), this.s0 ** 2 * Math.exp(-2 * t) + 1 - Math.exp(-2 * t));
  }

  advance(): void {
    this.step++;
    this.t = this.step * this.info.dt;
    this.p = this.density(this.t);
  }

  state(): Float64Array {
    return this.p;
  }

  setState(x: Float64Array): void {
    this.p = x.slice();
  }

  energy() {
    const g = this.gaussian(0, 1);
    let kl = 0;
    for (let c = 0; c < g.length; c++) if (this.p[c] > 0) kl += this.p[c] * Math.log(this.p[c] / g[c]);
    return { total: kl, terms: { kl } };
  }

  metrics() {
    return { variance: this.s0 ** 2 * Math.exp(-2 * this.t) + 1 - Math.exp(-2 * this.t) };
  }

  reference(): Reference {
    return { label: 'Gibbs density', data: this.gaussian(0, 1), shape: this.info.shape };
  }

  checkpoint(): Checkpoint {
    return { step: this.step, t: this.t, state: this.p.slice() };
  }

  restore(c: Checkpoint): void {
    this.step = c.step;
    this.t = c.t;
    this.p = c.state.slice();
  }
}

export default defineScene({
  id: 'synthetic-grid',
  title: 'Synthetic grid: exact OU density',
  description: 'Exact Ornstein–Uhlenbeck density on a grid (viewer test stream).',
  params: {
    dim: { type: 'integer', default: 2, min: 1, max: 3, description: 'grid dimension' },
    grid: { type: 'integer', default: 48, min: 4, max: 512, description: 'cells per axis' },
    dt: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 100000, min: 0, max: 1e9, description: 'number of time steps' },
    m0: { type: 'number', default: 1.5, description: 'initial mean along every axis' },
    s0: { type: 'number', default: 0.5, min: 0, minExclusive: true, description: 'initial standard deviation' },
  },
  build: (p) => new ExactOuGrid(p.dim, p.grid, p.m0, p.s0, p.dt),
});
