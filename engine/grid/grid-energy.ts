import { UsageError } from '../core/simulation.ts';
import type { GridMeasure } from './grid-measure.ts';
import type { PointwiseModel } from './pointwise-model.ts';

/**
 * An energy F(ρ) on grid densities, seen by the entropic JKO scheme through its
 * value and its share of the pointwise model whose KL prox the scheme solves
 * (pointwise-model.ts, kl-prox.ts). Values are in density units, ρ = p/|cell|.
 */
export interface GridEnergy {
  readonly name: string;
  /** F(ρ) for the measure's current cell masses. */
  value(m: GridMeasure): number;
  /** Adds this term to the model of the JKO step that starts from p_k (semi-implicit terms read p_k). */
  contribute(model: PointwiseModel, pk: Float64Array, m: GridMeasure): void;
}

/** F = ∫ V ρ = Σ V_i p_i, V sampled at cell centres [size]. */
export class GridPotential implements GridEnergy {
  readonly name = 'potential';
  constructor(readonly V: Float64Array) {}
  value(m: GridMeasure): number {
    let s = 0;
    for (let i = 0; i < m.p.length; i++) if (m.p[i] > 0) s += this.V[i] * m.p[i];
    return s;
  }
  contribute(model: PointwiseModel): void {
    for (let i = 0; i < this.V.length; i++) model.V[i] += this.V[i];
  }
}

/** F = T ∫ ρ log ρ = T Σ p log(p/|cell|); with a potential V this is T·KL(ρ | e^{−V/T}/Z) + const. */
export class GridEntropy implements GridEnergy {
  readonly name = 'entropy';
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new UsageError(`temperature must be > 0; got ${temperature}`);
  }
  value(m: GridMeasure): number {
    const vol = m.grid.cellVolume;
    let s = 0;
    for (let i = 0; i < m.p.length; i++) if (m.p[i] > 0) s += m.p[i] * Math.log(m.p[i] / vol);
    return this.temperature * s;
  }
  contribute(model: PointwiseModel): void {
    model.temperature += this.temperature;
  }
}

/**
 * Porous medium F = c ∫ ρ^m/(m−1) = c |cell|^{1−m} Σ p^m/(m−1), m > 1, coefficient c > 0
 * (default 1; ∂ρ = c Δρ^m).
 */
export class PorousMedium implements GridEnergy {
  readonly name = 'porous';
  constructor(
    readonly m: number,
    readonly coefficient = 1,
  ) {
    if (!(m > 1)) throw new UsageError(`porous medium exponent m must be > 1; got ${m}`);
    if (!(coefficient > 0)) throw new UsageError(`porous medium coefficient must be > 0; got ${coefficient}`);
  }
  value(mm: GridMeasure): number {
    const vol = mm.grid.cellVolume;
    let s = 0;
    for (let i = 0; i < mm.p.length; i++) s += Math.pow(mm.p[i] / vol, this.m);
    return (this.coefficient * vol * s) / (this.m - 1);
  }
  contribute(model: PointwiseModel, _pk: Float64Array, mm: GridMeasure): void {
    if (model.porous.coef > 0 && model.porous.m !== this.m) throw new UsageError('two porous medium terms need the same exponent m');
    model.porous = { coef: model.porous.coef + this.coefficient * Math.pow(mm.grid.cellVolume, 1 - this.m), m: this.m };
  }
}

/**
 * Congestion ι{ρ ≤ κ} (crowd motion, Maury–Roudneff-Chupin–Santambrogio 2010): p ≤ κ|cell|.
 * Its value is reported as 0: the step's output b ⊙ Kᵀa meets the bound only up to
 * the Sinkhorn tolerance, so the violation max ρ/κ − 1 is a scene metric instead.
 */
export class Congestion implements GridEnergy {
  readonly name = 'congestion';
  constructor(readonly kappa: number) {
    if (!(kappa > 0)) throw new UsageError(`congestion bound kappa must be > 0; got ${kappa}`);
  }
  value(): number {
    return 0;
  }
  contribute(model: PointwiseModel, _pk: Float64Array, m: GridMeasure): void {
    const free = m.mask ? m.mask.reduce((s, b) => s + (b ? 0 : 1), 0) : m.grid.size;
    const capacity = this.kappa * free * m.grid.cellVolume;
    if (capacity < 1) {
      throw new UsageError(`congestion kappa=${this.kappa} is infeasible: κ·|free area| = ${capacity.toPrecision(4)} < 1, so unit mass cannot fit; use kappa ≥ ${(1 / (free * m.grid.cellVolume)).toPrecision(4)}`);
    }
    model.cap = Math.min(model.cap, this.kappa * m.grid.cellVolume);
  }
}

/** Obstacles: V = +∞ on the measure's mask, so the prox puts no mass there. Value 0 (mass in obstacles is a metric). */
export class Obstacles implements GridEnergy {
  readonly name = 'obstacles';
  value(m: GridMeasure): number {
    return m.massInMask() > 0 ? Infinity : 0;
  }
  contribute(model: PointwiseModel, _pk: Float64Array, m: GridMeasure): void {
    if (m.mask) model.mask = m.mask;
  }
}
