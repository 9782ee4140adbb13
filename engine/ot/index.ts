/** The optimal-transport core (docs/design.md §2): one Sinkhorn loop, geometries, divergence, 1D/sliced, Bures. */
export * from './geometry.ts';
export * from './marginals.ts';
export * from './sinkhorn-loop.ts';
export { PointCloudGeometry } from './point-cloud-geometry.ts';
export { KernelGeometry, kernelFits, kernelPreferred, KERNEL_AUTO_MAX_ENTRIES, KERNEL_AUTO_MAX_ENTRIES_F32, KERNEL_AUTO_MAX_ENTRIES_SIMD, KERNEL_MAX_ENTRIES } from './kernel-geometry.ts';
export { DenseCostGeometry } from './dense-geometry.ts';
export * from './sinkhorn.ts';
export * from './divergence.ts';
export * from './exact1d.ts';
export * from './sliced.ts';
export * from './bures.ts';
export * from './sinkhorn-energy.ts';
