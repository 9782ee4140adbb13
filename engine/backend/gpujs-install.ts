import type { Accelerator, BackendName } from '../core/accelerator.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { createAccelerator } from './accelerator.ts';
import { GpuJsExecutor, type GpuJsConstructor } from './gpujs-executor.ts';

/**
 * The browser's accelerator: gpu.js run in the calling thread for the pair kernels (the
 * viewer's in-browser mode imports `GPU` from 'gpu.js', whose browser build picks WebGL2,
 * then WebGL; WebGPU only under gpu.js's async contract, which the synchronous step does
 * not use), one thread, and the SIMD kernels' assembler when it loaded.
 *
 *   import { GPU } from 'gpu.js';
 *   const accelerator = gpuJsAccelerator(GPU, 'auto', await loadWatAssembler());
 *   const sim = def.build(params, { accelerator });
 */
export function gpuJsAccelerator(
  GPU: GpuJsConstructor, request: BackendName, assembler: WatAssembler | null = null,
  options: { settings?: Record<string, unknown>; softwareGl?: 'avoid' | 'use'; notice?: (m: string) => void } = {},
): Accelerator {
  const settings = options.settings ?? {};
  return createAccelerator({
    request, platform: 'browser', threads: 1, assembler, notice: options.notice,
    pairs: () => {
      const ex = new GpuJsExecutor(GPU, settings);
      // WebGL rendered in software (no GPU: SwiftShader, llvmpipe) is no accelerator: use gpu.js's
      // WebAssembly backend instead, the platform Node's rule was measured on (a platform property,
      // fixed per machine, not a timing).
      if (ex.softwareGl && (options.softwareGl ?? 'avoid') === 'avoid') return new GpuJsExecutor(GPU, { ...settings, mode: 'webasm' });
      return ex;
    },
  });
}
