import { describe, expect, it } from 'vitest';
import { BlobEntropy, KdeEntropy, ParticleMeasure, Rng, gaussianCloud } from '../../../engine/index.ts';
import { CellList } from '../../../engine/particles/cell-list.ts';
import { blobVirialRatio } from '../../../engine/particles/blob-entropy.ts';

function cloud(n: number, d: number, seed: number, spread = 1): ParticleMeasure {
  const rng = new Rng(seed);
  const x = gaussianCloud(rng, n, d, 0, spread);
  const w = Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  w.forEach((v, i) => (w[i] = v / s));
  return new ParticleMeasure(x, d, w);
}

const relRms = (a: Float64Array, b: Float64Array) => {
  let e = 0, r = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  return Math.sqrt(e / r);
};

function velocity(E: BlobEntropy, m: ParticleMeasure): Float64Array {
  const v = new Float64Array(m.n * m.d);
  E.addVelocity(m, v);
  return v;
}

describe('cell list', () => {
  it('finds exactly the pairs closer than the cutoff, each once (1D–3D, with far outliers)', () => {
    for (const d of [1, 2, 3]) {
      const m = cloud(600, d, d);
      m.x[0] = 1e4; // an outlier stretches the box: the cell count cap must keep every pair
      const cutoff = 0.4;
      const cl = new CellList(m.x, m.n, m.d, cutoff);
      const found = new Set<string>();
      cl.forEachCellPair((a0, a1, b0, b1) => {
        for (let s = a0; s < a1; s++)
          for (let t = a0 === b0 ? s + 1 : b0; t < b1; t++) {
            let r2 = 0;
            for (let k = 0; k < d; k++) r2 += (cl.xs[s * d + k] - cl.xs[t * d + k]) ** 2;
            if (r2 >= cutoff * cutoff) continue;
            const [i, j] = [cl.order[s], cl.order[t]].sort((p, q) => p - q);
            const key = `${i},${j}`;
            expect(found.has(key), `pair ${key} visited twice`).toBe(false);
            found.add(key);
          }
      });
      let brute = 0;
      for (let i = 0; i < m.n; i++)
        for (let j = i + 1; j < m.n; j++) {
          let r2 = 0;
          for (let k = 0; k < d; k++) r2 += (m.x[i * d + k] - m.x[j * d + k]) ** 2;
          if (r2 < cutoff * cutoff) {
            brute++;
            expect(found.has(`${i},${j}`), `pair ${i},${j} missed (d = ${d})`).toBe(true);
          }
        }
      expect(found.size).toBe(brute);
      expect(brute).toBeGreaterThan(1000);
    }
  });
});

describe('blob entropy: cell list and mesh against the pair loop', () => {
  it('cells: the same pairs as the e^{−37} cutoff, equal to round-off (value and velocity, 1D–3D)', () => {
    for (const d of [1, 2, 3]) {
      const m = cloud(1500, d, 30 + d, 2);
      const direct = new BlobEntropy(0.7, 0.15);
      const cells = new BlobEntropy(0.7, 0.15, { method: 'cells' });
      // Only the summation order differs: a few ulps of the sums.
      expect(Math.abs(cells.value(m) - direct.value(m))).toBeLessThan(1e-12 * Math.abs(direct.value(m)));
      expect(relRms(velocity(cells, m), velocity(direct, m))).toBeLessThan(1e-13);
    }
  });

  it('mesh: Gaussian sums on a particle mesh within the stated accuracy (δ/h = 3 in 1D/2D, 1.5 in 3D)', () => {
    // Measured relative RMS velocity errors 7.5e−4 (1D), 1.1e−3 (2D) at δ/h = 3, 2e−2 (3D, δ/h = 1.5); ×2.5 margin.
    const tol = [0, 2e-3, 3e-3, 5e-2];
    for (const d of [1, 2, 3]) {
      const m = cloud(3000, d, 40 + d);
      const delta = 0.6 * Math.pow(m.n, -1 / (d + 4));
      const direct = new BlobEntropy(1, delta);
      const mesh = new BlobEntropy(1, delta, { method: 'mesh' });
      const err = relRms(velocity(mesh, m), velocity(direct, m));
      expect(err, `d = ${d}`).toBeLessThan(tol[d]);
      expect(err).toBeGreaterThan(0);
      expect(Math.abs(mesh.value(m) - direct.value(m))).toBeLessThan(tol[d] * Math.abs(direct.value(m)));
    }
    // Finer mesh, smaller error (measured 1.4e−2 at δ/h = 1.5, 1.1e−3 at 3: the O((h/δ)⁴) spline error, less in the tails).
    const m = cloud(3000, 2, 50);
    const direct = velocity(new BlobEntropy(1, 0.2), m);
    const coarse = relRms(velocity(new BlobEntropy(1, 0.2, { method: 'mesh', resolution: 1.5 }), m), direct);
    const fine = relRms(velocity(new BlobEntropy(1, 0.2, { method: 'mesh', resolution: 3 }), m), direct);
    expect(fine).toBeLessThan(coarse / 6);
  });

  it('the virial ratio (stationary variance / σ, a scene metric) by cells and mesh agrees with the pair loop', () => {
    // Measured |mesh − direct| on R: 4.9e−6 (1D), 4.0e−5 (2D) at δ/h = 3, 3.9e−3 (3D, δ/h = 1.5); ×2.5 margin.
    // Cells: the same pairs, round-off only (measured ≤ 4.4e−16).
    const tol = [0, 1.5e-5, 1e-4, 1e-2];
    for (const d of [1, 2, 3]) {
      const m = cloud(3000, d, 80 + d);
      const delta = 0.6 * Math.pow(m.n, -1 / (d + 4));
      const direct = blobVirialRatio(m, delta);
      const cells = new BlobEntropy(1, delta, { method: 'cells' }).virialRatio(m);
      const mesh = new BlobEntropy(1, delta, { method: 'mesh' }).virialRatio(m);
      expect(Math.abs(cells - direct)).toBeLessThan(1e-12);
      expect(Math.abs(mesh - direct), `d = ${d}`).toBeLessThan(tol[d]);
      expect(direct).toBeLessThan(1); // not trivially 1: the self term's loss at n = 3000 (blob-width.ts)
    }
  });

  it('Langevin entropy values use the same sums (no O(N²) pass for the record)', () => {
    const m = cloud(3000, 2, 60);
    const a = new KdeEntropy(1).value(m);
    const b = new KdeEntropy(1, { method: 'cells' }).value(m);
    const c = new KdeEntropy(1, { method: 'mesh' }).value(m);
    expect(Math.abs(b - a)).toBeLessThan(1e-12 * Math.abs(a));
    expect(Math.abs(c - a)).toBeLessThan(1e-3 * Math.abs(a));
  });

  it('auto falls back to the exact cell list when a mesh for a tiny δ would exceed its cell limit', () => {
    const m = cloud(5000, 2, 70, 3);
    const direct = new BlobEntropy(1, 1e-3);
    const auto = new BlobEntropy(1, 1e-3, { method: 'auto', maxCells: 2 ** 20 });
    expect(auto.describe(m.n, m.d)).toContain('cells when the mesh would exceed');
    expect(relRms(velocity(auto, m), velocity(direct, m))).toBeLessThan(1e-13);
    expect(() => velocity(new BlobEntropy(1, 1e-3, { method: 'mesh', maxCells: 2 ** 20 }), m)).toThrow(/over the limit/);
  });
});
