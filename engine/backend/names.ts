import type { BackendName } from '../core/accelerator.ts';
import { UsageError } from '../core/simulation.ts';

export type { BackendName, KernelTarget } from '../core/accelerator.ts';

/**
 * Backend names accepted by `--backend` and the engine API (docs/design.md §5.4):
 * - `ts`:   the plain TypeScript float64 loops (the reference);
 * - `gpu`:  gpu.js kernels in float32 for every hot loop that has one (WebGL2/WebGPU
 *           in the browser, WebAssembly SIMD split over the row pool in Node);
 * - `auto`: per loop and problem size, what the fixed rule in rule.ts picks.
 */
export const BACKEND_NAMES = ['ts', 'gpu', 'auto'] as const satisfies readonly BackendName[];

/** Validates a backend name; bad input is one clear line. */
export function parseBackend(name: string | undefined, fallback: BackendName = 'auto'): BackendName {
  const b = name ?? fallback;
  if (!(BACKEND_NAMES as readonly string[]).includes(b)) {
    throw new UsageError(`unknown --backend '${b}' (allowed: ${BACKEND_NAMES.join(', ')})`);
  }
  return b as BackendName;
}
