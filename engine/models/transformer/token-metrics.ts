/**
 * Number of clusters of points x [n, d] at radius r: connected components of the graph
 * with an edge between x_i and x_j when |x_i − x_j| < r (single linkage, union–find with
 * path halving). The pairs closer than r are found through a grid of cells of side r
 * (points sorted by cell; a pair closer than r lies in neighbouring cells): O(n 3^d) for
 * spread points instead of O(n²), O(n) memory. The count does not depend on the order the
 * edges are met, so it is the all-pairs count exactly. d ≤ 3 (else, or for a radius the
 * grid cannot index, all pairs).
 */
export function countClusters(x: Float64Array, d: number, radius: number): number {
  const n = x.length / d;
  if (d >= 1 && d <= 3 && radius > 0 && n > 64) {
    const grid = clustersOnGrid(x, d, n, radius);
    if (grid !== null) return grid;
  }
  return clustersAllPairs(x, d, n, radius);
}

/** countClusters through a cell grid, or null when the cells' indices would not fit exactly. */
function clustersOnGrid(x: Float64Array, d: number, n: number, radius: number): number | null {
  // Cells a little wider than r: a pair closer than r is in neighbouring cells whatever the rounding of (x − lo)/h.
  const h = radius * (1 + 1e-9);
  const lo = new Float64Array(3), dims = [1, 1, 1];
  for (let k = 0; k < d; k++) {
    let a = Infinity, b = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + k];
      if (!(v === v) || v === Infinity || v === -Infinity) return null;
      a = Math.min(a, v);
      b = Math.max(b, v);
    }
    lo[k] = a;
    dims[k] = Math.floor((b - a) / h) + 1;
  }
  const cells = dims[0] * dims[1] * dims[2];
  if (!(cells <= 16 * n + 1024)) return null;
  const cellOf = new Int32Array(n);
  const count = new Int32Array(cells + 1);
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) c[k] = Math.min(dims[k] - 1, Math.floor((x[i * d + k] - lo[k]) / h));
    const id = (c[0] * dims[1] + c[1]) * dims[2] + c[2];
    cellOf[i] = id;
    count[id + 1]++;
  }
  for (let q = 0; q < cells; q++) count[q + 1] += count[q];
  const start = count.slice();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[cellOf[i]]++] = i;
  const components = new Components(n);
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    const id = cellOf[i];
    const c2 = id % dims[2], c1 = Math.floor(id / dims[2]) % dims[1], c0 = Math.floor(id / (dims[1] * dims[2]));
    for (let a = Math.max(0, c0 - 1); a <= Math.min(dims[0] - 1, c0 + 1); a++)
      for (let b = Math.max(0, c1 - 1); b <= Math.min(dims[1] - 1, c1 + 1); b++)
        for (let e = Math.max(0, c2 - 1); e <= Math.min(dims[2] - 1, c2 + 1); e++) {
          const q = (a * dims[1] + b) * dims[2] + e;
          for (let t = count[q]; t < count[q + 1]; t++) {
            const j = order[t];
            if (j <= i) continue;
            let s = 0;
            for (let k = 0; k < d && s < r2; k++) s += (x[i * d + k] - x[j * d + k]) ** 2;
            if (s >= r2) continue;
            components.join(i, j);
          }
        }
  }
  return components.count;
}

function clustersAllPairs(x: Float64Array, d: number, n: number, radius: number): number {
  const components = new Components(n);
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d && s < r2; k++) s += (x[i * d + k] - x[j * d + k]) ** 2;
      if (s >= r2) continue;
      components.join(i, j);
    }
  }
  return components.count;
}

/** Connected components of n points under joined pairs: union–find with path halving. */
class Components {
  private readonly parent: Int32Array;
  count: number;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.count = n;
  }
  private find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
  join(i: number, j: number): void {
    const a = this.find(i), b = this.find(j);
    if (a !== b) {
      this.parent[a] = b;
      this.count--;
    }
  }
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
