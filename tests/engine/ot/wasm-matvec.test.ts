import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Rng } from '../../../engine/core/rng.ts';
import { F32_KERNEL_MIN_TOL, kernelColumnSums, KernelGeometry, kernelPrecision, kernelRowSums, MIN_KERNEL_ENTRIES_FOR_THREADS, simdProducts } from '../../../engine/ot/kernel-geometry.ts';
import { PointCloudGeometry } from '../../../engine/ot/point-cloud-geometry.ts';
import { sinkhorn, sinkhornPlan } from '../../../engine/ot/sinkhorn.ts';
import { KTU_ROWS, KV_ROWS, wasmMatvecBase, wasmMatvecModule, type MatvecArgs } from '../../../engine/ot/wasm-matvec.ts';
import { sharedMemories } from '../../../engine/wasm/shared-memory.ts';

/** Any cut-off: kv and ktu do not use it (the build does). */
const CUT = 105;
import { loadWatAssembler } from '../../../engine/wasm/assembler.ts';
import { startRowPool, type RowPool } from '../../../node/backend/row-pool.ts';
import { uniformCloud } from './clouds.ts';

const assembler = await loadWatAssembler();
const pools: RowPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));

const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/**
 * K [n, m] with entries in [0, 1] (some exact zeros, as the stored kernel has), v [m] and w
 * [n] with some zero weights (pairs of them included: the column sums skip those), laid out
 * in a shared memory as the geometry does.
 */
function problem(seed: number, n: number, m: number, f32 = false) {
  const rng = new Rng(seed);
  const len = [n * m, m, n, n, m].map((l) => 8 * (l + (l & 1)));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(len.reduce((s, l) => s + l, 0) / 65536) + 1, maximum: 1024, shared: true });
  const offsets: number[] = [];
  let at = Math.ceil(wasmMatvecBase(wasmMatvecModule(assembler, 2, CUT)!, memory) / 16) * 16; // after the kernel's table
  for (const l of len) offsets.push(at), (at += l);
  const [oK, oV, oA, oW, oC] = offsets;
  const f = (o: number, l: number) => new Float64Array(memory.buffer, o, l);
  // (set, not map: map would return a copy outside the memory)
  const K = f32 ? new Float32Array(memory.buffer, oK, n * m) : f(oK, n * m), v = f(oV, m), w = f(oW, n);
  K.set(K.map(() => (rng.uniform() < 0.1 ? 0 : rng.uniform())));
  v.set(v.map(() => rng.uniform() * 1e3));
  w.set(w.map((_, i) => (i % 7 === 2 || i % 7 === 3 ? 0 : rng.uniform())));
  const common = { memory, memoryId: seed + (f32 ? 1e6 : 0), d: 2, cut: CUT, oK, n, m, oX: 0, oY: 0, inv: 0, f32 };
  const kv: MatvecArgs = { ...common, oIn: oV, oOut: oA };
  const ktu: MatvecArgs = { ...common, oIn: oW, oOut: oC };
  return { K, v, w, kv, ktu, acc: f(oA, n), col: f(oC, m) };
}

