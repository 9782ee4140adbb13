import { CellList } from './cell-list.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * The blob-entropy pair sums of blob-entropy.ts over a cell list instead of all
 * pairs: the pair loop already drops pairs with r² > 74δ² (e^{−r²/(2δ²)} < e^{−37},
 * below double precision next to the self term), and a cell list of side √74 δ
 * finds exactly the pairs it keeps. Same terms, different summation order: the
 * results agree with the pair loop to round-off (a few ulps), not bit for bit.
 */
export const BLOB_CUTOFF2 = 2 * 37;

/** ρ_i = (2πδ²)^{−d/2} Σ_j w_j e^{−|x_i−x_j|²/(2δ²)} (self term included) into rho; returns the cell list for reuse. */
export function blobDensityCells(m: ParticleMeasure, delta: number, rho: Float64Array, cl = new CellList(m.x, m.n, m.d, Math.sqrt(BLOB_CUTOFF2) * delta)): CellList {
  const { n, d, w } = m;
  const c = 1 / (2 * delta * delta);
  const ws = cl.sorted(w, 1);
  const s = Float64Array.from(ws);
  cl.forEachPair((p, q, r2) => {
    const phi = Math.exp(-c * r2);
    s[p] += ws[q] * phi;
    s[q] += ws[p] * phi;
  });
  const norm = Math.pow(2 * Math.PI * delta * delta, -d / 2);
  rho.fill(0);
  cl.addUnsorted(s, 1, rho);
  for (let i = 0; i < n; i++) rho[i] *= norm;
  return cl;
}

/** Adds the blob velocity σ/δ² norm Σ_j w_j z φ (1/ρ_i + 1/ρ_j) (z = x_i − x_j) into v, given the densities rho. */
export function addBlobVelocityCells(m: ParticleMeasure, delta: number, temperature: number, rho: Float64Array, v: Float64Array, cl: CellList): void {
  const { n, d, w } = m;
  const delta2 = delta * delta;
  const c = 1 / (2 * delta2);
  const scale = (temperature * Math.pow(2 * Math.PI * delta2, -d / 2)) / delta2;
  const ws = cl.sorted(w, 1);
  const inv = cl.sorted(rho, 1);
  for (let s = 0; s < n; s++) inv[s] = 1 / inv[s];
  const vs = new Float64Array(n * d);
  const xs = cl.xs;
  cl.forEachPair((p, q, r2) => {
    const f = scale * Math.exp(-c * r2) * (inv[p] + inv[q]);
    const fp = ws[q] * f, fq = ws[p] * f;
    for (let k = 0; k < d; k++) {
      const z = xs[p * d + k] - xs[q * d + k];
      vs[p * d + k] += fp * z;
      vs[q * d + k] -= fq * z;
    }
  });
  cl.addUnsorted(vs, d, v);
}
