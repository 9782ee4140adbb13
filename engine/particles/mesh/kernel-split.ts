import erf from '@stdlib/math-base-special-erf';
import erfc from '@stdlib/math-base-special-erfc';
import type { RadialKernel } from '../radial-kernels.ts';
import { HermiteTable } from './hermite-table.ts';
import { coulombEnergyTable, coulombForceTable, logEnergyTable, logForceTable, sampledEnergyTable, sampledForceTable, type PairForceTable, type RadialPart } from './pair-force-table.ts';

export type { RadialPart };

/**
 * A radial kernel written as W(z) = c·|z|²/2 + L(z) + S(z) for particle–particle
 * particle–mesh (P³M) evaluation:
 * - c|z|²/2 is summed exactly through the first two moments (O(n), no error);
 * - L is smooth at the origin, evaluated on the mesh (error from spline
 *   interpolation on the scale α/h, see mesh-interaction.ts);
 * - S decays like a Gaussian of width α and is summed over neighbours closer than
 *   `cutoff` = κα (a cell list); what lies beyond is dropped (the truncation
 *   `tail` bounds |S| and |∇S| there relative to the singular part).
 */
export interface KernelSplit {
  quadratic: number;
  /** A constant c₀ taken out of regular kernels (R − R(0) is small near 0, which the smooth switch needs): energy ½c₀(Σw)². */
  constant: number;
  long: RadialPart | null;
  /** Names L with its parameters, for the Green's function cache. */
  longKey: string;
  short: RadialPart | null;
  /** The short part's force tabulated for the fast pair loops (pair-force-table.ts), or null (the loops call `short`). */
  force: PairForceTable | null;
  cutoff: number;
  singular: boolean;
}

/**
 * Exponential integral E₁(x) = ∫_x^∞ e^{−t}/t dt, x > 0: power series for x ≤ 1,
 * modified Lentz continued fraction beyond (Press et al., *Numerical Recipes*,
 * 3rd ed., §6.3; Abramowitz & Stegun 5.1.11, 5.1.22). Relative error ~1e−15.
 */
export function expint1(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x > 1) {
    let b = x + 1, c = 1 / 1e-300, dd = 1 / b, h = dd;
    for (let i = 1; i < 200; i++) {
      const an = -i * i;
      b += 2;
      dd = 1 / (an * dd + b);
      c = b + an / c;
      const del = c * dd;
      h *= del;
      if (Math.abs(del - 1) < 1e-16) break;
    }
    return h * Math.exp(-x);
  }
  return -EULER_GAMMA - Math.log(x) - logSeries(x);
}

const EULER_GAMMA = 0.5772156649015329;

/** Σ_{k≥1} (−x)^k / (k·k!) for x ≤ 1 (the entire part of −E₁(x) − γ − log x). */
function logSeries(x: number): number {
  let term = 1, s = 0;
  for (let k = 1; k < 40; k++) {
    term *= -x / k;
    const t = term / k;
    s += t;
    if (Math.abs(t) < 1e-17 * Math.abs(s)) break;
  }
  return s;
}

/**
 * −log r = L + S with S = ½E₁(r²/α²) (the 2D Ewald split; Gaussian screening of the
 * logarithm): L = −½ log r² − ½E₁(s), s = r²/α², is entire in r² with
 * L(0) = ½γ − log α, ∇L = −z(1 − e^{−s})/r², and S, ∇S = −z e^{−s}/r² decay like e^{−s}.
 */
