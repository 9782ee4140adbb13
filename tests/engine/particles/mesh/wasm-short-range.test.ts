import { afterAll, describe, expect, it } from 'vitest';
import { Interaction, ParticleMeasure, Rng, gaussianCloud, logRepulsionKernel, morseKernel, newtonRepulsionKernel, type RadialKernel } from '../../../../engine/index.ts';
import { CellList } from '../../../../engine/particles/cell-list.ts';
import { splitKernel } from '../../../../engine/particles/mesh/kernel-split.ts';
import { pairForces2, pairForces3, shortRangeSums } from '../../../../engine/particles/mesh/short-range.ts';
import { MIN_POOL_PARTICLES, wasmShortRangeEnergy, wasmShortRangeReady, wasmShortRangeVelocity } from '../../../../engine/particles/mesh/wasm-short-range.ts';
import { loadWatAssembler } from '../../../../engine/wasm/assembler.ts';
import { startRowPool, type RowPool } from '../../../../node/backend/row-pool.ts';

/** The accelerator's assembler (node/backend/node-accelerator.ts loads the same one). */
const assembler = await loadWatAssembler();

/** A cloud with non-uniform weights, a few coincident pairs (r = 0 adds no force) and cell boundaries crossed. */
function cloud(n: number, d: number, seed: number): { x: Float64Array; w: Float64Array } {
  const rng = new Rng(seed);
  const x = gaussianCloud(rng, n, d, 0, 0.5);
  for (let i = 0; i < 10; i++) for (let k = 0; k < d; k++) x[(n - 1 - i) * d + k] = x[i * d + k];
  const w = Float64Array.from({ length: n }, () => (0.5 + rng.uniform()) / n);
  return { x, w };
}

/** Relative RMS difference of two velocity arrays. */
function relDiff(a: Float64Array, b: Float64Array): number {
  let e = 0, r = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += a[i] ** 2;
  }
  return Math.sqrt(e / r);
}

const KERNELS: [string, () => RadialKernel, number][] = [
  ['log (Ewald, p = 2)', logRepulsionKernel, 2],
  ['Coulomb (Ewald, p = 3)', newtonRepulsionKernel, 3],
  ['Morse (sampled table, p = 1)', () => morseKernel(), 1],
];

