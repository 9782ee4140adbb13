/** Grid engine: densities on 1D/2D/3D grids moved by entropic JKO steps (docs/design.md §1.2). */
export * from './grid.ts';
export * from './grid-measure.ts';
export * from './gaussian-taps.ts';
export * from './separable-convolution.ts';
export * from './log-convolution.ts';
export * from './gibbs-kernel.ts';
export * from './gibbs-geometry.ts';
export * from './pointwise-model.ts';
export * from './kl-prox.ts';
export * from './grid-energy.ts';
export * from './grid-interaction.ts';
export * from './entropic-jko.ts';
export * from './grid-simulation.ts';
export * from './references.ts';
export * from './geodesic-distance.ts';
export * from './jko-params.ts';
