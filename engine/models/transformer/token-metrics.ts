/**
 * Number of clusters of points x [n, d] at radius r: connected components of the graph
 * with an edge between x_i and x_j when |x_i − x_j| < r (single linkage, union–find with
 * path halving). O(n² d) time, O(n) memory.
 */
export function countClusters(x: Float64Array, d: number, radius: number): number {
  const n = x.length / d;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const r2 = radius * radius;
  let components = n;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d && s < r2; k++) s += (x[i * d + k] - x[j * d + k]) ** 2;
      if (s >= r2) continue;
      const a = find(i), b = find(j);
      if (a !== b) {
        parent[a] = b;
        components--;
      }
    }
  }
  return components;
}

/**
 * Interaction energy of attention (Geshkovski et al. 2023, §3.1; docs/design.md §3.2):
 * E_β(μ) = (1/2β) Σ_ij w_i w_j e^{β⟨x_i, M x_j⟩}, M = QᵀK (= I for Q = K = I: then
 * (1/2β)∫∫e^{β⟨x,y⟩}dμdμ), as its logarithm, which is finite for any finite tokens:
 *   log E_β = c + log Σ_ij w_i w_j e^{β⟨x_i, M x_j⟩ − c} − log 2β,
 * summed around a shift c ≥ max L_ij: c = β max|x| max|Mx| (Cauchy–Schwarz, one pass)
 * when 2c ≤ 600 (no term underflows), else the exact maximum. In R^d (no layer norm)
 * tokens grow like e^t, and E_β itself overflows double precision long before the state
 * does (issue #11): the log stays exact. Symmetric M: each unordered pair once.
 * x [n, d], w [n], M [d, d].
 */
export function logAttentionEnergy(x: Float64Array, w: Float64Array, M: Float64Array, d: number, beta: number): number {
  const n = w.length;
  const kx = new Float64Array(n * d);
  let mx2 = 0, mk2 = 0;
  for (let j = 0; j < n; j++) {
    let a = 0, b = 0;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += M[r * d + k] * x[j * d + k];
      kx[j * d + r] = s;
      a += x[j * d + r] ** 2;
      b += s * s;
    }
    mx2 = Math.max(mx2, a);
    mk2 = Math.max(mk2, b);
  }
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
    return s;
  };
  let c = beta * Math.sqrt(mx2 * mk2);
  if (2 * c > 600) {
    c = -Infinity;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c = Math.max(c, beta * dot(i, j));
  }
  let symmetric = true;
  for (let r = 0; r < d && symmetric; r++) for (let k = 0; k < r; k++) if (M[r * d + k] !== M[k * d + r]) symmetric = false;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    if (symmetric) {
      row = 0.5 * w[i] * Math.exp(beta * dot(i, i) - c);
      for (let j = i + 1; j < n; j++) row += w[j] * Math.exp(beta * dot(i, j) - c);
      acc += 2 * w[i] * row;
    } else {
      for (let j = 0; j < n; j++) row += w[j] * Math.exp(beta * dot(i, j) - c);
      acc += w[i] * row;
    }
  }
  return c + Math.log(acc) - Math.log(2 * beta);
}

/** E_β = exp(log E_β) (logAttentionEnergy); +∞ where it exceeds double precision. */
export function attentionEnergy(x: Float64Array, w: Float64Array, M: Float64Array, d: number, beta: number): number {
  return Math.exp(logAttentionEnergy(x, w, M, d, beta));
}
