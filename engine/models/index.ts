/** Models whose training or inference is a particle flow (docs/design.md §3). */
export * from './mlp/activations.ts';
export * from './mlp/network.ts';
export * from './mlp/dataset.ts';
export * from './mlp/init.ts';
export * from './mlp/risk.ts';
export * from './mlp/teacher-distance.ts';
export * from './mlp/mlp-simulation.ts';
export * from './transformer/qkv.ts';
export * from './transformer/attention-geometry.ts';
export * from './transformer/softmax-attention.ts';
export * from './transformer/sinkhorn-attention.ts';
export * from './transformer/token-field.ts';
export * from './transformer/integrators.ts';
export * from './transformer/token-metrics.ts';
export * from './transformer/attention-sums.ts';
export * from './transformer/token-simulation.ts';
