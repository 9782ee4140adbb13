import { Rng } from '../../../engine/core/rng.ts';

/** Seeded test clouds: uniform in [0, 1]^d. */
export function uniformCloud(seed: number, n: number, d: number): Float64Array {
  const rng = new Rng(seed);
  return new Float64Array(n * d).map(() => rng.uniform());
}

/** Samples of N(mean, L Lᵀ) in 2D, L lower-triangular [l00, l10, l11]. */
export function gaussian2d(seed: number, n: number, mean: [number, number], L: [number, number, number]): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const z0 = rng.normal();
    const z1 = rng.normal();
    x[2 * i] = mean[0] + L[0] * z0;
    x[2 * i + 1] = mean[1] + L[1] * z0 + L[2] * z1;
  }
  return x;
}

export function shifted(x: Float64Array, d: number, s: number[]): Float64Array {
  return x.map((v, i) => v + s[i % d]);
}
