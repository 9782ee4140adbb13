import type { Rng } from '../core/rng.ts';

/** n points [n, d] from N(mean, std² I). */
export function gaussianCloud(rng: Rng, n: number, d: number, mean: number | readonly number[] = 0, std = 1): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) x[i * d + k] = (typeof mean === 'number' ? mean : mean[k]) + std * rng.normal();
  return x;
}

/** n points [n, d] uniform in the box [lo, hi]^d. */
export function uniformBox(rng: Rng, n: number, d: number, lo = -1, hi = 1): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * rng.uniform();
  return x;
}

/** n points uniform on the unit sphere S^{d−1} (normalized Gaussians). */
export function uniformSphere(rng: Rng, n: number, d: number): Float64Array {
  const x = gaussianCloud(rng, n, d);
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(r2);
    for (let k = 0; k < d; k++) x[i * d + k] *= inv;
  }
  return x;
}

/** m points evenly spread on the unit circle (2D) or unit sphere (3D, Fibonacci lattice): reference outlines. */
export function unitSphereOutline(m: number, d: 2 | 3): Float64Array {
  const x = new Float64Array(m * d);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < m; i++) {
    if (d === 2) {
      x[2 * i] = Math.cos((2 * Math.PI * i) / m);
      x[2 * i + 1] = Math.sin((2 * Math.PI * i) / m);
    } else {
      const z = 1 - (2 * (i + 0.5)) / m;
      const r = Math.sqrt(1 - z * z);
      x[3 * i] = r * Math.cos(golden * i);
      x[3 * i + 1] = r * Math.sin(golden * i);
      x[3 * i + 2] = z;
    }
  }
  return x;
}