describe('WebAssembly SIMD short-range pairs (P³M) against the JavaScript loops', () => {
  it('an assembler is loaded and the runtime has WebAssembly SIMD (else the JavaScript loops run)', () => {
    expect(assembler).not.toBeNull();
    expect(wasmShortRangeReady(2, 2, assembler)).toBe(true);
    expect(wasmShortRangeReady(2, 2, null)).toBe(false);
  });

  for (const [label, W, power] of KERNELS)
    for (const d of [2, 3] as const)
      for (const reach of [1, 2]) {
        it(`${label}, d = ${d}, cell reach ${reach}: the same pairs and forces, summed in another order`, () => {
          const n = d === 2 ? 6000 : 4000;
          const { x, w } = cloud(n, d, 3 + d + reach);
          const split = splitKernel(W(), 0.04, undefined);
          expect(split.force?.power).toBe(power);
          const cl = new CellList().build(x, n, d, split.cutoff, reach);
          const ws = cl.sorted(w, 1);
          const js = new Float64Array(n * d).fill(0.25), simd = new Float64Array(n * d).fill(0.25);
          (d === 2 ? pairForces2 : pairForces3)(cl, ws, split.force!, js, 0, cl.dims[0]);
          expect(wasmShortRangeVelocity(cl, ws, split.force!, simd, assembler)).toBe(1);
          // Not vacuous: the pairs move the velocity well away from its start.
          let moved = 0;
          for (let i = 0; i < n * d; i++) moved = Math.max(moved, Math.abs(js[i] - 0.25));
          expect(moved).toBeGreaterThan(1e-3);
          expect(relDiff(js, simd)).toBeLessThan(1e-13);
          for (let i = 0; i < n * d; i++) expect(Number.isFinite(simd[i])).toBe(true);
        });
      }

  for (const [label, W] of KERNELS)
    for (const d of [2, 3] as const)
      it(`${label}, d = ${d}: the energy in the velocity's pass is shortRangeSums' to 1e−10 (the tables' error and the order of summation); the velocity is the velocity pass's (ten coincident pairs: r = 0 adds nothing, S(0) = 0 once the constant is taken out)`, () => {
        const n = d === 2 ? 6000 : 4000;
        const { x, w } = cloud(n, d, 11 + d);
        const split = splitKernel(W(), 0.04, undefined);
        expect(split.force?.energy).toBeDefined();
        const cl = new CellList().build(x, n, d, split.cutoff, 2);
        const ws = cl.sorted(w, 1);
        const js = shortRangeSums(cl, ws, split.short!, null, true, !split.singular);
        // Scale of the sum: Σ w_i w_j |S| over the same pairs (the terms may have either sign).
        const absS = { value: (r2: number) => Math.abs(split.short!.value(r2)), gradFactor: () => 0 };
        const scale = shortRangeSums(cl, ws, absS, null, true, !split.singular);
        expect(Math.abs(js)).toBeGreaterThan(1e-3 * scale); // not vacuous
        const velocity = new Float64Array(n * d).fill(0.25), both = new Float64Array(n * d).fill(0.25);
        expect(wasmShortRangeVelocity(cl, ws, split.force!, velocity, assembler)).toBe(1);
        const e = wasmShortRangeEnergy(cl, ws, split.force!, both, assembler);
        expect(e).not.toBeNull();
        expect(Math.abs(e! - js)).toBeLessThan(1e-10 * scale);
        expect(relDiff(velocity, both)).toBeLessThan(1e-15);
      });

  it('an Interaction with the assembler gives the energy of one without (one pair pass: N = 20 000, 2D log and 3D Coulomb)', () => {
    for (const [W, d] of [[logRepulsionKernel, 2], [newtonRepulsionKernel, 3]] as const) {
      const n = 20000;
      const { x, w } = cloud(n, d, 9);
      const total = w.reduce((s, q) => s + q, 0);
      const m = new ParticleMeasure(x, d, w.map((v) => v / total));
      const a = new Interaction(W(), { method: 'p3m' }).value(m);
      const b = new Interaction(W(), { method: 'p3m', assembler }).value(m);
      expect(Math.abs(a - b)).toBeLessThan(1e-11 * Math.abs(a));
    }
  });

  it('refuses d = 1 and runs nothing without an assembler (the caller runs the JavaScript loops)', () => {
    const { x, w } = cloud(500, 1, 1);
    const split = splitKernel(logRepulsionKernel(), 0.05, undefined);
    const cl = new CellList().build(x, 500, 1, split.cutoff, 2);
    const v = new Float64Array(500);
    expect(wasmShortRangeVelocity(cl, w, split.force!, v, assembler)).toBe(0);
    const cl2 = new CellList().build(cloud(500, 2, 1).x, 500, 2, split.cutoff, 2);
    expect(wasmShortRangeVelocity(cl2, w, split.force!, new Float64Array(1000), null)).toBe(0);
    expect(v.every((e) => e === 0)).toBe(true);
  });

  it('an Interaction with the assembler gives the velocity of one without, to round-off (N = 20 000, 2D)', () => {
    const n = 20000;
    const { x, w } = cloud(n, 2, 9);
    const total = w.reduce((s, q) => s + q, 0);
    const m = new ParticleMeasure(x, 2, w.map((v) => v / total));
    const a = new Float64Array(2 * n), b = new Float64Array(2 * n);
    new Interaction(logRepulsionKernel(), { method: 'p3m' }).addVelocity(m, a);
    new Interaction(logRepulsionKernel(), { method: 'p3m', assembler }).addVelocity(m, b);
    expect(relDiff(a, b)).toBeLessThan(1e-13);
    expect(relDiff(a, new Float64Array(2 * n))).toBe(1);
  });
});

