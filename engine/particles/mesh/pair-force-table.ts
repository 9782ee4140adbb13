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
