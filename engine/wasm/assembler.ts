/**
 * The WebAssembly text assembler of wgflow's SIMD kernels (engine/grid/wasm-convolution.ts,
 * engine/ot/wasm-lse.ts): WAT text in, a compiled module out.
 *
 * The assembler is wabt (the WebAssembly Binary Toolkit, npm `wabt`), an Emscripten build
 * whose start is asynchronous (~80 ms, once). Kernels are made synchronously, when a
 * geometry is built, so the assembler is loaded up front by whoever sets up the platform's
 * accelerator — `loadWatAssembler()` at the start of the Node CLI, of the view and sweep
 * worker threads, of the browser worker and of the test files — and registered here. Where
 * it is not loaded (or WebAssembly SIMD is missing) `compileWat` returns null and the
 * engine runs the JavaScript loops: the same bits on the grid (wasm-convolution.ts), the
 * same terms in another order of summation for the OT rows (wasm-lse.ts).
 */

/** WAT text → binary module bytes; throws on text that does not assemble or validate. */
export type WatAssembler = (wat: string) => Uint8Array;

/**
 * The registration lives on globalThis, not in this module: a user scene file is bundled
 * with its own copy of the engine (cli/scene-loader.ts), and that copy's kernels
 * must see the assembler its host loaded.
 */
const KEY = Symbol.for('wgflow.watAssembler');
const registry = globalThis as { [KEY]?: WatAssembler | null };

/** The registered assembler, or null (kernels then fall back to JavaScript). */
export function watAssembler(): WatAssembler | null {
  return registry[KEY] ?? null;
}

/** Registers an assembler (null: none, the JavaScript kernels everywhere). */
export function setWatAssembler(a: WatAssembler | null): void {
  registry[KEY] = a;
}

const FEATURES = { simd: true };

/**
 * Loads wabt once and registers it; resolves to the assembler, or to null (with the
 * JavaScript kernels) where wabt cannot start. The one loading point of the kernels.
 */
export async function loadWatAssembler(): Promise<WatAssembler | null> {
  const have = watAssembler();
  if (have) return have;
  try {
    const { default: wabt } = await import('wabt');
    const w = await wabt();
    setWatAssembler((wat) => {
      const mod = w.parseWat('kernel.wat', new TextEncoder().encode(wat), FEATURES); // UTF-8 (comments hold formulas)
      try {
        mod.resolveNames();
        mod.validate();
        return mod.toBinary({}).buffer;
      } finally {
        mod.destroy();
      }
    });
  } catch {
    setWatAssembler(null);
  }
  return watAssembler();
}

/**
 * Assembles and compiles `wat`: null where no assembler is registered or the runtime has
 * no WebAssembly SIMD. A text that does not assemble is a bug of its generator: thrown.
 */
export function compileWat(wat: string): WebAssembly.Module | null {
  const assembler = watAssembler();
  if (!assembler || typeof WebAssembly !== 'object') return null;
  const bytes = assembler(wat);
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return null; // no SIMD in this runtime
  return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
}
