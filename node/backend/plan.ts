import type { Simulation } from '../../engine/core/simulation.ts';
import { hasPairExecutorFactory, pairExecutor } from '../../engine/backend/executor.ts';
import { settleTarget } from '../../engine/backend/particle-hooks.ts';
import { backendNotice, type BackendSlot } from '../../engine/backend/scope.ts';
import type { BackendName } from '../../engine/backend/names.ts';
import { installNodeBackend } from './install.ts';

/** Registers the Node gpu.js executor unless one is registered already (e.g. by a test). */
export function ensureNodeBackend(): void {
  if (!hasPairExecutorFactory()) installNodeBackend();
}

/**
 * Settles, before the run starts, where each accelerated kernel of a freshly
 * built simulation runs (compiling its gpu.js kernels, or falling back with a
 * notice), and describes the choice for scene.json:
 * { interaction: 'gpu.js webasm ×2 threads', 'blob-entropy': 'ts' }.
 * The state shape [n, d] of a particle simulation is the kernel's size.
 */
export function settleBackends(slots: readonly BackendSlot[], sim: Simulation, request?: BackendName): Record<string, string> {
  const out: Record<string, string> = {};
  if (request === 'gpu' && slots.length === 0) backendNotice('this scene has no loop with a gpu.js kernel: it runs on ts (Sinkhorn and grid loops stay float64, where float32 would break their marginal tolerances)');
  if (sim.info.kind !== 'particles' || sim.info.shape.length !== 2) return out;
  const [n, d] = sim.info.shape;
  for (const slot of slots) {
    const target = settleTarget(slot, n, d);
    const name = target === 'gpu' ? (pairExecutor()?.description ?? 'gpu') : slot.reason ? `ts (${slot.reason})` : 'ts';
    out[slot.kernel] = out[slot.kernel] && out[slot.kernel] !== name ? `${out[slot.kernel]}; ${name}` : name;
  }
  return out;
}
