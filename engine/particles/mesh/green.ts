import { halfSpectrumShape, rfftN } from '../../fourier/real-fft.ts';
import { splineSymbol } from './bspline.ts';
import type { MeshGeometry } from './mesh-geometry.ts';

/**
 * The mesh Green's function of a smooth radial kernel K(r²) in free space, as the
 * real half spectrum that multiplies the FFT of the deposited weights:
 *
 *     Ĝ(k) = DFT[K(|m|² h²)](k) / Π_a b(2πk_a/M_a)²,
 *
 * K sampled at the circular offsets m_a ∈ (−M_a/2, M_a/2], b the spline symbol.
 * Dividing by b² twice applies the B-spline interpolation prefilter (once for the
 * source, once for the target), so that deposit → convolve → interpolate evaluates
 * the tensor-spline interpolant of K(x − y) in both arguments: error O(h^p) for a
 * kernel smooth on the scale of h (Essmann et al. 1995, SPME; Unser 1993). K is
 * even, so its DFT is real; only the real part is kept.
 *
 * K is evaluated on one orthant of offsets and mirrored (2^d fewer calls).
 */
export function greenSpectrum(K: (r2: number) => number, g: MeshGeometry): Float64Array {
  const { d, h, shape, order } = g;
  const size = shape.reduce((a, b) => a * b, 1);
  // K is even on every axis: evaluate the orthant of offsets 0 … M_a/2 once and mirror it.
  const G = new Float64Array(size);
  const h2 = h * h;
  // mirrors[a][i]: the indices on axis a with offset ±i (one at 0 and M/2, two elsewhere), built once.
  const mirrors = shape.map((M) => Array.from({ length: M / 2 + 1 }, (_, i) => (i === 0 || i === M / 2 ? [i] : [i, M - i])));
  const mirror = (i: number, M: number) => mirrors[shape.indexOf(M)][i];
  if (d === 1) {
    for (let i = 0; i <= shape[0] / 2; i++) for (const a of mirror(i, shape[0])) G[a] = K(i * i * h2);
  } else if (d === 2) {
    const [M0, M1] = shape;
    for (let i = 0; i <= M0 / 2; i++)
      for (let j = 0; j <= M1 / 2; j++) {
        const v = K((i * i + j * j) * h2);
        for (const a of mirror(i, M0)) for (const b of mirror(j, M1)) G[a * M1 + b] = v;
      }
  } else {
    const [M0, M1, M2] = shape;
    for (let i = 0; i <= M0 / 2; i++)
      for (let j = 0; j <= M1 / 2; j++)
        for (let k = 0; k <= M2 / 2; k++) {
          const v = K((i * i + j * j + k * k) * h2);
          for (const a of mirror(i, M0)) for (const b of mirror(j, M1)) {
            const row = (a * M1 + b) * M2;
            G[row + k] = v;
            if (k !== 0 && k !== M2 / 2) G[row + M2 - k] = v;
          }
        }
  }
  const hs = halfSpectrumShape(shape);
  const hsize = hs.reduce((a, b) => a * b, 1);
  const spec = rfftN(G, shape, new Float64Array(2 * hsize));
  const inv = hs.map((m, a) => Float64Array.from({ length: m }, (_, i) => 1 / splineSymbol(order, (2 * Math.PI * i) / shape[a]) ** 2));
  const out = new Float64Array(hsize);
  let q = 0;
  if (d === 1) for (let i = 0; i < hs[0]; i++, q++) out[q] = spec[2 * q] * inv[0][i];
  else if (d === 2) {
    for (let i = 0; i < hs[0]; i++) for (let j = 0; j < hs[1]; j++, q++) out[q] = spec[2 * q] * inv[0][i] * inv[1][j];
  } else {
    for (let i = 0; i < hs[0]; i++)
      for (let j = 0; j < hs[1]; j++) {
        const a = inv[0][i] * inv[1][j];
        for (let k = 0; k < hs[2]; k++, q++) out[q] = spec[2 * q] * a * inv[2][k];
      }
  }
  return out;
}
