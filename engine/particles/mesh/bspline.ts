/**
 * Centred cardinal B-splines of order p (degree p − 1, support [−p/2, p/2]), the
 * charge-assignment functions of particle–mesh methods: p = 2 is cloud-in-cell,
 * p = 3 triangular-shaped cloud, p = 4 the cubic B-spline (Hockney & Eastwood,
 * *Computer Simulation Using Particles*, 1988, §5-3; Essmann et al., "A smooth
 * particle mesh Ewald method", J. Chem. Phys. 1995).
 *
 * A particle at mesh coordinate u (in cells) touches the p nodes
 * first … first + p − 1 with weights B(u − m) (they sum to 1) and derivatives
 * B′(u − m) (they sum to 0).
 */
export type SplineOrder = 2 | 3 | 4;

/** Cubic B-spline (order 4) weights at fraction f ∈ [0, 1) into w[o … o+3] and their derivatives into dw[o …]. */
export function cubicWeights(f: number, w: Float64Array, dw: Float64Array, o: number): void {
  const g = 1 - f, f2 = f * f, f3 = f2 * f;
  w[o] = (g * g * g) / 6;
  w[o + 1] = (3 * f3 - 6 * f2 + 4) / 6;
  w[o + 2] = (-3 * f3 + 3 * f2 + 3 * f + 1) / 6;
  w[o + 3] = f3 / 6;
  dw[o] = -0.5 * g * g;
  dw[o + 1] = 1.5 * f2 - 2 * f;
  dw[o + 2] = -1.5 * f2 + f + 0.5;
  dw[o + 3] = 0.5 * f2;
}

/**
 * Weights B(u − m) into w[o … o+p) and derivatives dB/du into dw[o …]; returns the
 * first node index.
 */
export function splineWeights(p: SplineOrder, u: number, w: Float64Array, dw: Float64Array, o: number): number {
  if (p === 4) {
    const fl = Math.floor(u);
    cubicWeights(u - fl, w, dw, o);
    return fl - 1;
  }
  if (p === 3) {
    const c = Math.floor(u + 0.5);
    const t = u - c;
    w[o] = 0.5 * (0.5 - t) * (0.5 - t);
    w[o + 1] = 0.75 - t * t;
    w[o + 2] = 0.5 * (0.5 + t) * (0.5 + t);
    dw[o] = t - 0.5;
    dw[o + 1] = -2 * t;
    dw[o + 2] = t + 0.5;
    return c - 1;
  }
  const fl = Math.floor(u);
  const f = u - fl;
  w[o] = 1 - f;
  w[o + 1] = f;
  dw[o] = -1;
  dw[o + 1] = 1;
  return fl;
}

/**
 * Fourier symbol of the spline sampled at the integers, b(θ) = Σ_j B(j) e^{−iθj}
 * (real, B even): interpolating with B needs the prefilter 1/b (Unser, "B-spline
 * signal processing", IEEE TSP 1993). It stays ≥ 1/3 for p ≤ 4, so dividing by it
 * is well conditioned.
 */
export function splineSymbol(p: SplineOrder, theta: number): number {
  const c = Math.cos(theta);
  if (p === 4) return (2 + c) / 3;
  if (p === 3) return (3 + c) / 4;
  return 1;
}
