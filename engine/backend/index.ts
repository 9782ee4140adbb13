/** The backend layer (docs/design.md §5.4): names, the fixed rule, the accelerator, executors and kernel sources. */
export * from './names.ts';
export * from './rule.ts';
export * from './accelerator.ts';
export * from './radial-forms.ts';
export * from './kernel-sources.ts';
export * from './attention-sources.ts';
export * from './mlp-sources.ts';
export * from './exp-source.ts';
export * from './gpujs-executor.ts';
export * from './gpujs-install.ts';
export type { Accelerator, DeviceLoop, LoopDecision, LoopRequest, PairExecutor, PairKernel, LseExecutor, LseTask } from '../core/accelerator.ts';
