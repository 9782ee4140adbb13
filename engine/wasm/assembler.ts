/**
 * The WebAssembly text assembler of wgflow's SIMD kernels (engine/grid/wasm-convolution.ts,
 * engine/ot/wasm-lse.ts): WAT text in, a compiled module out.
 *
 * The assembler is wabt (the WebAssembly Binary Toolkit, npm `wabt`), an Emscripten build
 * whose start is asynchronous (~80 ms, once). Kernels are made synchronously, when a
 * geometry is built, so the assembler is loaded up front by whoever builds the platform's
 * accelerator (engine/core/accelerator.ts: `assembler`; node/backend/node-accelerator.ts,
 * the browser worker) and passed down explicitly to the kernels. Without one (or without
 * WebAssembly SIMD) `compileWat` returns null and the engine runs the JavaScript loops:
 * the same bits on the grid (wasm-convolution.ts), the same terms in another order of
 * summation for the OT rows (wasm-lse.ts).
 */

/** WAT text → binary module bytes; throws on text that does not assemble or validate. */
export type WatAssembler = (wat: string) => Uint8Array;

const FEATURES = { simd: true };

/** wabt is loaded once per thread: the promise of its assembler (null where it cannot start). */
let loading: Promise<WatAssembler | null> | null = null;

/**
 * Loads wabt (once per thread) and resolves to its assembler, or to null (with the
 * JavaScript kernels) where wabt cannot start. Called by the accelerators' creation only.
 */
export function loadWatAssembler(): Promise<WatAssembler | null> {
  loading ??= (async () => {
    try {
      const { default: wabt } = await import('wabt');
      const w = await wabt();
      return (wat: string) => {
        const mod = w.parseWat('kernel.wat', new TextEncoder().encode(wat), FEATURES); // UTF-8 (comments hold formulas)
        try {
          mod.resolveNames();
          mod.validate();
          return mod.toBinary({}).buffer;
        } finally {
          mod.destroy();
        }
      };
    } catch {
      return null;
    }
  })();
  return loading;
}

/**
 * Assembles and compiles `wat` with `assembler`: null without an assembler or where the
 * runtime has no WebAssembly SIMD. A text that does not assemble is a bug of its
 * generator: thrown.
 */
export function compileWat(wat: string, assembler: WatAssembler | null | undefined): WebAssembly.Module | null {
  if (!assembler || typeof WebAssembly !== 'object') return null;
  const bytes = assembler(wat);
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return null; // no SIMD in this runtime
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}
