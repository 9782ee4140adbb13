/**
 * The WebAssembly text assembler of wgflow's SIMD kernels (engine/grid/wasm-convolution.ts,
 * engine/ot/wasm-lse.ts): WAT text in, a compiled module out.
 *
 * The assembler is wabt (the WebAssembly Binary Toolkit, npm `wabt`), an Emscripten build
 * whose start is asynchronous (~80 ms, once). Kernels are made synchronously, when a
 * geometry is built, so the platform that builds the accelerator provides a synchronous
 * one (engine/core/accelerator.ts: `assembler`): the browser worker loads it up front with
 * `loadWatAssembler`; Node starts wabt in a helper thread at the first kernel assembled
 * (node/backend/wat-assembler.ts), so runs without a SIMD kernel never load it. Without one (or without
 * WebAssembly SIMD) `compileWat` returns null and the engine runs the JavaScript loops:
 * the same bits on the grid (wasm-convolution.ts), the same terms in another order of
 * summation for the OT rows (wasm-lse.ts).
 */

/**
 * WAT text → binary module bytes; throws on text that does not assemble or validate.
 * Null: the assembler could not start (an assembler loaded on first use, as Node's
 * node/backend/wat-assembler.ts): the JavaScript kernels run.
 */
export type WatAssembler = (wat: string) => Uint8Array | null;

/** SIMD (v128) and threads (shared memories: the stored OT kernel, engine/ot/wasm-matvec.ts). */
const FEATURES = { simd: true, threads: true };

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
          // wabt's validate() takes the features too (its typings omit the argument): without them it refuses shared memories.
          (mod.validate as (features: typeof FEATURES) => void)(FEATURES);
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
  if (!bytes) return null; // the assembler could not start
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return null; // no SIMD in this runtime
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}
