import { EXP, expNegWat } from '../core/exp.ts';
import type { RowEnv, RowKernel } from '../core/row-kernel.ts';
import { compileWat } from '../wasm/assembler.ts';
import { ConstantTable, whileLoop } from '../wasm/wat.ts';
import { sharedMemories } from '../wasm/shared-memory.ts';

/** Largest d of the SIMD kernel build (the |x_i − y_j|² terms are unrolled). */
export const WASM_BUILD_MAX_D = 16;

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
 *   build (rows i ∈ [r0, r1), p = 2): the absorbed kernel of KernelGeometry.rebuild,
 *       e_ij = β̂_j − inv·Σ_k (x_ik − y_jk)², ρ_i = max_j e_ij, K_ij = e_ij − ρ_i < −cut ? 0 :
 *       expNeg(e_ij − ρ_i) — two columns per step (y transposed, [d][m]), the exp of
 *       engine/core/exp.ts's f64x2 form (expNegWat: the operations of expNeg lane by lane).
 *       Same bits as the JavaScript rebuild (the maximum of finite values is exact in any order).
 *
 * kv32, ktu32, build32: the same with K stored as float32 (half the memory and traffic):
 *       entries promoted exactly to f64 for the same f64 arithmetic (the bits of the
 *       JavaScript loops on a Float32Array K), the build rounding each entry of the f64 build
 *       to f32 (f32.demote_f64, as a Float32Array store; e computed twice: no f64 row for it).
 *
 * Every output is one sequential computation in one thread, so a row pool may split rows
 * (kv, build) or columns (ktu) anywhere: the same bits for any thread count. The memory is
 * imported (shared, so the pool's threads run on the one copy of K); its first `base` bytes
 * hold the exp table, and the geometry lays out K, the vectors and the results after them.
 * Specialised to the dimension d (build only).
 */
export function wasmMatvecWat(d: number, cut: number): string {
  const g = (x: string) => `(local.get $${x})`;
  const at = (base: string, idx: string) => `(i32.add ${g(base)} (i32.shl ${idx} (i32.const 3)))`;
  /**
   * kv / kv32 and ktu / ktu32: the same loops over K stored as f64 or as f32. An f32 entry is
   * promoted (exactly) to f64, so both run the f64 arithmetic described above.
   */
  const sh = (f32: boolean) => (f32 ? 2 : 3);
  const kAt = (f32: boolean, base: string, idx: string) => `(i32.add ${g(base)} (i32.shl ${idx} (i32.const ${sh(f32)})))`;
  const rowStart = (f32: boolean, name: string) => `(local.set $${name} (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const ${sh(f32)}))))`;
  /** One entry of K at byte address `addr`, as f64. */
  const kLoad = (f32: boolean, addr: string) => (f32 ? `(f64.promote_f32 (f32.load ${addr}))` : `(f64.load ${addr})`);
  /** Two entries of K (columns j + 2h, j + 2h + 1 of the row at `base`) as f64x2. */
  const kPair = (f32: boolean, base: string, h: number) =>
    f32
      ? `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${8 * h} ${kAt(true, base, g('j'))}))`
      : `(v128.load offset=${16 * h} ${kAt(false, base, g('j'))})`;
  const kvWat = (name: string, f32: boolean) => `
  (func (export "${name}") (param $oK i32) (param $oV i32) (param $oA i32) (param $m i32) (param $r0 i32) (param $r1 i32)
    (local $i i32) (local $j i32) (local $m4 i32) (local $p i32) (local $acc01 v128) (local $acc23 v128) (local $a0 f64)
    (local.set $m4 (i32.and ${g('m')} (i32.const -4)))
    (local.set $i ${g('r0')})
    ${whileLoop('rows', `(i32.ge_u ${g('i')} ${g('r1')})`, `
      ${rowStart(f32, 'p')}
      (local.set $acc01 (v128.const i64x2 0 0))
      (local.set $acc23 (v128.const i64x2 0 0))
      (local.set $j (i32.const 0))
      ${whileLoop('cols', `(i32.ge_u ${g('j')} ${g('m4')})`, `
        (local.set $acc01 (f64x2.add ${g('acc01')} (f64x2.mul ${kPair(f32, 'p', 0)} (v128.load ${at('oV', g('j'))}))))
        (local.set $acc23 (f64x2.add ${g('acc23')} (f64x2.mul ${kPair(f32, 'p', 1)} (v128.load offset=16 ${at('oV', g('j'))}))))
        (local.set $j (i32.add ${g('j')} (i32.const 4)))`)}
      (local.set $a0 (f64x2.extract_lane 0 ${g('acc01')}))
      ${whileLoop('tail', `(i32.ge_u ${g('j')} ${g('m')})`, `
        (local.set $a0 (f64.add ${g('a0')} (f64.mul ${kLoad(f32, kAt(f32, 'p', g('j')))} (f64.load ${at('oV', g('j'))}))))
        (local.set $j (i32.add ${g('j')} (i32.const 1)))`)}
      (f64.store ${at('oA', g('i'))}
        (f64.add (f64.add ${g('a0')} (f64x2.extract_lane 1 ${g('acc01')}))
                 (f64.add (f64x2.extract_lane 0 ${g('acc23')}) (f64x2.extract_lane 1 ${g('acc23')}))))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))`)}
  )`;
  /** out[j] (+)= the pair's terms for two columns (j + 2h, j + 2h + 1). */
  const pairStep = (f32: boolean, h: number) => `
          (v128.store offset=${16 * h} ${at('oC', g('j'))} (f64x2.add (v128.load offset=${16 * h} ${at('oC', g('j'))})
            (f64x2.add (f64x2.mul ${g('v0')} ${kPair(f32, 'p0', h)}) (f64x2.mul ${g('v1')} ${kPair(f32, 'p1', h)}))))`;
  const ktuWat = (name: string, f32: boolean) => `
  (func (export "${name}") (param $oK i32) (param $oW i32) (param $oC i32) (param $n i32) (param $m i32) (param $c0 i32) (param $c1 i32)
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
        ${rowStart(f32, 'p0')}
        (local.set $p1 (i32.add ${g('p0')} (i32.shl ${g('m')} (i32.const ${sh(f32)}))))
        (local.set $j ${g('c0')})
        ${whileLoop('cols4', `(i32.ge_u ${g('j')} ${g('c4')})`, `${pairStep(f32, 0)}${pairStep(f32, 1)}
          (local.set $j (i32.add ${g('j')} (i32.const 4)))`)}
        (if (i32.lt_u ${g('j')} ${g('c2')}) (then ${pairStep(f32, 0)} (local.set $j (i32.add ${g('j')} (i32.const 2)))))
        (if (i32.lt_u ${g('j')} ${g('c1')}) (then
          (f64.store ${at('oC', g('j'))} (f64.add (f64.load ${at('oC', g('j'))})
            (f64.add (f64.mul ${g('w0')} ${kLoad(f32, kAt(f32, 'p0', g('j')))}) (f64.mul ${g('w1')} ${kLoad(f32, kAt(f32, 'p1', g('j')))}))))))))
      (local.set $i (i32.add ${g('i')} (i32.const 2)))`)}
    ;; the last row when n is odd
    (if (i32.lt_u ${g('i')} ${g('n')}) (then
      (local.set $w0 (f64.load ${at('oW', g('i'))}))
      (if (f64.ne ${g('w0')} (f64.const 0)) (then
        ${rowStart(f32, 'p0')}
        (local.set $j ${g('c0')})
        ${whileLoop('last', `(i32.ge_u ${g('j')} ${g('c1')})`, `
          (f64.store ${at('oC', g('j'))} (f64.add (f64.load ${at('oC', g('j'))}) (f64.mul ${g('w0')} ${kLoad(f32, kAt(f32, 'p0', g('j')))})))
          (local.set $j (i32.add ${g('j')} (i32.const 1)))`)}))))
  )`;

  const table = new ConstantTable();
  const fracAt = table.block(EXP.FRAC);
  const C = table.locals();
  const ks = Array.from({ length: d }, (_, k) => k);
  /** e for two columns at j (lanes j, j + 1): β̂ − inv·((x_0 − y_0)² + …), the JavaScript order. */
  const e2 = () => {
    let r2 = '';
    for (const k of ks) {
      const z = `(f64x2.sub ${g(`x${k}`)} (v128.load ${at(`y${k}`, g('j'))}))`;
      r2 = k === 0 ? `(f64x2.mul ${z} ${z})` : `(f64x2.add ${r2} (f64x2.mul ${z} ${z}))`;
    }
    return `(f64x2.sub (v128.load ${at('oB', g('j'))}) (f64x2.mul ${g('vinv')} ${r2}))`;
  };
  const e1 = () => {
    let r2 = '';
    for (const k of ks) {
      const z = `(f64.sub (f64x2.extract_lane 0 ${g(`x${k}`)}) (f64.load ${at(`y${k}`, g('j'))}))`;
      r2 = k === 0 ? `(f64.mul ${z} ${z})` : `(f64.add ${r2} (f64.mul ${z} ${z}))`;
    }
    return `(f64.sub (f64.load ${at('oB', g('j'))}) (f64.mul ${g('inv')} ${r2}))`;
  };
  const exp = (t: string) => expNegWat({ t, k: '$ek', r: '$er', s: '$es' }, C.c, fracAt, `(f64x2.ge ${t === '$t' ? g('t') : t} ${C.c(-cut, 'negcut')})`);
  /** The builds' set-up: inv splatted, the even column count, the rows of y transposed. */
  const buildStart = `
    (local.set $vinv (f64x2.splat ${g('inv')}))
    (local.set $m2 (i32.and ${g('m')} (i32.const -2)))
    ${ks.map((k) => `(local.set $y${k} (i32.add ${g('oY')} (i32.shl (i32.mul ${g('m')} (i32.const ${k})) (i32.const 3))))`).join('\n    ')}
    (local.set $i ${g('r0')})`;
  /** x_i splatted, for the row i. */
  const xSplat = ks.map((k) => `(local.set $x${k} (v128.load64_splat offset=${8 * k} (i32.add ${g('oX')} (i32.mul ${g('i')} (i32.const ${8 * d})))))`).join('\n      ');
  const buildBody = `
    ${buildStart}
    ${whileLoop('rows', `(i32.ge_u ${g('i')} ${g('r1')})`, `
      (local.set $p (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const 3))))
      ${xSplat}
      ;; pass 1: e into the row of K, and the running maximum
      (local.set $vmax (f64x2.splat (f64.const -inf)))
      (local.set $j (i32.const 0))
      ${whileLoop('e', `(i32.ge_u ${g('j')} ${g('m2')})`, `
        (local.set $v ${e2()})
        (v128.store ${at('p', g('j'))} ${g('v')})
        (local.set $vmax (f64x2.max ${g('vmax')} ${g('v')}))
        (local.set $j (i32.add ${g('j')} (i32.const 2)))`)}
      (local.set $mx (f64.max (f64x2.extract_lane 0 ${g('vmax')}) (f64x2.extract_lane 1 ${g('vmax')})))
      (if (i32.lt_u ${g('j')} ${g('m')}) (then
        (local.set $e ${e1()})
        (f64.store ${at('p', g('j'))} ${g('e')})
        (local.set $mx (f64.max ${g('mx')} ${g('e')}))))
      (f64.store ${at('oRho', g('i'))} ${g('mx')})
      ;; pass 2: K = e − ρ < −cut ? 0 : expNeg(e − ρ)
      (local.set $vmax (f64x2.splat ${g('mx')}))
      (local.set $j (i32.const 0))
      ${whileLoop('x', `(i32.ge_u ${g('j')} ${g('m2')})`, `
        (local.set $t (f64x2.sub (v128.load ${at('p', g('j'))}) ${g('vmax')}))
        (v128.store ${at('p', g('j'))} ${exp('$t')})
        (local.set $j (i32.add ${g('j')} (i32.const 2)))`)}
      (if (i32.lt_u ${g('j')} ${g('m')}) (then
        (local.set $t (f64x2.sub (v128.load64_splat ${at('p', g('j'))}) ${g('vmax')}))
        (f64.store ${at('p', g('j'))} (f64x2.extract_lane 0 ${exp('$t')}))))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))`)}`;
  // float32 storage of the build: each entry rounded to f32 (f32.demote, as a Float32Array
  // store does); with no f64 row to keep e in, e is computed twice.
  const at4 = (base: string, idx: string) => `(i32.add ${g(base)} (i32.shl ${idx} (i32.const 2)))`;
  const rowAt4 = (name: string) => `(local.set $${name} (i32.add ${g('oK')} (i32.shl (i32.mul ${g('i')} ${g('m')}) (i32.const 2))))`;
  const build32Body = `
    ${buildStart}
    ${whileLoop('rows', `(i32.ge_u ${g('i')} ${g('r1')})`, `
      ${rowAt4('p')}
      ${xSplat}
      ;; pass 1: the maximum of e
      (local.set $vmax (f64x2.splat (f64.const -inf)))
      (local.set $j (i32.const 0))
      ${whileLoop('e', `(i32.ge_u ${g('j')} ${g('m2')})`, `
        (local.set $vmax (f64x2.max ${g('vmax')} ${e2()}))
        (local.set $j (i32.add ${g('j')} (i32.const 2)))`)}
      (local.set $mx (f64.max (f64x2.extract_lane 0 ${g('vmax')}) (f64x2.extract_lane 1 ${g('vmax')})))
      (if (i32.lt_u ${g('j')} ${g('m')}) (then (local.set $mx (f64.max ${g('mx')} ${e1()}))))
      (f64.store ${at('oRho', g('i'))} ${g('mx')})
      ;; pass 2: e again, K = f32(e − ρ < −cut ? 0 : expNeg(e − ρ))
      (local.set $vmax (f64x2.splat ${g('mx')}))
      (local.set $j (i32.const 0))
      ${whileLoop('x', `(i32.ge_u ${g('j')} ${g('m2')})`, `
        (local.set $t (f64x2.sub ${e2()} ${g('vmax')}))
        (v128.store64_lane 0 ${at4('p', g('j'))} (f32x4.demote_f64x2_zero ${exp('$t')}))
        (local.set $j (i32.add ${g('j')} (i32.const 2)))`)}
      (if (i32.lt_u ${g('j')} ${g('m')}) (then
        (local.set $t (f64x2.sub (f64x2.splat ${e1()}) ${g('vmax')}))
        (f32.store ${at4('p', g('j'))} (f32.demote_f64 (f64x2.extract_lane 0 ${exp('$t')})))))
      (local.set $i (i32.add ${g('i')} (i32.const 1)))`)}`;
  /** The two builds' functions (their bodies first: the constants they use are then declared and loaded). */
  const buildFunc = (name: string, body: string) => `
  (func (export "${name}") (param $oK i32) (param $oB i32) (param $oRho i32) (param $oX i32) (param $oY i32) (param $m i32) (param $r0 i32) (param $r1 i32) (param $inv f64)
    (local $i i32) (local $j i32) (local $m2 i32) (local $p i32) (local $mx f64) (local $e f64)
    ${ks.map((k) => `(local $y${k} i32)`).join(' ')}
    (local $vinv v128) (local $vmax v128) (local $v v128) (local $t v128) (local $ek v128) (local $er v128) (local $es v128)
    ${ks.map((k) => `(local $x${k} v128)`).join(' ')} ${C.decls()}
    ${C.init()}
    ${body}
  )`;
  return `(module
  (import "m" "memory" (memory 1 65536 shared))
  ;; the first byte after the exp table (the geometry's layout starts there)
  (global (export "base") i32 (i32.const ${table.bytes}))
  ${kvWat('kv', false)}
  ${ktuWat('ktu', false)}
  ${buildFunc('build', buildBody)}
  ${kvWat('kv32', true)}
  ${ktuWat('ktu32', true)}
  ${buildFunc('build32', build32Body)}
  ${table.data()})`;
}

/** The instance of the kernel on one memory. */
interface MatvecInstance {
  kv: (oK: number, oV: number, oA: number, m: number, r0: number, r1: number) => void;
  ktu: (oK: number, oW: number, oC: number, n: number, m: number, c0: number, c1: number) => void;
  build: (oK: number, oB: number, oRho: number, oX: number, oY: number, m: number, r0: number, r1: number, inv: number) => void;
  kv32: MatvecInstance['kv'];
  ktu32: MatvecInstance['ktu'];
  build32: MatvecInstance['build'];
}

const modules = new WeakMap<object, Map<string, WebAssembly.Module | null>>();

/**
 * The compiled kernel for dimension d and cut-off `cut`, or null: no assembler, d out of
 * range, or no WebAssembly SIMD / shared memories in this runtime (a browser page that is
 * not cross-origin isolated).
 */
export function wasmMatvecModule(assembler: RowEnv['assembler'], d: number, cut: number): WebAssembly.Module | null {
  if (!assembler || !Number.isInteger(d) || d < 1 || d > WASM_BUILD_MAX_D || !sharedMemories()) return null;
  let byKey = modules.get(assembler);
  if (!byKey) modules.set(assembler, (byKey = new Map()));
  const key = `${d}|${cut}`;
  if (!byKey.has(key)) {
    let mod: WebAssembly.Module | null = null;
    try {
      mod = compileWat(wasmMatvecWat(d, cut), assembler);
    } catch {
      mod = null;
    }
    byKey.set(key, mod);
  }
  return byKey.get(key) ?? null;
}

/** The first byte of a memory the kernel may use (after its exp table). */
export function wasmMatvecBase(mod: WebAssembly.Module, memory: WebAssembly.Memory): number {
  return (new WebAssembly.Instance(mod, { m: { memory } }).exports.base as WebAssembly.Global).value as number;
}

/**
 * A call's named arguments: the shared memory (and its id: a thread keeps the instance of
 * the last memory it ran on), the kernel's d and cut-off, byte offsets of K [n, m], of the
 * input and output vectors, and for the build: β̂ [m] (oIn), ρ [n] (oOut), x [n, d] (oX),
 * y transposed [d, m] (oY) and inv = 1/(pε).
 */
export type MatvecArgs = {
  memory: WebAssembly.Memory;
  memoryId: number;
  d: number;
  cut: number;
  oK: number;
  oIn: number;
  oOut: number;
  n: number;
  m: number;
  oX: number;
  oY: number;
  inv: number;
  /** K stored as float32 (kv32, ktu32, build32). */
  f32: boolean;
};

/** A thread's instance of the kernel on the memory of the last call. */
function instanceFor(env: RowEnv): (a: MatvecArgs) => MatvecInstance {
  let id = -1;
  let inst: MatvecInstance | null = null;
  return (a) => {
    if (inst && id === a.memoryId) return inst;
    const mod = wasmMatvecModule(env.assembler, a.d, a.cut);
    if (!mod) throw new Error('the stored-kernel products need the SIMD kernel (no assembler in this thread)');
    inst = new WebAssembly.Instance(mod, { m: { memory: a.memory } }).exports as unknown as MatvecInstance;
    id = a.memoryId;
    return inst;
  };
}

const prepare = (env: RowEnv, a: MatvecArgs) => void wasmMatvecModule(env.assembler, a.d, a.cut);

/** acc_i = Σ_j K_ij v_j for rows [r0, r1) (v at oIn [m], acc at oOut [n]). */
export const KV_ROWS: RowKernel<MatvecArgs> = {
  name: 'ot-kv',
  outputs: [],
  create(env) {
    const get = instanceFor(env);
    return (a, r0, r1) => (a.f32 ? get(a).kv32 : get(a).kv)(a.oK, a.oIn, a.oOut, a.m, r0, r1);
  },
  prepare,
};

/** out_j = Σ_i K_ij w_i for columns [c0, c1) (the pool's "rows" are columns here; w at oIn [n], out at oOut [m]). */
export const KTU_ROWS: RowKernel<MatvecArgs> = {
  name: 'ot-ktu',
  outputs: [],
  create(env) {
    const get = instanceFor(env);
    return (a, c0, c1) => (a.f32 ? get(a).ktu32 : get(a).ktu)(a.oK, a.oIn, a.oOut, a.n, a.m, c0, c1);
  },
  prepare,
};

/** Rows [r0, r1) of the absorbed kernel and their ρ_i (p = 2). */
export const BUILD_ROWS: RowKernel<MatvecArgs> = {
  name: 'ot-kernel-build',
  outputs: [],
  create(env) {
    const get = instanceFor(env);
    return (a, r0, r1) => (a.f32 ? get(a).build32 : get(a).build)(a.oK, a.oIn, a.oOut, a.oX, a.oY, a.m, r0, r1, a.inv);
  },
  prepare,
};
