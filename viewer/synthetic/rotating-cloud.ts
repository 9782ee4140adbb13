/**
 * A synthetic particle scene for the viewer benchmark: a Gaussian cloud of n
 * particles rotating rigidly about the origin, x ← R(ω τ) x in the (x₁, x₂)
 * plane, O(n) per step, so that streaming and drawing, not the physics, set the
 * frame rate. Energy ½ Σ w_i |x_i|² is conserved (a rotation, not a gradient flow).
 */
import { defineScene, gaussianCloud, Rng, type Checkpoint, type Simulation, type SimulationInfo } from '../../engine/index.ts';

class RotatingCloud implements Simulation {
  readonly info: SimulationInfo;
  step = 0;
  t = 0;
  private readonly cos: number;
  private readonly sin: number;

  constructor(
    private readonly x: Float64Array,
    private readonly n: number,
    private readonly d: number,
    omega: number,
    dt: number,
  ) {
    this.info = { kind: 'particles', dim: d, shape: [n, d], bounds: Array.from({ length: d }, () => [-3, 3] as [number, number]), dt, gradientFlow: false };
    this.cos = Math.cos(omega * dt);
    this.sin = Math.sin(omega * dt);
  }

  advance(): void {
    const { x, d, cos, sin } = this;
    for (let i = 0; i < this.n; i++) {
      const a = x[i * d], b = x[i * d + 1];
      x[i * d] = cos * a - sin * b;
      x[i * d + 1] = sin * a + cos * b;
    }
    this.step++;
    this.t += this.info.dt;
  }

  state(): Float64Array {
    return this.x;
  }

  setState(x: Float64Array): void {
    this.x.set(x);
  }

  energy() {
    let e = 0;
    for (let i = 0; i < this.x.length; i++) e += this.x[i] ** 2;
    return { total: e / (2 * this.n), terms: { potential: e / (2 * this.n) } };
  }

  metrics() {
    return { angle: Math.atan2(this.sin, this.cos) * this.step };
  }

  checkpoint(): Checkpoint {
    return { step: this.step, t: this.t, state: this.x.slice() };
  }

  restore(c: Checkpoint): void {
    this.x.set(c.state);
    this.step = c.step;
    this.t = c.t;
  }
}

export default defineScene({
  id: 'rotating-cloud',
  title: 'Synthetic rotating cloud',
  description: 'A rigidly rotating Gaussian cloud, O(n) per step (viewer benchmark stream).',
  params: {
    n: { type: 'integer', default: 10000, min: 1, max: 10_000_000, description: 'number of particles' },
    d: { type: 'integer', default: 2, min: 2, max: 3, description: 'dimension' },
    omega: { type: 'number', default: 1, description: 'angular velocity ω' },
    dt: { type: 'number', default: 0.01, min: 0, minExclusive: true, max: 1, description: 'time step τ' },
    steps: { type: 'integer', default: 1e9, min: 0, max: 1e9, description: 'number of time steps' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed' },
  },
  build: (p) => new RotatingCloud(gaussianCloud(new Rng(p.seed), p.n, p.d, 0, 1), p.n, p.d, p.omega, p.dt),
});
