import { describe, expect, it } from 'vitest';
import { Rng, gaussianCloud, logRepulsionKernel, morseKernel, newtonRepulsionKernel, type RadialKernel } from '../../../../engine/index.ts';
import { CellList } from '../../../../engine/particles/cell-list.ts';
import { splitKernel } from '../../../../engine/particles/mesh/kernel-split.ts';
import { pairForces2, pairForces3, shortRangeSums, shortRangeVelocityEnergy } from '../../../../engine/particles/mesh/short-range.ts';

/** A Gaussian cloud with non-uniform weights and ten coincident pairs. */
function cloud(n: number, d: number, seed: number): { x: Float64Array; w: Float64Array } {
  const rng = new Rng(seed);
  const x = gaussianCloud(rng, n, d, 0, 0.5);
  for (let i = 0; i < 10; i++) for (let k = 0; k < d; k++) x[(n - 1 - i) * d + k] = x[i * d + k];
  const w = Float64Array.from({ length: n }, () => (0.5 + rng.uniform()) / n);
  return { x, w };
}

const KERNELS: [string, () => RadialKernel][] = [
  ['log (Ewald: Ψ − ½ ln r²)', logRepulsionKernel],
  ['Coulomb (Ewald: Ψ/r)', newtonRepulsionKernel],
  ['Morse (sampled: Ψ)', () => morseKernel()],
];

describe('the short-range energy in the JavaScript velocity loops (one pair pass)', () => {
  for (const [label, W] of KERNELS)
    for (const d of [2, 3] as const)
      it(`${label}, d = ${d}: Σ w w S equals shortRangeSums' to 1e−10 of Σ w w |S|; the velocity is the velocity loop's, bit for bit`, () => {
        const n = d === 2 ? 5000 : 3000;
        const { x, w } = cloud(n, d, 30 + d);
        const split = splitKernel(W(), 0.04, undefined);
        expect(split.force?.energy).toBeDefined();
        const cl = new CellList().build(x, n, d, split.cutoff, 2);
        const ws = cl.sorted(w, 1);
        const js = shortRangeSums(cl, ws, split.short!, null, true, !split.singular);
        const scale = shortRangeSums(cl, ws, { value: (r2) => Math.abs(split.short!.value(r2)), gradFactor: () => 0 }, null, true, !split.singular);
        expect(Math.abs(js)).toBeGreaterThan(1e-3 * scale);
        const plain = new Float64Array(n * d), both = new Float64Array(n * d);
        expect((d === 2 ? pairForces2 : pairForces3)(cl, ws, split.force!, plain, 0, cl.dims[0])).toBe(0);
        const e = shortRangeVelocityEnergy(cl, ws, split.force!, both);
        expect(e).not.toBeNull();
        expect(Math.abs(e! - js)).toBeLessThan(1e-10 * scale);
        expect(Array.from(both)).toEqual(Array.from(plain));
        expect(plain.some((v) => v !== 0)).toBe(true);
      });

  it('without an energy table (or in 1D) it declines and changes nothing', () => {
    const { x, w } = cloud(400, 2, 1);
    const split = splitKernel(logRepulsionKernel(), 0.05, undefined);
    const cl = new CellList().build(x, 400, 2, split.cutoff, 2);
    const v = new Float64Array(800);
    expect(shortRangeVelocityEnergy(cl, cl.sorted(w, 1), { ...split.force!, energy: undefined }, v)).toBeNull();
    const cl1 = new CellList().build(cloud(400, 1, 2).x, 400, 1, split.cutoff, 2);
    expect(shortRangeVelocityEnergy(cl1, w, split.force!, new Float64Array(400))).toBeNull();
    expect(v.every((e) => e === 0)).toBe(true);
  });
});
