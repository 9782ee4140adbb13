/**
 * wgflow's public engine API (isomorphic: runs in Node and in the browser).
 * User scene files import from 'wgflow', which resolves here.
 */
export * from './core/rng.ts';
export * from './core/npy.ts';
export * from './core/params.ts';
export * from './core/simulation.ts';
export * from './core/state-record.ts';
export * from './core/finite.ts';
export * from './particles/measure.ts';
export * from './particles/energy.ts';
export * from './particles/potential.ts';
export * from './particles/radial-kernels.ts';
export * from './particles/interaction.ts';
export * from './particles/blob-entropy.ts';
export * from './particles/langevin-noise.ts';
export * from './particles/cell-list.ts';
export { MeshInteraction, MESH_DEFAULTS, type MeshOptions } from './particles/mesh/mesh-interaction.ts';
export { BlobMesh, type BlobMeshOptions } from './particles/mesh/blob-mesh.ts';
export * from './particles/mesh/method-rule.ts';
export * from './particles/forward-scheme.ts';
export * from './particles/particle-simulation.ts';
export * from './particles/init.ts';
export * from './metrics/moments.ts';
export * from './metrics/radial-cdf.ts';
export * from './metrics/sliced-to-ball.ts';
export * from './linalg/symmetric-eigen.ts';
export * from './ot/bures.ts';
export * from './ot/index.ts';
export * from './grid/index.ts';
export * from './run/record.ts';
export * from './run/runner.ts';
export * from './run/schedule.ts';
export * from './run/callback.ts';
export * from './run/guards.ts';
export * from './plot/line-chart.ts';
export * from './models/index.ts';
export * from './core/accelerator.ts';
export {
  BACKEND_NAMES, AUTO_MIN_N, autoTarget, createAccelerator, gpuJsAccelerator, parseBackend, referenceAccelerator, type AcceleratorOptions,
} from './backend/index.ts';
export { sequentialLse } from './ot/lse-executor.ts';
