/**
 * Fused ReLU kernels for inputs in R³, the case the scene and the benchmark run at
 * m = 4096 neurons × N = 2048 points: one pass over the data per neuron instead of the
 * generic path's d + 2 (forward) and 2d + 2 (velocity) vector passes. They give the
 * same numbers as the generic path (network.ts, risk.ts) up to summation order.
 * Layouts as in network.ts: θ [m, 5] rows (a, w0, w1, w2, b), Xt [3, N].
 */

/**
 * f[n] = Σ_i ω_i a_i max(w_i·x_n + b_i, 0), n < N (overwrites f). Two neurons per pass
 * over the data: half the loads and stores of f, whose store-to-load chain across
 * neurons otherwise bounds the loop (measured ~2x faster than one neuron per pass).
 * max(z, 0) = (z + |z|)/2 branch-free (exact: scaling by 2 is exact); a data-dependent
 * branch mispredicts about half the time here (measured ~1.5x slower).
 */
export function reluPredict3(theta: Float64Array, omega: Float64Array, Xt: Float64Array, N: number, f: Float64Array): void {
  f.fill(0, 0, N);
  const X0 = Xt.subarray(0, N), X1 = Xt.subarray(N, 2 * N), X2 = Xt.subarray(2 * N, 3 * N);
  const m = omega.length;
  for (let i = 0; i < m; i += 2) {
    const o = 5 * i;
    const c = 0.5 * omega[i] * theta[o];
    const w0 = theta[o + 1], w1 = theta[o + 2], w2 = theta[o + 3], b = theta[o + 4];
    if (i + 1 === m) {
      for (let n = 0; n < N; n++) {
        const z = b + w0 * X0[n] + w1 * X1[n] + w2 * X2[n];
        f[n] += c * (z + Math.abs(z));
      }
      break;
    }
    const p = o + 5;
    const cc = 0.5 * omega[i + 1] * theta[p];
    const u0 = theta[p + 1], u1 = theta[p + 2], u2 = theta[p + 3], bb = theta[p + 4];
    for (let n = 0; n < N; n++) {
      const x0 = X0[n], x1 = X1[n], x2 = X2[n];
      const z = b + w0 * x0 + w1 * x1 + w2 * x2;
      const zz = bb + u0 * x0 + u1 * x1 + u2 * x2;
      f[n] += c * (z + Math.abs(z)) + cc * (zz + Math.abs(zz));
    }
  }
}

/**
 * v_i −= E_x[r(x) ∇_θ(a max(w·x + b, 0))] for every neuron, with r[n] = (f(x_n) − y_n)/N
 * given (the 1/N of the expectation folded in). With g = Σ_n r_n 1{z_n>0} (x_n, 1),
 * the velocity is −(⟨(w, b), g⟩, a g): the a-component uses Σ r z 1{z>0} = ⟨(w, b), g⟩
 * (1-homogeneity), saving one accumulator. `bias` false leaves v_b untouched.
 * wasm-relu.ts (WasmRelu3.velocity) gives the same bits in WebAssembly SIMD: any change to
 * the operations or their order here must be made there too (its tests compare with Object.is).
 */
export function reluVelocity3(theta: Float64Array, Xt: Float64Array, N: number, r: Float64Array, bias: boolean, v: Float64Array, m: number): void {
  const X0 = Xt.subarray(0, N), X1 = Xt.subarray(N, 2 * N), X2 = Xt.subarray(2 * N, 3 * N);
  for (let i = 0; i < m; i++) {
    const o = 5 * i;
    const a = theta[o], w0 = theta[o + 1], w1 = theta[o + 2], w2 = theta[o + 3], b = theta[o + 4];
    let g0 = 0, g1 = 0, g2 = 0, gb = 0;
    for (let n = 0; n < N; n++) {
      const x0 = X0[n], x1 = X1[n], x2 = X2[n];
      // Branch-free gate r_n·1{z_n > 0} (+bool compiles to a flag, not a jump): a branch
      // mispredicts about half the time here (measured ~1.7x slower).
      const rn = r[n] * +(b + w0 * x0 + w1 * x1 + w2 * x2 > 0);
      gb += rn;
      g0 += rn * x0;
      g1 += rn * x1;
      g2 += rn * x2;
    }
    v[o] -= w0 * g0 + w1 * g1 + w2 * g2 + b * gb;
    v[o + 1] -= a * g0;
    v[o + 2] -= a * g1;
    v[o + 3] -= a * g2;
    if (bias) v[o + 4] -= a * gb;
  }
}
