import { UsageError } from '../core/simulation.ts';

/** Iterations of plain Sinkhorn used to estimate its convergence rate in 'auto' mode. */
const PROBE = 12;
/** Largest ω chosen automatically: closer to 2 the iteration can blow up (seen at 1.95). */
const OMEGA_MAX = 1.9;
/** An error this many times the best one seen means ω is too large: back to plain Sinkhorn. */
const BLOW_UP = 10;

/**
 * Over-relaxation parameter ω of the Sinkhorn loop, per iteration at the target ε.
 *
 * 'auto' (Thibault, Chizat, Dossal, Papadakis 2021, §4): run PROBE plain iterations,
 * estimate the plain contraction rate r from the error ratio over the last half of them,
 * then use the SOR optimum ω = 2 / (1 + √(1 − r)) (capped at OMEGA_MAX). Safeguard: if the
 * error ever exceeds BLOW_UP times the best error seen, fall back to ω = 1 for good, which
 * is the globally convergent iteration. A fixed number is used as is.
 */
export class Relaxation {
  private readonly errors: number[] = [];
  private omega: number;
  private best = Infinity;
  private safe = false;

  constructor(private readonly mode: number | 'auto') {
    if (mode !== 'auto' && !(mode >= 1 && mode < 2)) throw new UsageError(`relaxation must be 'auto' or a number in [1, 2); got ${mode}`);
    this.omega = mode === 'auto' ? 1 : mode;
  }

  /** ω for the update that follows an iteration whose marginal error was `err`. */
  next(err: number): number {
    if (this.safe || this.omega === 1 && this.mode !== 'auto') return this.safe ? 1 : this.omega;
    // Only an ω ≠ 1 can be blamed for a blow-up: with ω = 1 (the 'auto' probe) the error may
    // rise transiently — the entropic JKO's first error is taken against the cold α = log p.
    if (this.omega !== 1 && err > BLOW_UP * this.best) {
      this.safe = true;
      return 1;
    }
    this.best = Math.min(this.best, err);
    if (this.mode === 'auto' && this.errors.length < PROBE) {
      this.errors.push(err);
      if (this.errors.length === PROBE) {
        const half = PROBE / 2;
        const r = Math.pow(this.errors[PROBE - 1] / this.errors[half - 1], 1 / half);
        this.omega = r > 0 && r < 1 ? Math.min(OMEGA_MAX, 2 / (1 + Math.sqrt(1 - r))) : 1;
      }
      return 1;
    }
    return this.omega;
  }
}