const pools: RowPool[] = [];
afterAll(() => pools.forEach((p) => p.close()));

/** Whether two arrays hold the same bits (Object.is: +0 and −0 differ). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('SIMD short-range pairs over a row pool (strips of one parity at a time)', () => {
  // Clouds above MIN_POOL_PARTICLES whose cell grids have an odd and an even number of strips on the first axis.
  const CASES: [string, () => RadialKernel, 2 | 3, number, number][] = [
    ['log, 2D', logRepulsionKernel, 2, MIN_POOL_PARTICLES + 3001, 0.03],
    ['Coulomb, 3D', newtonRepulsionKernel, 3, MIN_POOL_PARTICLES + 1000, 0.06],
    ['Morse, 2D', () => morseKernel(), 2, MIN_POOL_PARTICLES + 17, 0.02],
  ];
  for (const [label, W, d, n, alpha] of CASES)
    it(`${label}, N = ${n}: 1 (no pool), 2 and 3 threads give the same bits, twice; the JavaScript loop to round-off`, async () => {
      const { x, w } = cloud(n, d, 40 + d);
      const split = splitKernel(W(), alpha, undefined);
      const cl = new CellList().build(x, n, d, split.cutoff, 2);
      const ws = cl.sorted(w, 1);
      expect(cl.dims[0]).toBeGreaterThan(8); // several strips of each parity
      const start = () => Float64Array.from({ length: n * d }, (_, i) => 0.25 - (i % 7) * 0.01);
      const one = start();
      expect(wasmShortRangeVelocity(cl, ws, split.force!, one, assembler, null)).toBe(1);
      const js = start();
      (d === 2 ? pairForces2 : pairForces3)(cl, ws, split.force!, js, 0, cl.dims[0]);
      const s0 = start();
      let moved = 0;
      for (let i = 0; i < n * d; i++) moved = Math.max(moved, Math.abs(js[i] - s0[i]));
      expect(moved).toBeGreaterThan(1e-3);
      expect(relDiff(js, one)).toBeLessThan(1e-13);
      for (const threads of [2, 3]) {
        const pool = await startRowPool(threads, assembler);
        pools.push(pool);
        for (let rep = 0; rep < 2; rep++) {
          const v = start();
          expect(wasmShortRangeVelocity(cl, ws, split.force!, v, assembler, pool)).toBe(threads);
          expect(sameBits(v, one), `threads=${threads} rep=${rep}`).toBe(true);
        }
      }
      // The energy of the same pass: the same bits on 1, 2 and 3 threads (strip sums added in strip order).
      const e1 = wasmShortRangeEnergy(cl, ws, split.force!, start(), assembler, null);
      expect(e1).not.toBeNull();
      expect(Math.abs(e1! - shortRangeSums(cl, ws, split.short!, null, true, !split.singular))).toBeLessThan(1e-10 * Math.abs(e1!));
      for (const pool of pools.slice(-2)) {
        const v = start();
        expect(Object.is(wasmShortRangeEnergy(cl, ws, split.force!, v, assembler, pool), e1)).toBe(true);
        expect(sameBits(v, one)).toBe(true);
      }
    });

  it(`below MIN_POOL_PARTICLES the pairs stay on the calling thread (the same bits)`, async () => {
    const n = 3000;
    const { x, w } = cloud(n, 2, 5);
    const split = splitKernel(logRepulsionKernel(), 0.05, undefined);
    const cl = new CellList().build(x, n, 2, split.cutoff, 2);
    const ws = cl.sorted(w, 1);
    const pool = await startRowPool(2, assembler);
    pools.push(pool);
    const a = new Float64Array(2 * n), b = new Float64Array(2 * n);
    expect(wasmShortRangeVelocity(cl, ws, split.force!, a, assembler, null)).toBe(1);
    expect(wasmShortRangeVelocity(cl, ws, split.force!, b, assembler, pool)).toBe(1);
    expect(sameBits(a, b)).toBe(true);
  });
});
