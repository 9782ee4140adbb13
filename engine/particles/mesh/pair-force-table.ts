import erfc from '@stdlib/math-base-special-erfc';
import { HermiteTable } from './hermite-table.ts';

/** A radial function in r² = |z|², with gradFactor(r²) = f′(r)/r as in RadialKernel. */
export interface RadialPart {
  value(r2: number): number;
  gradFactor(r2: number): number;
}

/**
 * The short-range force of a split kernel in a form the pair loops evaluate without
 * calling out (short-range.ts): ∇S(z) = z · Φ(|z|/α) / |z|^p for |z| below the
 * cutoff κα, with Φ smooth on [0, κ] and tabulated by cubic Hermite interpolation
 * (hermite-table.ts). The power p takes the singularity out of Φ.
 */
export interface PairForceTable {
  table: HermiteTable;
  /** 1/α: t = r/α indexes the table. */
  invAlpha: number;
  power: 0 | 1 | 2 | 3;
  /**
   * The short part's value on the same nodes (the pair loops' energy: one table index per
   * pair serves both), or absent (the energy is summed by shortRangeSums from S itself).
   */
  energy?: PairEnergyTable;
}

/**
 * The short-range pair potential in a form the pair loops evaluate beside the force, on
 * the force table's nodes: S(r) = Ψ(r/α)/r^power + log·ln r² for r below the cutoff, Ψ
 * smooth on [0, κ] (the log split's singularity is the explicit ln r²; Coulomb's is 1/r).
 */
export interface PairEnergyTable {
  table: HermiteTable;
  power: 0 | 1;
  /** Coefficient of ln r² (−½ for the 2D Ewald split of −log r, else 0). */
  log: number;
}

/** A table of Ψ on the nodes of `force`'s table (the same step and interval count). */
function onForceNodes(force: PairForceTable, psi: (t: number) => number, dpsi: (t: number) => number): HermiteTable {
  const { table } = force;
  return new HermiteTable(psi, dpsi, table.step * (table.last + 1), table.last + 1);
}

/**
 * The 2D Ewald short part S = ½E₁(r²/α²) (kernel-split.ts logSplit) as Ψ(t) − ½ ln r² with
 * Ψ(t) = entire(t²) + ln α, entire(s) = ½E₁(s) + ½ ln s (entire in s; given), and
 * Ψ′(t) = (1 − e^{−t²})/t.
 */
export function logEnergyTable(force: PairForceTable, entire: (s: number) => number, alpha: number): PairEnergyTable {
  const la = Math.log(alpha);
  const table = onForceNodes(force, (t) => entire(t * t) + la, (t) => (t === 0 ? 0 : -Math.expm1(-t * t) / t));
  return { table, power: 0, log: -0.5 };
}

/** The Ewald short part of 1/r, S = erfc(r/α)/r: Ψ = erfc, power 1 (kernel-split.ts coulombSplit). */
export function coulombEnergyTable(force: PairForceTable): PairEnergyTable {
  const table = onForceNodes(force, (t) => erfc(t), (t) => -TWO_OVER_SQRT_PI * Math.exp(-t * t));
  return { table, power: 1, log: 0 };
}

/**
 * Ψ(t) = S(α²t²) of a short part finite at 0 (power 0), derivatives by central differences
 * as sampledForceTable's, on the force's nodes; checked at every interval's midpoint against
 * S itself to 1e−9 of max|Ψ|, else absent (undefined: shortRangeSums sums S).
 */
export function sampledEnergyTable(force: PairForceTable, S: RadialPart, alpha: number): PairEnergyTable | undefined {
  const psi = (t: number) => S.value(alpha * alpha * t * t);
  const step = force.table.step, intervals = force.table.last + 1;
  const h = step / 8;
  const dpsi = (t: number) => (t < 2 * h ? (-3 * psi(t) + 4 * psi(t + h) - psi(t + 2 * h)) / (2 * h) : (psi(t - 2 * h) - 8 * psi(t - h) + 8 * psi(t + h) - psi(t + 2 * h)) / (12 * h));
  const table = onForceNodes(force, psi, dpsi);
  let worst = 0, scale = 0;
  for (let i = 0; i <= intervals; i++) scale = Math.max(scale, Math.abs(table.v[i]));
  for (let i = 0; i < intervals; i++) {
    const t = (i + 0.5) * step;
    worst = Math.max(worst, Math.abs(table.at(t) - psi(t)));
  }
  return Number.isFinite(worst) && worst <= 1e-9 * scale ? { table, power: 0, log: 0 } : undefined;
}

