import { compileWat, type WatAssembler } from './assembler.ts';

/**
 * Compiled modules per assembler and key, each WAT text assembled once: null (kept too)
 * where it cannot be compiled (no assembler, no SIMD, or a runtime without shared memories).
 * The row kernels' threads (engine/grid/wasm-dense.ts, wasm-low-rank.ts) instantiate their
 * module from here on every memory they meet.
 */
export class ModuleCache {
  private readonly byAssembler = new WeakMap<WatAssembler, Map<string, WebAssembly.Module | null>>();

  get(assembler: WatAssembler | null | undefined, key: string, wat: () => string): WebAssembly.Module | null {
    if (!assembler) return null;
    let byKey = this.byAssembler.get(assembler);
    if (!byKey) this.byAssembler.set(assembler, (byKey = new Map()));
    if (!byKey.has(key)) {
      let mod: WebAssembly.Module | null = null;
      try {
        mod = compileWat(wat(), assembler);
      } catch {
        mod = null; // e.g. no shared memories in this runtime
      }
      byKey.set(key, mod);
    }
    return byKey.get(key) ?? null;
  }
}

/**
 * One thread's instances of a row kernel's modules over the memory of its last call: one per
 * module key, all dropped when the memory (by its id) changes. A 2D low-rank apply runs three
 * modules in turn on one memory (reduce, middle pass, expand: wasm-low-rank.ts); keeping only
 * the last instance made three `WebAssembly.Instance`s per apply (5–9 µs each, ~9% of a 128²
 * Sinkhorn iteration at ε = 0.01, plus the garbage).
 */
export class MemoryInstance {
  private id = -1;
  private readonly byKey = new Map<string, WebAssembly.Exports>();

  /** The exports for this call; `module` compiles (or finds) the module, null: none here (thrown, naming `what`). */
  exports(memory: WebAssembly.Memory, memoryId: number, key: string, module: () => WebAssembly.Module | null, what: string): WebAssembly.Exports {
    if (this.id !== memoryId) {
      this.byKey.clear();
      this.id = memoryId;
    }
    let ex = this.byKey.get(key);
    if (!ex) {
      const mod = module();
      if (!mod) throw new Error(`${what} needs the SIMD kernel (no assembler in this thread)`);
      ex = new WebAssembly.Instance(mod, { m: { memory } }).exports;
      this.byKey.set(key, ex);
    }
    return ex;
  }
}
