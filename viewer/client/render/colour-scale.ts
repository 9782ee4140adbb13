import type { ScaleMode } from '../scene-hints.ts';

/**
 * What the colours of the current picture mean, for the legend's colour bar:
 * - ramp: values lo..hi drawn with viridis(from..to) (values above hi clamp to `to`);
 * - categories: one Tableau colour per cluster label;
 * - flat: one colour for every particle.
 */
export type ColourKey =
  | { kind: 'ramp'; label: string; lo: number; hi: number; from: number; to: number; note: string }
  | { kind: 'categories'; label: string; count: number }
  | { kind: 'flat'; label: string };

/** Largest entry of a (non-negative) array, 1 when there is none above 0. */
export function maxOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m > 0 ? m : 1;
}

/**
 * The top of a grid's colour and height scale over a run:
 * - 'frame': this frame's maximum (shapes are always readable, levels are not
 *   comparable between frames);
 * - 'first': the first frame's maximum, fixed (a falling peak is seen to fall;
 *   values above it clamp to the top colour);
 * - 'max': the largest value seen so far (never clamps, only grows).
 * Both fixed tops are tracked from the first frame whatever the mode, so the
 * mode can change at any time.
 */
export class GridScale {
  private first = 0;
  private running = 0;

  constructor(public mode: ScaleMode) {}

  /** Takes a frame p into account and returns the top of the scale for it. */
  top(p: ArrayLike<number>): number {
    const m = maxOf(p);
    if (this.first === 0) this.first = m;
    this.running = Math.max(this.running, m);
    return this.mode === 'frame' ? m : this.mode === 'first' ? this.first : this.running;
  }

  /** A new run: forget the fixed tops. */
  reset(): void {
    this.first = this.running = 0;
  }

  describe(): string {
    return this.mode === 'frame' ? 'scale: this frame' : this.mode === 'first' ? 'scale: fixed at the first frame' : 'scale: largest so far';
  }
}
