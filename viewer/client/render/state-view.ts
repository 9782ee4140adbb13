import type * as THREE from 'three';
import type { ColourKey } from './colour-scale.ts';

/** Context a view needs to colour frames (speed needs the previous frame and the time between). */
export interface FrameContext {
  t: number;
}

/** How the reference is drawn, for the legend: a swatch and the words for it. */
export interface ReferenceKey {
  swatch: 'dots' | 'diamond' | 'line' | 'dashed';
  colour: string;
  /** e.g. "white contours at 10 %, 50 %, 90 % of its maximum". */
  how: string;
}

/** Draws one kind of state (particles or a grid) and its reference into the scene graph. */
export interface StateView {
  readonly root: THREE.Object3D;
  /** Draws a new frame (row-major of the run's shape). */
  update(x: Float32Array, ctx: FrameContext): void;
  /** The scene's reference (target cloud, analytic equilibrium), or null. */
  setReference(data: Float32Array | null, shape: number[]): void;
  /** What the colours of the last frame mean (null before the first frame). */
  readonly colourKey: ColourKey | null;
  /** How the reference is drawn (null when there is none or it cannot be drawn). */
  readonly referenceKey: ReferenceKey | null;
  dispose(): void;
}
