import { describe, expect, it } from 'vitest';
import { compileWat, loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { f64 } from '../../../engine/wasm/wat.ts';

const assembler = await loadWatAssembler();

describe('the WAT assembler (wabt)', () => {
  it('assembles a SIMD module that runs', async () => {
    expect(assembler).not.toBeNull();
    expect(await loadWatAssembler()).toBe(assembler); // loaded once per thread
    const mod = compileWat(`(module (func (export "f") (param $x f64) (result f64)
      ;; UTF-8 in comments: e^{x} · ½
      (f64x2.extract_lane 1 (f64x2.mul (f64x2.splat (local.get $x)) (f64x2.splat (f64.const ${f64(0.5)}))))))`, assembler);
    const f = (new WebAssembly.Instance(mod!, {}).exports as { f: (x: number) => number }).f;
    expect(f(3)).toBe(1.5);
  });

  it('throws on text that does not assemble (a generator bug), naming the line', () => {
    expect(() => compileWat('(module (func (result i32) (i32.add (i32.const 1))))', assembler)).toThrow(/kernel\.wat:\d+/);
    expect(() => compileWat('(module (func (br $nowhere)))', assembler)).toThrow(/undefined label/);
  });

  it('gives null (the JavaScript kernels) without an assembler', () => {
    expect(compileWat('(module)', null)).toBeNull();
    expect(compileWat('(module)', assembler)).not.toBeNull();
  });

  it('writes f64 literals with their exact bits', () => {
    for (const v of [0.1, -1 / 3, 2 ** -1074, 1.7976931348623157e308, 6755399441055744, -0, 0]) {
      const mod = compileWat(`(module (func (export "f") (result f64) (f64.const ${f64(v)})))`, assembler);
      const got = (new WebAssembly.Instance(mod!, {}).exports as { f: () => number }).f();
      expect(Object.is(got, v), `${v} → ${f64(v)}`).toBe(true);
    }
  });
});
