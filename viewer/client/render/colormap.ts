/**
 * Colour maps for the viewer: a perceptually uniform sequential ramp (viridis,
 * van der Walt & Smith 2015, sampled at 9 points and interpolated linearly) for
 * quantities, and a categorical palette (Tableau 10) for cluster labels.
 */
const VIRIDIS: readonly [number, number, number][] = [
  [0.267, 0.005, 0.329], [0.283, 0.141, 0.458], [0.229, 0.322, 0.546], [0.172, 0.448, 0.558], [0.128, 0.567, 0.551],
  [0.153, 0.678, 0.506], [0.369, 0.789, 0.383], [0.678, 0.864, 0.19], [0.993, 0.906, 0.144],
];

/** Writes the viridis colour of s ∈ [0, 1] (clamped) into out[o..o+2]. */
export function viridis(s: number, out: Float32Array, o: number): void {
  const u = Math.min(1, Math.max(0, Number.isFinite(s) ? s : 0)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - k;
  const a = VIRIDIS[k], b = VIRIDIS[k + 1];
  out[o] = a[0] + f * (b[0] - a[0]);
  out[o + 1] = a[1] + f * (b[1] - a[1]);
  out[o + 2] = a[2] + f * (b[2] - a[2]);
}

const LUT_SIZE = 256;
let lutSrgb: Float32Array | null = null;
let lutLinear: Float32Array | null = null;

/**
 * Viridis sampled at 256 levels as a flat [256, 3] table, in sRGB (for the
 * viewer's own point shader) or linear (for three.js built-in materials): one
 * table look-up per value instead of interpolation and pow() in the hot path.
 */
export function viridisTable(linear: boolean): Float32Array {
  if (!lutSrgb) {
    lutSrgb = new Float32Array(3 * LUT_SIZE);
    for (let k = 0; k < LUT_SIZE; k++) viridis(k / (LUT_SIZE - 1), lutSrgb, 3 * k);
    lutLinear = srgbToLinear(lutSrgb.slice());
  }
  return linear ? lutLinear! : lutSrgb;
}

/** Writes the table colour of s ∈ [0, 1] (clamped) into out[o..o+2]. */
export function lookUp(table: Float32Array, s: number, out: Float32Array, o: number): void {
  const k = 3 * Math.round(Math.min(1, Math.max(0, s > 0 ? s : 0)) * (LUT_SIZE - 1));
  out[o] = table[k];
  out[o + 1] = table[k + 1];
  out[o + 2] = table[k + 2];
}

const TAB10: readonly [number, number, number][] = [
  [0.12, 0.47, 0.71], [1.0, 0.5, 0.05], [0.17, 0.63, 0.17], [0.84, 0.15, 0.16], [0.58, 0.4, 0.74],
  [0.55, 0.34, 0.29], [0.89, 0.47, 0.76], [0.5, 0.5, 0.5], [0.74, 0.74, 0.13], [0.09, 0.75, 0.81],
];

/** Writes the colour of category `k` (cycled) into out[o..o+2]. */
export function categorical(k: number, out: Float32Array, o: number): void {
  const c = TAB10[((k % TAB10.length) + TAB10.length) % TAB10.length];
  out[o] = c[0];
  out[o + 1] = c[1];
  out[o + 2] = c[2];
}

/**
 * Robust upper end of a colour scale: the q-quantile of |values| estimated from
 * at most 2048 evenly spaced samples (O(1) in n), so one outlier does not wash
 * the picture out.
 */
export function robustMax(values: ArrayLike<number>, q = 0.98): number {
  const n = values.length;
  if (n === 0) return 1;
  const m = Math.min(n, 2048);
  const sample = new Float64Array(m);
  for (let i = 0; i < m; i++) sample[i] = Math.abs(values[Math.floor((i * n) / m)]);
  sample.sort();
  const v = sample[Math.min(m - 1, Math.floor(q * (m - 1)))];
  return v > 0 && Number.isFinite(v) ? v : 1;
}

/**
 * sRGB → linear in place (IEC 61966-2-1). three.js treats vertex colours of its
 * built-in materials (lines, lit meshes) as linear and encodes the output to
 * sRGB; without this the ramp's dark end would come out washed out.
 */
export function srgbToLinear(c: Float32Array): Float32Array {
  for (let i = 0; i < c.length; i++) c[i] = c[i] <= 0.04045 ? c[i] / 12.92 : Math.pow((c[i] + 0.055) / 1.055, 2.4);
  return c;
}
