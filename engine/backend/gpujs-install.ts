import { setPairExecutorFactory } from './executor.ts';
import { GpuJsExecutor, type GpuJsConstructor } from './gpujs-executor.ts';

/**
 * Registers gpu.js, run in the calling thread, as this platform's executor of
 * pair kernels: the browser path (the viewer's in-browser mode imports `GPU`
 * from 'gpu.js', whose browser build picks WebGL2, then WebGL; WebGPU only under
 * gpu.js's async contract, which the synchronous step does not use). Node
 * registers its worker pool instead (node/backend/install.ts).
 *
 *   import { GPU } from 'gpu.js';
 *   installGpuJsBackend(GPU);
 *   const { value: sim } = withBackend('auto', () => def.build(params, { backend: 'auto' }));
 */
export function installGpuJsBackend(GPU: GpuJsConstructor, settings: Record<string, unknown> = {}, options: { softwareGl?: 'avoid' | 'use' } = {}): void {
  setPairExecutorFactory(() => {
    const ex = new GpuJsExecutor(GPU, settings);
    // WebGL rendered in software (no GPU: SwiftShader, llvmpipe) is no accelerator: use gpu.js's
    // WebAssembly backend instead, the platform Node's rule was measured on (a platform property,
    // fixed per machine, not a timing).
    if (ex.softwareGl && (options.softwareGl ?? 'avoid') === 'avoid') return new GpuJsExecutor(GPU, { ...settings, mode: 'webasm' });
    return ex;
  });
}
