import type { RowEnv, RowKernel } from '../core/row-kernel.ts';
import { compileWat } from '../wasm/assembler.ts';
import { whileLoop } from '../wasm/wat.ts';

/**
 * The stored-kernel products of kernel-geometry.ts as WebAssembly SIMD (f64x2) over a shared
 * memory, the same arithmetic as its JavaScript loops, lane for lane:
 *
 *   kv  (rows i ∈ [r0, r1)):    acc_i = Σ_j K_ij v_j   — four running sums (j mod 4), the two
 *       f64x2 accumulators (a0, a1) and (a2, a3), the tail j ≥ m − m mod 4 into a0, then
 *       acc = a0 + a1 + (a2 + a3): the bits of KernelGeometry.logApply's loop;
 *   ktu (columns j ∈ [c0, c1)): out_j = Σ_i K_ij w_i, rows taken two at a time,
 *       out_j += w_i K_ij + w_{i+1} K_{i+1,j} (a pair of zero weights skipped), the last odd
 *       row alone: the bits of KernelGeometry.logApplyT's loop. Each lane is one column, so
 *       a thread given a range of columns streams the same rows of K (row-major, no
 *       transposed copy) and its out slice stays in L1 for ranges up to 4096 columns.
 *
 * Every output is one sequential sum in one thread, so a row pool may split rows (kv) or
 * columns (ktu) anywhere: the same bits for any thread count. The memory is imported
 * (shared, so the pool's threads run on the one copy of K); the geometry lays out K, the
 * vectors and the results in it.
 */
export function wasmMatvecWat(): string {
  const g = (x: string) => `(local.get $${x})`;
  const at = (base: string, idx: string) => `(i32.add ${g(base)} (i32.shl ${idx} (i32.const 3)))`;
  const kv = `
  (func (export "kv") (param $oK i32) (param $oV i32) (param $oA i32) (param $m i32) (param $r0 i32) (param $r1 i32)
    (local $i i32) (local $j i32) (local $m4 i32) (local $p i32) (local $acc01 v128) (local $acc23 v128) (local $a0 f64)
    (local.set $m4 (i32.and ${g('m')} (i32.const -4)))
    (local.set $i ${g('r0')})
    ${whileLoop('rows', `(i32.ge_u ${g('i')} ${g('r1')})`, `
      (local.set $p (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const 3))))
      (local.set $acc01 (v128.const i64x2 0 0))
      (local.set $acc23 (v128.const i64x2 0 0))
      (local.set $j (i32.const 0))
      ${whileLoop('cols', `(i32.ge_u ${g('j')} ${g('m4')})`, `
        (local.set $acc01 (f64x2.add ${g('acc01')} (f64x2.mul (v128.load ${at('p', g('j'))}) (v128.load ${at('oV', g('j'))}))))
        (local.set $acc23 (f64x2.add ${g('acc23')} (f64x2.mul (v128.load offset=16 ${at('p', g('j'))}) (v128.load offset=16 ${at('oV', g('j'))}))))
        (local.set $j (i32.add ${g('j')} (i32.const 4)))`)}
      (local.set $a0 (f64x2.extract_lane 0 ${g('acc01')}))
      ${whileLoop('tail', `(i32.ge_u ${g('j')} ${g('m')})`, `
        (local.set $a0 (f64.add ${g('a0')} (f64.mul (f64.load ${at('p', g('j'))}) (f64.load ${at('oV', g('j'))}))))
        (local.set $j (i32.add ${g('j')} (i32.const 1)))`)}
      (f64.store ${at('oA', g('i'))}
        (f64.add (f64.add ${g('a0')} (f64x2.extract_lane 1 ${g('acc01')}))
                 (f64.add (f64x2.extract_lane 0 ${g('acc23')}) (f64x2.extract_lane 1 ${g('acc23')}))))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))`)}
  )`;
  /** out[j] (+)= the pair's terms for columns j (two lanes at byte offset `off`). */
  const pairStep = (off: number) => `
          (v128.store offset=${off} ${at('oC', g('j'))} (f64x2.add (v128.load offset=${off} ${at('oC', g('j'))})
            (f64x2.add (f64x2.mul ${g('v0')} (v128.load offset=${off} ${at('p0', g('j'))})) (f64x2.mul ${g('v1')} (v128.load offset=${off} ${at('p1', g('j'))})))))`;
  const ktu = `
  (func (export "ktu") (param $oK i32) (param $oW i32) (param $oC i32) (param $n i32) (param $m i32) (param $c0 i32) (param $c1 i32)
    (local $i i32) (local $j i32) (local $c4 i32) (local $c2 i32) (local $p0 i32) (local $p1 i32) (local $w0 f64) (local $w1 f64) (local $v0 v128) (local $v1 v128)
    (local.set $c4 (i32.add ${g('c0')} (i32.and (i32.sub ${g('c1')} ${g('c0')}) (i32.const -4))))
    (local.set $c2 (i32.add ${g('c0')} (i32.and (i32.sub ${g('c1')} ${g('c0')}) (i32.const -2))))
    (local.set $j ${g('c0')})
    ${whileLoop('zero', `(i32.ge_u ${g('j')} ${g('c1')})`, `(f64.store ${at('oC', g('j'))} (f64.const 0)) (local.set $j (i32.add ${g('j')} (i32.const 1)))`)}
    (local.set $i (i32.const 0))
    ${whileLoop('pairs', `(i32.ge_u (i32.add ${g('i')} (i32.const 1)) ${g('n')})`, `
      (local.set $w0 (f64.load ${at('oW', g('i'))}))
      (local.set $w1 (f64.load offset=8 ${at('oW', g('i'))}))
      (if (i32.eqz (i32.and (f64.eq ${g('w0')} (f64.const 0)) (f64.eq ${g('w1')} (f64.const 0)))) (then
        (local.set $v0 (f64x2.splat ${g('w0')}))
        (local.set $v1 (f64x2.splat ${g('w1')}))
        (local.set $p0 (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const 3))))
        (local.set $p1 (i32.add ${g('p0')} (i32.shl ${g('m')} (i32.const 3))))
        (local.set $j ${g('c0')})
        ${whileLoop('cols4', `(i32.ge_u ${g('j')} ${g('c4')})`, `${pairStep(0)}${pairStep(16)}
          (local.set $j (i32.add ${g('j')} (i32.const 4)))`)}
        (if (i32.lt_u ${g('j')} ${g('c2')}) (then ${pairStep(0)} (local.set $j (i32.add ${g('j')} (i32.const 2)))))
        (if (i32.lt_u ${g('j')} ${g('c1')}) (then
          (f64.store ${at('oC', g('j'))} (f64.add (f64.load ${at('oC', g('j'))})
            (f64.add (f64.mul ${g('w0')} (f64.load ${at('p0', g('j'))})) (f64.mul ${g('w1')} (f64.load ${at('p1', g('j'))})))))))))
      (local.set $i (i32.add ${g('i')} (i32.const 2)))`)}
    ;; the last row when n is odd
    (if (i32.lt_u ${g('i')} ${g('n')}) (then
      (local.set $w0 (f64.load ${at('oW', g('i'))}))
      (if (f64.ne ${g('w0')} (f64.const 0)) (then
        (local.set $p0 (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const 3))))
        (local.set $j ${g('c0')})
        ${whileLoop('last', `(i32.ge_u ${g('j')} ${g('c1')})`, `
          (f64.store ${at('oC', g('j'))} (f64.add (f64.load ${at('oC', g('j'))}) (f64.mul ${g('w0')} (f64.load ${at('p0', g('j'))}))))
          (local.set $j (i32.add ${g('j')} (i32.const 1)))`)}))))
  )`;
  return `(module
  (import "m" "memory" (memory 1 65536 shared))
  ${kv}
  ${ktu})`;
}