describe('wasm-matvec (the stored kernel\'s products in WebAssembly SIMD)', () => {
  it.each([false, true])('has the bits of the JavaScript loops, both directions, odd sizes, in this thread (K as float32: %s)', (f32) => {
    expect(wasmMatvecModule(assembler, 2, CUT)).not.toBeNull();
    const kv = KV_ROWS.create({ assembler }), ktu = KTU_ROWS.create({ assembler });
    for (const [n, m] of [[1, 1], [3, 5], [7, 2], [2, 7], [13, 97], [130, 1031], [1031, 130]]) {
      const p = problem(n * 7 + m, n, m, f32);
      const acc = new Float64Array(n), col = new Float64Array(m);
      kernelRowSums(p.K, p.v, n, m, acc);
      kernelColumnSums(p.K, p.w, n, m, col);
      kv(p.kv, 0, n);
      ktu(p.ktu, 0, m);
      expect(sameBits(p.acc, acc), `kv ${n}×${m}`).toBe(true);
      expect(sameBits(p.col, col), `ktu ${n}×${m}`).toBe(true);
      if (n * m >= 100) expect(acc.some((x) => x !== 0) && col.some((x) => x !== 0)).toBe(true);
    }
  });

  it('has the same bits on 1, 2 and 3 threads of the row pool (rows and columns split anywhere)', async () => {
    for (const threads of [1, 2, 3]) {
      const pool = await startRowPool(threads, assembler);
      pools.push(pool);
      for (const [n, m, f32] of [[37, 211, false], [211, 37, false], [101, 103, false], [101, 103, true], [37, 211, true]] as const) {
        const p = problem(n + 3 * m, n, m, f32);
        const acc = new Float64Array(n), col = new Float64Array(m);
        kernelRowSums(p.K, p.v, n, m, acc);
        kernelColumnSums(p.K, p.w, n, m, col);
        pool.run(KV_ROWS, p.kv, n, threads);
        pool.run(KTU_ROWS, p.ktu, m, threads);
        expect(sameBits(p.acc, acc), `kv ${n}×${m} threads=${threads}`).toBe(true);
        expect(sameBits(p.col, col), `ktu ${n}×${m} threads=${threads}`).toBe(true);
      }
    }
  });

  it.each([2, 3])('KernelGeometry (d = %i: the build, both products) gives the same bits with the SIMD kernel, on one thread and over the pool', async (d) => {
    const pool = await startRowPool(2, assembler);
    pools.push(pool);
    const n = 601, m = 523; // above the threading threshold, odd
    expect(n * m).toBeGreaterThanOrEqual(MIN_KERNEL_ENTRIES_FOR_THREADS);
    const base = new PointCloudGeometry(uniformCloud(1, n, d), uniformCloud(2, m, d), d);
    const geoms = [new KernelGeometry(base), new KernelGeometry(base, { assembler }), new KernelGeometry(base, { assembler, rows: pool })];
    const h = uniformCloud(3, m, 1), hT = uniformCloud(4, n, 1);
    const outs = geoms.map((g) => {
      const a = new Float64Array(n), b = new Float64Array(m);
      g.logApply(0.01, h, a);
      g.logApplyT(0.01, hT, b);
      return [a, b];
    });
    for (const [a, b] of outs.slice(1)) {
      expect(sameBits(a, outs[0][0])).toBe(true);
      expect(sameBits(b, outs[0][1])).toBe(true);
    }
    expect(geoms.map((g) => g.products)).toEqual(['js', 'wasm', 'wasm']);
    expect(geoms.every((g) => g.fallbacks === 0)).toBe(true);
  });

  it('a stored-kernel sinkhorn() solve has the same bits with the SIMD products over the pool', async () => {
    const pool = await startRowPool(2, assembler);
    pools.push(pool);
    const x = uniformCloud(5, 700, 2), y = uniformCloud(6, 650, 2);
    const plain = sinkhorn(x, y, 2, { eps: 1e-2, tol: 1e-6, mode: 'kernel' });
    const fast = sinkhorn(x, y, 2, { eps: 1e-2, tol: 1e-6, mode: 'kernel', products: { assembler, rows: pool, precision: 'float64' } });
    expect(plain.converged).toBe(true);
    expect(fast.iterations).toBe(plain.iterations);
    expect(fast.value).toBe(plain.value);
    expect(sameBits(fast.f, plain.f) && sameBits(fast.g, plain.g)).toBe(true);
  });
});

