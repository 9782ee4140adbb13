import type { ParticleMeasure } from './measure.ts';

/**
 * A state key: copies of the positions and weights of the last measure a pass ran on,
 * compared bit for bit (O(N d), nothing next to a pair pass). A scheme moves the particles
 * in place, so identity of the arrays says nothing; equal contents give equal passes.
 */
export class PassCache {
  private x = new Float64Array(0);
  private w = new Float64Array(0);
  private d = 0;
  private valid = false;

  matches(m: ParticleMeasure): boolean {
    if (!this.valid || m.d !== this.d || m.x.length !== this.x.length || m.w.length !== this.w.length) return false;
    const x = this.x, mx = m.x;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], mx[i])) return false;
    const w = this.w, mw = m.w;
    for (let i = 0; i < w.length; i++) if (!Object.is(w[i], mw[i])) return false;
    return true;
  }

  set(m: ParticleMeasure): void {
    if (this.x.length !== m.x.length) this.x = new Float64Array(m.x.length);
    if (this.w.length !== m.w.length) this.w = new Float64Array(m.w.length);
    this.x.set(m.x);
    this.w.set(m.w);
    this.d = m.d;
    this.valid = true;
  }

  clear(): void {
    this.valid = false;
  }
}
