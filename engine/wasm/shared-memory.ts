/** The last probe of sharedMemories, and the SharedArrayBuffer global it saw. */
let probe: { sab: unknown; ok: boolean } | null = null;

/**
 * Whether this runtime makes shared WebAssembly memories: not in a browser page that is
 * not cross-origin isolated (no SharedArrayBuffer global there, and `shared: true`
 * memories throw). Every kernel that splits rows over the row pool keeps its arrays in one (the stored OT
 * kernel, ot/wasm-matvec.ts; the dense grid passes; P³M's pairs and mesh FFTs), so without
 * them those kernels run in one thread, and the rules that pick them must know
 * (ot/kernel-geometry.ts simdProducts). Probed once per SharedArrayBuffer global.
 */
export function sharedMemories(): boolean {
  const sab = (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
  if (probe && probe.sab === sab) return probe.ok;
  let ok = false;
  if (typeof sab === 'function' && typeof WebAssembly === 'object') {
    try {
      ok = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof (sab as typeof SharedArrayBuffer);
    } catch {
      ok = false;
    }
  }
  probe = { sab, ok };
  return ok;
}
