import type { ViewInfo } from '../protocol.ts';

/** How grid values are turned into colours (and heights) over a run. */
export type ScaleMode = 'frame' | 'first' | 'max';
export const SCALE_MODES: readonly { value: ScaleMode; label: string }[] = [
  { value: 'frame', label: 'per frame' },
  { value: 'first', label: 'fixed (first frame)' },
  { value: 'max', label: 'fixed max (grows)' },
];

/** What the viewer draws differently for some scenes (until scenes describe their own view). */
export interface ViewHints {
  /** Names of the drawn axes (first three coordinates of the state). */
  axes: [string, string, string];
  /** A grid's colour/height scale at the start. */
  scale: ScaleMode;
  /**
   * Frame a centred cube [−R, R]³ that only grows (R from the reference and the first frame):
   * for pictures about directions from the origin, such as neurons |a|·w.
   */
  centred: boolean;
}

/**
 * Per-scene view defaults:
 * - porous-medium: a fixed scale, so the Barenblatt peak is seen to fall (per-frame
 *   scaling would redraw it at the same height every frame);
 * - mlp-mean-field: the 2-homogeneous picture |a|·w of the neurons (Chizat & Bach 2018),
 *   a centred frame, axes named after it.
 * Every other scene: axes x₁, x₂, x₃ (x, y, z for grids) and a per-frame scale.
 */
export function viewHints(sceneId: string, info: ViewInfo): ViewHints {
  const spatial: [string, string, string] = info.kind === 'grid' ? ['x', 'y', 'z'] : ['x₁', 'x₂', 'x₃'];
  if (sceneId === 'mlp-mean-field') return { axes: ['(|a|w)₁', '(|a|w)₂', '(|a|w)₃'], scale: 'frame', centred: true };
  if (sceneId === 'porous-medium') return { axes: spatial, scale: 'first', centred: false };
  return { axes: spatial, scale: 'frame', centred: false };
}
