/**
 * The views the browser test checks and the README gallery shows: one per kind
 * of state, from the catalogue at sizes that stream quickly on two cores. The
 * catalogue has no 1D grid scene: that view uses the synthetic exact-OU grid
 * (viewer/synthetic/grid-scene.ts).
 */
import type { RawParams } from '../../engine/core/params.ts';

export interface ViewCase {
  /** File name of the screenshot (without .png). */
  name: string;
  caption: string;
  /** Catalogue id or scene file path, relative to the repository root. */
  scene: string;
  raw: RawParams;
  /** Shoot once the stream has reached this step. */
  atStep: number;
  kind: 'particles' | 'grid';
  dim: number;
}

export const VIEW_CASES: ViewCase[] = [
  { name: 'particles-2d', caption: 'Particles in 2D: Fokker–Planck (blob entropy) relaxing to the Gibbs law (orange: reference samples), coloured by speed', scene: 'fokker-planck', raw: { n: 600, steps: 100000 }, atStep: 40, kind: 'particles', dim: 2 },
  { name: 'particles-3d', caption: 'Particles in 3D: attractive–repulsive aggregation filling the unit ball (orange: the unit sphere)', scene: 'aggregation-ball', raw: { n: 800, steps: 100000 }, atStep: 60, kind: 'particles', dim: 3 },
  { name: 'sphere', caption: 'Tokens on the sphere (transformer-tokens): softmax self-attention gathering tokens into clusters', scene: 'transformer-tokens', raw: { n: 400, beta: 4 }, atStep: 60, kind: 'particles', dim: 3 },
  { name: 'grid-1d', caption: 'Grid 1D (synthetic exact OU density): profile and the Gibbs reference (dashed)', scene: 'viewer/synthetic/grid-scene.ts', raw: { dim: 1, grid: 128 }, atStep: 30, kind: 'grid', dim: 1 },
  { name: 'grid-2d', caption: 'Grid 2D (grid-fokker-planck): entropic JKO density as a heat map seen from above, the Gibbs law of a double well as white contours', scene: 'grid-fokker-planck', raw: { grid: 64 }, atStep: 15, kind: 'grid', dim: 2 },
  { name: 'grid-3d', caption: 'Grid 3D (grid-diffusion-3d): a Gaussian blob relaxing by JKO steps, as a volume point cloud', scene: 'grid-diffusion-3d', raw: { grid: 20 }, atStep: 10, kind: 'grid', dim: 3 },
];

/**
 * The rest of the catalogue, checked in the browser test but not in the gallery:
 * every scene renders (grid scenes of the grid engine, the model scenes, the OT flow).
 * Smaller grids than the defaults take a larger ε (ε ∝ h²: with ε ≪ h²/2 the kernel
 * between neighbouring cells is tiny and mass stays pinned to its cells).
 */
export const SCENE_CASES: ViewCase[] = [
  { name: 'aggregation-disk', caption: 'aggregation-disk', scene: 'aggregation-disk', raw: { n: 500, steps: 100000 }, atStep: 20, kind: 'particles', dim: 2 },
  { name: 'double-well', caption: 'double-well', scene: 'double-well', raw: { n: 400, steps: 100000 }, atStep: 20, kind: 'particles', dim: 2 },
  { name: 'sinkhorn-flow', caption: 'sinkhorn-flow (moons)', scene: 'sinkhorn-flow', raw: { n: 300, m: 300, target: 'moons', steps: 100000 }, atStep: 10, kind: 'particles', dim: 2 },
  { name: 'mlp-mean-field', caption: 'mlp-mean-field', scene: 'mlp-mean-field', raw: { m: 256, train: 256, test: 128, steps: 100000 }, atStep: 20, kind: 'particles', dim: 3 },
  { name: 'porous-medium', caption: 'porous-medium', scene: 'porous-medium', raw: { grid: 48, eps: 4e-4, steps: 200 }, atStep: 5, kind: 'grid', dim: 2 },
  { name: 'crowd-motion', caption: 'crowd-motion', scene: 'crowd-motion', raw: { grid: 48, steps: 100000 }, atStep: 5, kind: 'grid', dim: 2 },
  // Comparison runs (issue #15): the grid density as a heat map with the particles of the same free energy over it.
  { name: 'compare-fokker-planck', caption: 'compare-fokker-planck', scene: 'compare-fokker-planck', raw: { grid: 48, n: 400, eps: 0.01, steps: 100000 }, atStep: 5, kind: 'grid', dim: 2 },
  { name: 'compare-aggregation-diffusion', caption: 'compare-aggregation-diffusion', scene: 'compare-aggregation-diffusion', raw: { grid: 48, n: 400, eps: 0.016, steps: 100000 }, atStep: 5, kind: 'grid', dim: 2 },
  { name: 'compare-porous-medium', caption: 'compare-porous-medium', scene: 'compare-porous-medium', raw: { grid: 48, n: 400, eps: 4e-4, steps: 200 }, atStep: 5, kind: 'grid', dim: 2 },
];