/** Table nodes over [0, 1.05κ]: Δ ≈ 2.6e−3 for κ = 2.5, a Hermite error Δ⁴|Φ⁗|/384 ≈ 1e−11 for the Ewald Φ, and 16 KiB (L1-resident). */
const INTERVALS = 1024;

/** 2D Ewald split of −log r (kernel-split.ts): ∇S = −z e^{−r²/α²}/r², so Φ(t) = −e^{−t²}, p = 2. */
export function logForceTable(alpha: number, kappa: number): PairForceTable {
  const table = new HermiteTable((t) => -Math.exp(-t * t), (t) => 2 * t * Math.exp(-t * t), 1.05 * kappa, INTERVALS);
  return { table, invAlpha: 1 / alpha, power: 2 };
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * Ewald split of 1/r: ∇S = −z [2e^{−s}/(α√π) + erfc(r/α)/r]/r² = −z q(r/α)/r³ with
 * q(t) = 2t e^{−t²}/√π + erfc t (entire; q′(t) = −4t² e^{−t²}/√π), so Φ = −q, p = 3.
 */
export function coulombForceTable(alpha: number, kappa: number): PairForceTable {
  const q = (t: number) => TWO_OVER_SQRT_PI * t * Math.exp(-t * t) + erfc(t);
  const table = new HermiteTable((t) => -q(t), (t) => 2 * TWO_OVER_SQRT_PI * t * t * Math.exp(-t * t), 1.05 * kappa, INTERVALS);
  return { table, invAlpha: 1 / alpha, power: 3 };
}

/**
 * Φ(t) = r·gradFactor_S(r²) at r = αt, p = 1, for a short part S of a kernel finite at
 * 0 (the generic screened split): r∇S/z = S′(r) is smooth on [0, κα] even for a kink
 * (Φ(0) = W′(0⁺)). Derivatives by central differences, Φ(0) by cubic extrapolation;
 * the table is checked at every interval's midpoint against S itself and refined
 * (to 16 384 intervals) until it is within 1e−9 of max|Φ|, or refused (null: the loops
 * then call S), so a badly scaled kernel never gets a loose table.
 */
export function sampledForceTable(S: RadialPart, alpha: number, kappa: number): PairForceTable | null {
  const tmax = 1.05 * kappa;
  const phi = (t: number) => alpha * t * S.gradFactor(alpha * alpha * t * t);
  for (let intervals = INTERVALS; intervals <= 16 * INTERVALS; intervals *= 4) {
    const step = tmax / intervals;
    const f = (t: number) => (t > 0 ? phi(t) : 4 * phi(step) - 6 * phi(2 * step) + 4 * phi(3 * step) - phi(4 * step));
    const h = step / 8;
    const df = (t: number) => (t < 2 * h ? (-3 * f(t) + 4 * f(t + h) - f(t + 2 * h)) / (2 * h) : (f(t - 2 * h) - 8 * f(t - h) + 8 * f(t + h) - f(t + 2 * h)) / (12 * h));
    const table = new HermiteTable(f, df, tmax, intervals);
    let worst = 0, scale = 0;
    for (let i = 0; i < intervals; i++) {
      const t = (i + 0.5) * step;
      const exact = phi(t);
      scale = Math.max(scale, Math.abs(exact));
      worst = Math.max(worst, Math.abs(table.at(t) - exact));
    }
    if (Number.isFinite(worst) && worst <= 1e-9 * scale) return { table, invAlpha: 1 / alpha, power: 1 };
  }
  return null;
}