describe('the stored kernel as float32 (the fixed rule kernelPrecision)', () => {
  it('stores each entry of the float64 build rounded to float32, and ρ unchanged (d = 2 and 3, odd sizes, over the pool)', async () => {
    const pool = await startRowPool(2, assembler);
    pools.push(pool);
    for (const d of [2, 3]) {
      const n = 613, m = 509;
      const base = new PointCloudGeometry(uniformCloud(7, n, d), uniformCloud(8, m, d), d);
      const g64 = new KernelGeometry(base, { assembler, rows: pool });
      const g32 = new KernelGeometry(base, { assembler, rows: pool, precision: 'float32' });
      expect([g64.precision, g32.precision]).toEqual(['float64', 'float32']);
      const h = uniformCloud(9, m, 1);
      const a64 = new Float64Array(n), a32 = new Float64Array(n);
      g64.logApply(0.005, h, a64);
      g32.logApply(0.005, h, a32);
      const K64 = g64.kernel, K32 = g32.kernel;
      let same = true;
      for (let k = 0; k < K64.length; k++) if (!Object.is(K32[k], Math.fround(K64[k]))) same = false;
      expect(same).toBe(true);
      expect(K32.some((v) => v > 0 && v < 1)).toBe(true);
      for (let i = 0; i < n; i++) expect(Math.abs(a32[i] - a64[i])).toBeLessThan(1e-6);
    }
  });

  it('sinkhorn() picks float32 from tol ≥ 16·2⁻²⁴ with the SIMD products; the value stays within 1e-7 of the float64 solve', async () => {
    expect(kernelPrecision(1e-6)).toBe('float32');
    expect(kernelPrecision(1e-7)).toBe('float64');
    expect(F32_KERNEL_MIN_TOL).toBeCloseTo(9.5367e-7, 10);
    const pool = await startRowPool(2, assembler);
    pools.push(pool);
    const x = uniformCloud(11, 800, 2), y = uniformCloud(12, 700, 2);
    for (const eps of [1e-2, 1e-3]) {
      const r64 = sinkhorn(x, y, 2, { eps, tol: 1e-6, mode: 'kernel', products: { assembler, rows: pool, precision: 'float64' } });
      const r32 = sinkhorn(x, y, 2, { eps, tol: 1e-6, mode: 'kernel', products: { assembler, rows: pool } });
      const plain = sinkhorn(x, y, 2, { eps, tol: 1e-6, mode: 'kernel' });
      expect([r64.kernelPrecision, r32.kernelPrecision, plain.kernelPrecision]).toEqual(['float64', 'float32', 'float64']);
      expect(r32.converged && r64.converged).toBe(true);
      expect(r32.marginalError).toBeLessThan(1e-6);
      expect(Math.abs(r32.value - r64.value)).toBeLessThan(1e-7 * Math.abs(r64.value));
    }
  });
});

describe('the auto rule on a platform without shared memories (a browser page that is not cross-origin isolated)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('picks what the platform has: the JavaScript products\' limits and float64 K, not the SIMD ones', () => {
    const products = { assembler };
    // Here (Node): the SIMD products; the rule stores K as float32 up to 2²⁶ entries.
    expect(sharedMemories()).toBe(true);
    expect(simdProducts(products, 2)).toBe(true);
    expect(sinkhornPlan(4000, 4000, 2, { tol: 1e-6, products })).toMatchObject({ kernel: true, simd: true, precision: 'float32' });
    // Without SharedArrayBuffer the stored kernel cannot live in a shared memory: its products
    // would be the JavaScript loops, so the rule must use their limit (2²¹ entries) and float64.
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(sharedMemories()).toBe(false);
    expect(wasmMatvecModule(assembler, 2, CUT)).toBeNull();
    expect(simdProducts(products, 2)).toBe(false);
    expect(sinkhornPlan(4000, 4000, 2, { tol: 1e-6, products })).toMatchObject({ kernel: false, simd: false, precision: 'float64' });
    expect(sinkhornPlan(1000, 1000, 2, { tol: 1e-6, products })).toMatchObject({ kernel: true, simd: false, precision: 'float64' });
    const x = uniformCloud(21, 300, 2), y = uniformCloud(22, 250, 2);
    const r = sinkhorn(x, y, 2, { eps: 1e-2, tol: 1e-6, products });
    expect([r.mode, r.kernelPrecision]).toEqual(['kernel', 'float64']);
    expect(new KernelGeometry(new PointCloudGeometry(x, y, 2), products).products).toBe('js');
    vi.unstubAllGlobals();
    expect(sharedMemories()).toBe(true); // probed again for the restored global
    expect(simdProducts(products, 2)).toBe(true);
  });
});