/** The instance of the kernel on one memory. */
interface MatvecInstance {
  kv: (oK: number, oV: number, oA: number, m: number, r0: number, r1: number) => void;
  ktu: (oK: number, oW: number, oC: number, n: number, m: number, c0: number, c1: number) => void;
}

const modules = new WeakMap<object, WebAssembly.Module | null>();

/** The compiled kernel, or null: no assembler, or no WebAssembly SIMD / threads in this runtime. */
export function wasmMatvecModule(assembler: RowEnv['assembler']): WebAssembly.Module | null {
  if (!assembler) return null;
  if (!modules.has(assembler)) {
    let mod: WebAssembly.Module | null = null;
    try {
      mod = compileWat(wasmMatvecWat(), assembler);
    } catch {
      mod = null; // a runtime without shared memories (a browser page that is not cross-origin isolated)
    }
    modules.set(assembler, mod);
  }
  return modules.get(assembler) ?? null;
}

/**
 * A call's named arguments: the shared memory (and its id: a thread keeps the instance of
 * the last memory it ran on), byte offsets of K [n, m] and of the input and output vectors.
 */
export type MatvecArgs = {
  memory: WebAssembly.Memory;
  memoryId: number;
  oK: number;
  oIn: number;
  oOut: number;
  n: number;
  m: number;
};

/** A thread's instance of the kernel on the memory of the last call. */
function instanceFor(env: RowEnv): (a: MatvecArgs) => MatvecInstance {
  let id = -1;
  let inst: MatvecInstance | null = null;
  return (a) => {
    if (inst && id === a.memoryId) return inst;
    const mod = wasmMatvecModule(env.assembler);
    if (!mod) throw new Error('the stored-kernel products need the SIMD kernel (no assembler in this thread)');
    inst = new WebAssembly.Instance(mod, { m: { memory: a.memory } }).exports as unknown as MatvecInstance;
    id = a.memoryId;
    return inst;
  };
}

/** acc_i = Σ_j K_ij v_j for rows [r0, r1) (v at oIn [m], acc at oOut [n]). */
export const KV_ROWS: RowKernel<MatvecArgs> = {
  name: 'ot-kv',
  outputs: [],
  create(env) {
    const get = instanceFor(env);
    return (a, r0, r1) => get(a).kv(a.oK, a.oIn, a.oOut, a.m, r0, r1);
  },
  prepare(env) {
    wasmMatvecModule(env.assembler);
  },
};

/** out_j = Σ_i K_ij w_i for columns [c0, c1) (the pool's "rows" are columns here; w at oIn [n], out at oOut [m]). */
export const KTU_ROWS: RowKernel<MatvecArgs> = {
  name: 'ot-ktu',
  outputs: [],
  create(env) {
    const get = instanceFor(env);
    return (a, c0, c1) => get(a).ktu(a.oK, a.oIn, a.oOut, a.n, a.m, c0, c1);
  },
  prepare(env) {
    wasmMatvecModule(env.assembler);
  },
};
