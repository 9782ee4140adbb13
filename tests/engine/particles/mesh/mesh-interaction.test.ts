import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParticleMeasure, Rng, gaussianCloud, logRepulsionKernel, newtonRepulsionKernel, morseKernel, type RadialKernel } from '../../../../engine/index.ts';
import { CellList } from '../../../../engine/particles/cell-list.ts';
import { MeshInteraction } from '../../../../engine/particles/mesh/mesh-interaction.ts';
import { ParticleMesh } from '../../../../engine/particles/mesh/particle-mesh.ts';
import { loadWatAssembler } from '../../../../engine/wasm/assembler.ts';

const assembler = await loadWatAssembler();

function measure(n: number, d: number, seed: number): ParticleMeasure {
  const rng = new Rng(seed);
  const x = gaussianCloud(rng, n, d, 0, 0.5);
  const w = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const total = w.reduce((s, q) => s + q, 0);
  return new ParticleMeasure(x, d, w.map((q) => q / total));
}

afterEach(() => vi.restoreAllMocks());

/**
 * A record (the energy) and the next step (the velocity of the same state) cost one cell list,
 * one mesh convolution (φ and its gradient together) and one pair pass (issue #19), and the
 * step's velocity is bit for bit a fresh interaction's.
 */
describe('MeshInteraction: a record and the next step share one pass', () => {
  const CASES: [string, () => RadialKernel, number][] = [
    ['log, 2D', logRepulsionKernel, 2],
    ['Coulomb, 3D', newtonRepulsionKernel, 3],
    ['Morse, 2D', () => morseKernel(), 2],
  ];
  for (const [label, W, d] of CASES)
    for (const simd of [false, true])
      it(`${label}, ${simd ? 'SIMD kernel' : 'JavaScript loops'}: energy then velocity build one cell list, convolve once, never run the generic pair sum`, () => {
        const m = measure(3000, d, 7 + d);
        const options = { assembler: simd ? assembler : null };
        const builds = vi.spyOn(CellList.prototype, 'build');
        const convolves = vi.spyOn(ParticleMesh.prototype, 'convolve');
        const generic = vi.spyOn(CellList.prototype, 'forEachCellPair');
        const shared = new MeshInteraction(W(), 'p3m', options);
        const e = shared.evaluate(m, null, true);
        const v = new Float64Array(m.n * d);
        shared.evaluate(m, v, false);
        expect(builds).toHaveBeenCalledTimes(1);
        expect(convolves).toHaveBeenCalledTimes(1);
        expect(generic).not.toHaveBeenCalled();
        vi.restoreAllMocks();
        const fresh = new Float64Array(m.n * d);
        new MeshInteraction(W(), 'p3m', options).evaluate(m, fresh, false);
        expect(Array.from(v)).toEqual(Array.from(fresh));
        expect(Number.isFinite(e) && e !== 0).toBe(true);
        // After a move the state differs: the velocity is computed again (and still a fresh one's).
        m.x[0] += 1e-3;
        const moved = new Float64Array(m.n * d), movedFresh = new Float64Array(m.n * d);
        shared.evaluate(m, moved, false);
        new MeshInteraction(W(), 'p3m', options).evaluate(m, movedFresh, false);
        expect(Array.from(moved)).toEqual(Array.from(movedFresh));
      });
});
