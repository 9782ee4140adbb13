import type { Rng } from '../core/rng.ts';
import { evaluateEnergies, totalVelocity, type ParticleEnergy } from './energy.ts';
import type { ParticleMeasure } from './measure.ts';

export interface ForwardSchemeOptions {
  /** Time step τ. */
  dt: number;
  /**
   * Armijo backtracking: halve τ until F(x + τv) ≤ F(x) − c τ ‖v‖²_w (c = 1e−4).
   * Only meaningful for deterministic gradient flows (no Langevin noise).
   */
  backtracking?: boolean;
  /** Particles live on the unit sphere: project velocities, retract x ← x/|x|. */
  sphere?: boolean;
}

const ARMIJO_C = 1e-4;
const MAX_HALVINGS = 30;

/**
 * Forward Wasserstein gradient descent (DESIGN §1.1): the pushforward
 * μ_{k+1} = (Id − τ∇δF/δμ(μ_k))_# μ_k, i.e. x_i ← x_i + τ v_i, plus √(2στ)ξ_i for
 * energies discretized by Langevin noise (Euler–Maruyama). Buffers are allocated
 * once per particle count.
 */
export class ForwardScheme {
  private v = new Float64Array(0);
  private x0 = new Float64Array(0);
  /** Step size used by the last step (smaller than dt after backtracking). */
  lastTau: number;

  constructor(
    readonly energies: readonly ParticleEnergy[],
    readonly options: ForwardSchemeOptions,
  ) {
    if (!(options.dt > 0) || !Number.isFinite(options.dt)) throw new Error(`dt must be a positive number; got ${options.dt}`);
    this.lastTau = options.dt;
    if (options.backtracking && this.noiseTemperature() > 0) {
      throw new Error('backtracking needs a deterministic flow: Langevin noise makes the energy random (use the blob entropy instead)');
    }
  }

  noiseTemperature(): number {
    let s = 0;
    for (const e of this.energies) s += e.noiseTemperature ?? 0;
    return s;
  }

  /** Velocity field v_i = −∇δF/δμ(x_i) (projected onto the tangent space on the sphere). */
  velocity(m: ParticleMeasure): Float64Array {
    if (this.v.length !== m.x.length) this.v = new Float64Array(m.x.length);
    totalVelocity(this.energies, m, this.v);
    if (this.options.sphere) projectTangent(m.x, this.v, m.d);
    return this.v;
  }

  /** One step in place; returns the τ used. */
  step(m: ParticleMeasure, rng: Rng): number {
    const v = this.velocity(m);
    const x = m.x;
    let tau = this.options.dt;
    if (this.options.backtracking) {
      if (this.x0.length !== x.length) this.x0 = new Float64Array(x.length);
      this.x0.set(x);
      const f0 = evaluateEnergies(this.energies, m).total;
      let slope = 0;
      for (let i = 0; i < m.n; i++) {
        let s = 0;
        for (let k = 0; k < m.d; k++) s += v[i * m.d + k] ** 2;
        slope += m.w[i] * s;
      }
      for (let h = 0; ; h++) {
        this.move(m, v, tau);
        const f1 = evaluateEnergies(this.energies, m).total;
        if (f1 <= f0 - ARMIJO_C * tau * slope || h >= MAX_HALVINGS) break;
        x.set(this.x0);
        tau *= 0.5;
      }
    } else {
      this.move(m, v, tau);
    }
    const sigma = this.noiseTemperature();
    if (sigma > 0) {
      const s = Math.sqrt(2 * sigma * tau);
      for (let i = 0; i < x.length; i++) x[i] += s * rng.normal();
      if (this.options.sphere) retract(x, m.d);
    }
    this.lastTau = tau;
    return tau;
  }

  private move(m: ParticleMeasure, v: Float64Array, tau: number): void {
    const x = m.x;
    for (let i = 0; i < x.length; i++) x[i] += tau * v[i];
    if (this.options.sphere) retract(x, m.d);
  }
}

/** v_i ← v_i − ⟨v_i, x_i⟩ x_i (x_i on the unit sphere). */
export function projectTangent(x: Float64Array, v: Float64Array, d: number): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += v[i * d + k] * x[i * d + k];
    for (let k = 0; k < d; k++) v[i * d + k] -= dot * x[i * d + k];
  }
}

/** x_i ← x_i / |x_i|. */
export function retract(x: Float64Array, d: number): void {
  const n = x.length / d;
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(r2);
    for (let k = 0; k < d; k++) x[i * d + k] *= inv;
  }
}
