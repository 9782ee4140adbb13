import type * as THREE from 'three';

/** Context a view needs to colour frames (speed needs the previous frame and the time between). */
export interface FrameContext {
  t: number;
}

/** Draws one kind of state (particles or a grid) and its reference into the scene graph. */
export interface StateView {
  readonly root: THREE.Object3D;
  /** Draws a new frame (row-major of the run's shape). */
  update(x: Float32Array, ctx: FrameContext): void;
  /** The scene's reference (target cloud, analytic equilibrium), or null. */
  setReference(data: Float32Array | null, shape: number[]): void;
  dispose(): void;
}
