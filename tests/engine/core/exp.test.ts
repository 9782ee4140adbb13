import { describe, expect, it } from 'vitest';
import { EXP, EXP_FLOOR, expNeg, expNegWat, expShifted, F32_EXP_FLOOR, LSE_FLOOR, makeExpMethod } from '../../../engine/core/exp.ts';
import { compileWat, loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { ConstantTable, whileLoop } from '../../../engine/wasm/wat.ts';

const assembler = await loadWatAssembler();

const ULP = 2 ** -52;

describe('expNeg (Tang table method, engine/core/exp.ts)', () => {
  it('is within 3 ulp of Math.exp on [EXP_FLOOR, 0]', () => {
    // Truncation of the degree-5 polynomial < 3.5e−17 (0.16 ulp); the table entry FRAC[j]
    // within ½ ulp (the power of two is exact); Horner's roundings about 1 ulp and the two
    // products 1 ulp; Math.exp itself is within 1 ulp: 3 ulp bounds the difference.
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const t = EXP_FLOOR * (i / 200_000) ** 1.5;
      const ref = Math.exp(t);
      worst = Math.max(worst, Math.abs(expNeg(t) - ref) / ref);
    }
    expect(worst).toBeLessThan(3 * ULP);
    expect(worst).toBeGreaterThan(0); // not Math.exp itself
  });

  it('takes e^t as 0 below the floor, for −∞ and NaN, and e^0 = 1', () => {
    expect(expNeg(0)).toBe(1);
    expect(expNeg(-0)).toBe(1);
    expect(expNeg(EXP_FLOOR)).toBeGreaterThan(0);
    expect(expNeg(EXP_FLOOR - 1e-9)).toBe(0);
    expect(expNeg(-Infinity)).toBe(0);
    expect(expNeg(NaN)).toBe(0);
    const out = new Float64Array(3);
    expShifted(Float64Array.of(-Infinity, 2, 1), 2, out);
    expect([...out]).toEqual([0, 1, expNeg(-1)]);
  });

  it('has one sign convention for its floors: the smallest argument computed, all negative', () => {
    expect([EXP_FLOOR, LSE_FLOOR, F32_EXP_FLOOR]).toEqual([-708, -45, -37]);
    // e^{EXP_FLOOR} is a normal double; e^{LSE_FLOOR} is below a double's resolution of 1.
    expect(Math.exp(EXP_FLOOR)).toBeGreaterThan(2 ** -1022);
    expect(Math.exp(LSE_FLOOR)).toBeLessThan(ULP / 2 ** 12);
  });

  it('is built by a self-contained factory (worker threads evaluate its source): same bits', () => {
    const rebuilt = (new Function(`return (${makeExpMethod.toString()})();`) as () => typeof EXP)();
    for (const t of [-700.1, -45, -1.25, -1e-9, 0]) expect(Object.is(rebuilt.expNeg(t), expNeg(t))).toBe(true);
    expect(rebuilt.K_SCALE).toBe(EXP.K_SCALE);
  });
});

describe('expNegWat (the f64x2 form, assembled by wabt)', () => {
  /** out[i] = e^{x[i]} through a module running expNegWat over [at, at + 8n). */
  function wasmExp(): (x: Float64Array) => Float64Array {
    const table = new ConstantTable();
    const fracAt = table.block(EXP.FRAC);
    const K = table.locals();
    const body = expNegWat({ t: '$t', k: '$k', r: '$r', s: '$s' }, K.c, fracAt);
    const wat = `(module (memory (export "memory") 16)
      (func (export "run") (param $p i32) (param $end i32) (local $t v128) (local $k v128) (local $r v128) (local $s v128) ${K.decls()}
        ${K.init()}
        ${whileLoop('pairs', '(i32.ge_u (local.get $p) (local.get $end))', `(local.set $t (v128.load (local.get $p)))
          (v128.store (local.get $p) ${body})
          (local.set $p (i32.add (local.get $p) (i32.const 16)))`)})
      ${table.data()})`;
    const mod = compileWat(wat, assembler);
    expect(mod).not.toBeNull();
    const ex = new WebAssembly.Instance(mod!, {}).exports as { memory: WebAssembly.Memory; run: (p: number, end: number) => void };
    const at = Math.ceil(table.bytes / 16) * 16;
    return (x) => {
      const v = new Float64Array(ex.memory.buffer, at, x.length);
      v.set(x);
      ex.run(at, at + 8 * x.length);
      return v.slice();
    };
  }

  it('gives the bits of expNeg on every lane: [−750, 0], −∞, NaN, the floor, ±0', () => {
    const run = wasmExp();
    const n = 100_000;
    const x = new Float64Array(n).map((_, i) => -750 * (i / n) ** 1.2);
    x.set([-Infinity, NaN, EXP_FLOOR, EXP_FLOOR - 2 ** -40, 0, -0, -1e-300, -5e-3, -5.5e-3]);
    const got = run(x);
    let differ = 0;
    for (let i = 0; i < n; i++) if (!Object.is(got[i], expNeg(x[i]))) differ++;
    expect(differ).toBe(0);
  });
});