function logSplit(alpha: number, kappa: number): [RadialPart, RadialPart, (s: number) => number] {
  const ia2 = 1 / (alpha * alpha);
  // ½E₁(s) + ½ log s = −½γ − ½Σ(−s)^k/(k·k!) is entire in s: tabulated over the cutoff.
  const smax = 1.05 * kappa * kappa;
  const entireOf = (s: number) => (s <= 1 ? -0.5 * EULER_GAMMA - 0.5 * logSeries(s) : 0.5 * expint1(s) + 0.5 * Math.log(s));
  const entire = new HermiteTable(
    entireOf,
    (s) => (s === 0 ? 0.5 : -0.5 * Math.exp(-s) / s + 0.5 / s),
    smax,
  );
  const long: RadialPart = {
    value: (r2) => {
      const s = r2 * ia2;
      return s <= 1 ? 0.5 * EULER_GAMMA - Math.log(alpha) + 0.5 * logSeries(s) : -0.5 * Math.log(r2) - 0.5 * expint1(s);
    },
    gradFactor: (r2) => {
      const s = r2 * ia2;
      return s < 1e-3 ? -ia2 * (1 - s / 2 + (s * s) / 6) : -(-Math.expm1(-s)) / r2;
    },
  };
  const short: RadialPart = {
    value: (r2) => {
      const s = r2 * ia2;
      return s < smax ? entire.at(s) - 0.5 * Math.log(s) : 0.5 * expint1(s);
    },
    gradFactor: (r2) => -Math.exp(-r2 * ia2) / r2,
  };
  return [long, short, entireOf];
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * 1/r = erf(r/α)/r + erfc(r/α)/r (the Ewald split): the long part is entire in r²,
 * L(0) = 2/(α√π); ∇L = z [ (2/(α√π)) e^{−s} − erf(r/α)/r ] / r², s = r²/α².
 */
function coulombSplit(alpha: number, kappa: number): [RadialPart, RadialPart] {
  const ia2 = 1 / (alpha * alpha);
  const c = TWO_OVER_SQRT_PI / alpha;
  // erfc(t), t = r/α, tabulated over the cutoff (erfc per pair dominated the short-range sum).
  const tmax = 1.05 * kappa;
  const erfcTable = new HermiteTable((t) => erfc(t), (t) => -TWO_OVER_SQRT_PI * Math.exp(-t * t), tmax);
  const erfcOf = (t: number) => (t < tmax ? erfcTable.at(t) : erfc(t));
  const long: RadialPart = {
    value: (r2) => {
      const s = r2 * ia2;
      if (s < 0.25) return c * erfOverSeries(s, 0);
      const r = Math.sqrt(r2);
      return erf(r / alpha) / r;
    },
    gradFactor: (r2) => {
      const s = r2 * ia2;
      // d/d(r²) of c·Σ (−s)^k/(k!(2k+1)), times 2; the closed form cancels badly for small s.
      if (s < 0.25) return 2 * ia2 * c * erfOverSeries(s, 1);
      const r = Math.sqrt(r2);
      return (c * Math.exp(-s) - erf(r / alpha) / r) / r2;
    },
  };
  const short: RadialPart = {
    value: (r2) => {
      const r = Math.sqrt(r2);
      return erfcOf(r / alpha) / r;
    },
    gradFactor: (r2) => {
      const r = Math.sqrt(r2);
      return -(c * Math.exp(-r2 * ia2) + erfcOf(r / alpha) / r) / r2;
    },
  };
  return [long, short];
}

/** Σ_k (−s)^k/(k!(2k+1)) (derivative 0) or its derivative in s (derivative 1), for s < 0.25. */
function erfOverSeries(s: number, derivative: 0 | 1): number {
  let sum = 0, pw = 1, fact = 1;
  for (let k = 0; k < 14; k++) {
    if (k > 0) fact *= k;
    if (derivative === 0) sum += ((k % 2 ? -1 : 1) * pw) / (fact * (2 * k + 1));
    else if (k > 0) sum += ((k % 2 ? -1 : 1) * k * (pw / s)) / (fact * (2 * k + 1));
    pw *= s;
  }
  return sum;
}

/**
 * Generic split of any radial R by the smooth switch χ(s) = P(3, s) =
 * 1 − e^{−s}(1 + s + s²/2), s = r²/α² (the regularized incomplete gamma): L = χR
 * vanishes like r⁶R at the origin, so it is smooth there for every R of this
 * module (kinks r, logarithms, r^b with b > −4), and S = (1 − χ)R decays like
 * s²e^{−s}R. Less sharp than the Ewald forms (L is only C^5 for a kink), so the
 * harmonic singular parts use those.
 */
function screenedSplit(R: RadialPart, alpha: number): [RadialPart, RadialPart] {
  const ia2 = 1 / (alpha * alpha);
  const chi = (s: number) => (s < 0.05 ? smallChi(s) : -Math.expm1(-s) - Math.exp(-s) * s * (1 + s / 2));
  // dχ/ds = e^{−s} s²/2; ∇(χR) = z [χ g_R + 2 (dχ/ds)/α² R].
  const long: RadialPart = {
    value: (r2) => {
      const s = r2 * ia2;
      return s === 0 ? 0 : chi(s) * R.value(r2);
    },
    gradFactor: (r2) => {
      const s = r2 * ia2;
      if (s === 0) return 0;
      return chi(s) * R.gradFactor(r2) + ia2 * Math.exp(-s) * s * s * R.value(r2);
    },
  };
  const short: RadialPart = {
    value: (r2) => {
      const s = r2 * ia2;
      return (1 - chi(s)) * R.value(r2);
    },
    gradFactor: (r2) => R.gradFactor(r2) - long.gradFactor(r2),
  };
  return [long, short];
}

/** P(3, s) = e^{−s} Σ_{k≥3} s^k/k! for small s (the closed form cancels there). */
function smallChi(s: number): number {
  let t = (s * s * s) / 6, sum = 0;
  for (let k = 3; k < 30 && t > 1e-18 * sum; k++) {
    sum += t;
    t *= s / (k + 1);
  }
  return sum * Math.exp(-s);
}

/**
 * Default κ = r_c/α: the Ewald short parts fall like e^{−κ²} per pair (1.9e−3 at κ = 2.5
 * at the cutoff, and the dropped pairs beyond it are few), the screened one like
 * κ⁴e^{−κ²}, hence κ = 5 (9e−9). κ = 2.5 instead of 3 visits 0.69× the pairs (the
 * short-range pass is most of a P³M step at 10⁶ particles) and leaves the total error
 * where the mesh puts it — relative RMS velocity error against the direct sum on the
 * Gaussian clouds of tests/engine/particles/mesh-accuracy.test.ts (split 1.5h):
 * 2D log, N = 12 000: 4.23e−4 (κ = 2.5) against 4.22e−4 (κ = 3); 3D Coulomb,
 * N = 8 000: 3.58e−4 against 3.48e−4; energy 1.2e−6 against 7.2e−7 (2D),
 * 8.8e−6 against 5.3e−6 (3D). The dropped pairs are worth ~1.5e−4 of the velocity there
 * (N = 2000, 2D): a finer mesh split (α = 2.5h, mesh error 1.6e−4) wants κ = 3.
 */
export const EWALD_CUTOFF = 2.5;
export const SCREENED_CUTOFF = 5;

/** Family of a kernel for the method rule: which part the mesh gets and whether a short-range part is needed. */
export type KernelFamily = 'quadratic' | 'log' | 'coulomb' | 'smooth' | 'kinked' | 'singular';

/** The family of W, read from its name and parameters (radial-kernels.ts). */
export function kernelFamily(W: RadialKernel): KernelFamily {
  const p = W.params ?? [];
  if (W.name === 'quadratic') return 'quadratic';
  if (W.name === 'attractive-repulsive-log') return 'log';
  if (W.name === 'attractive-repulsive-newton') return 'coulomb';
  if (W.name === 'gaussian') return 'smooth';
  if (W.name.startsWith('power-') && p.length === 2) {
    const [a, b] = p;
    if (a === 2 && b === 0) return 'log';
    if (a === 2 && b === -1) return 'coulomb';
    const even = (e: number) => e >= 0 && e % 2 === 0;
    if (even(a) && even(b)) return 'smooth';
    return W.singular ? 'singular' : 'kinked';
  }
  return W.singular ? 'singular' : 'kinked';
}

/** κ = r_c/α for W: the given one, else EWALD_CUTOFF for the log and Coulomb families, SCREENED_CUTOFF for the rest. */
export function shortCutoff(W: RadialKernel, kappa?: number): number {
  const family = kernelFamily(W);
  return kappa ?? (family === 'log' || family === 'coulomb' ? EWALD_CUTOFF : SCREENED_CUTOFF);
}

/**
 * The split of W for splitting width α and short-range cutoff κα. `meshOnly`
 * (method 'pm'): no short-range part, all of W − c|z|²/2 on the mesh, allowed only
 * for kernels that are finite at the origin.
 */
export function splitKernel(W: RadialKernel, alpha: number, kappa: number | undefined, meshOnly = false): KernelSplit {
  const family = kernelFamily(W);
  const key = `${W.name}|${(W.params ?? []).join(',')}|${alpha}|${meshOnly}`;
  const base = { longKey: key, singular: W.singular };
  if (family === 'quadratic') return { ...base, quadratic: 1, constant: 0, long: null, short: null, force: null, cutoff: 0 };
  // W = |z|²/2 + rest for the aggregation kernels: the quadratic part is exact through moments.
  const p = W.params ?? [];
  const quadratic = family === 'log' || family === 'coulomb' || (W.name.startsWith('power-') && p[0] === 2) ? 1 : 0;
  const constant = W.singular ? 0 : W.value(0);
  const rest: RadialPart = { value: (r2) => W.value(r2) - 0.5 * quadratic * r2 - constant, gradFactor: (r2) => W.gradFactor(r2) - quadratic };
  if (meshOnly) return { ...base, quadratic, constant, long: rest, short: null, force: null, cutoff: 0 };
  kappa = shortCutoff(W, kappa);
  const [long, short, entire] = family === 'log' ? logSplit(alpha, kappa) : family === 'coulomb' ? [...coulombSplit(alpha, kappa), null] : [...screenedSplit(rest, alpha), null];
  // The pair loops' table of the short force: closed forms for the Ewald splits, sampled and checked for regular kernels.
  const force = family === 'log' ? logForceTable(alpha, kappa) : family === 'coulomb' ? coulombForceTable(alpha, kappa) : W.singular ? null : sampledForceTable(short, alpha, kappa);
  // And of the short part's value on the same nodes (the energy beside the force in one pair pass).
  if (force) {
    const energy = entire ? logEnergyTable(force, entire, alpha) : family === 'coulomb' ? coulombEnergyTable(force) : sampledEnergyTable(force, short, alpha);
    if (energy) force.energy = energy;
  }
  return { ...base, quadratic, constant, long, short, force, cutoff: kappa * alpha };
}
