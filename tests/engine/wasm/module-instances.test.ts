import { describe, expect, it } from 'vitest';
import { compileWat, loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { MemoryInstance } from '../../../engine/wasm/module-instances.ts';

const assembler = await loadWatAssembler();

/** A module over the imported memory whose `get` reads the f64 at byte `at`. */
const reader = (at: number) => compileWat(`(module (import "m" "memory" (memory 1))
  (func (export "get") (result f64) (f64.load (i32.const ${at}))))`, assembler);

describe('MemoryInstance: one instance per module key on the current memory', () => {
  it('keeps an instance of each key while the memory stays, and makes them anew on another memory', () => {
    const mods = { a: reader(0), b: reader(8) };
    let compiled = 0;
    const mod = (k: 'a' | 'b') => () => (compiled++, mods[k]);
    const m1 = new WebAssembly.Memory({ initial: 1 }), m2 = new WebAssembly.Memory({ initial: 1 });
    new Float64Array(m1.buffer).set([1, 2]);
    new Float64Array(m2.buffer).set([3, 4]);
    const inst = new MemoryInstance();
    const get = (m: WebAssembly.Memory, id: number, k: 'a' | 'b') => (inst.exports(m, id, k, mod(k), 'test').get as () => number)();
    // keys alternating on one memory (a low-rank apply's reduce, middle and expand): made once each
    const first = inst.exports(m1, 1, 'a', mod('a'), 'test');
    expect([get(m1, 1, 'a'), get(m1, 1, 'b'), get(m1, 1, 'a'), get(m1, 1, 'b')]).toEqual([1, 2, 1, 2]);
    expect(compiled).toBe(2);
    expect(inst.exports(m1, 1, 'a', mod('a'), 'test')).toBe(first);
    // another memory: new instances over it, the old ones dropped
    expect([get(m2, 2, 'a'), get(m2, 2, 'b')]).toEqual([3, 4]);
    expect(compiled).toBe(4);
    expect(get(m1, 1, 'a')).toBe(1);
    expect(compiled).toBe(5);
    expect(inst.exports(m1, 1, 'a', mod('a'), 'test')).not.toBe(first);
  });

  it('throws, naming the kernel, when the module cannot be had', () => {
    expect(() => new MemoryInstance().exports(new WebAssembly.Memory({ initial: 1 }), 1, 'k', () => null, 'the test pass')).toThrow(/the test pass needs the SIMD kernel/);
  });
});
