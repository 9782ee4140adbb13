/** The backend layer (docs/design.md §5.4): names, the fixed auto rule, the executor seam, scopes and kernel sources. */
export * from './names.ts';
export * from './rule.ts';
export * from './executor.ts';
export * from './scope.ts';
export * from './radial-forms.ts';
export * from './kernel-sources.ts';
export * from './exp-source.ts';
export * from './gpujs-executor.ts';
export * from './particle-hooks.ts';
export * from './gpujs-install.ts';
export * from './attention-sources.ts';
export * from './attention-hooks.ts';
export * from './mlp-sources.ts';
export * from './mlp-hooks.ts';
