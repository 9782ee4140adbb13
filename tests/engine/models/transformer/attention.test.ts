import { describe, expect, it } from 'vitest';
import {
  AttentionField, DotProductGeometry, Rng, SinkhornAttention, gaussianCloud, makeAttentionWeights, uniformSphere, type AttentionWeights,
  type QkvKind,
} from '../../../../engine/index.ts';
import { applyMatrix } from '../../../../engine/models/transformer/qkv.ts';
import { attentionSums } from '../../../../engine/models/transformer/attention-sums.ts';
import { plainAttention } from '../../../../engine/models/transformer/softmax-attention.ts';

/** Dense reference: A_ij = w_j e^{β⟨x_i, M x_j⟩} / Z_i, u_i = Σ_j A_ij V x_j, straight from the definition. */
function naiveAttention(kind: 'softmax' | 'usa', beta: number, x: Float64Array, W: AttentionWeights, w: Float64Array): Float64Array {
  const d = W.d, n = w.length;
  const kx = new Float64Array(n * d), vx = new Float64Array(n * d);
  applyMatrix(W.M, x, d, kx);
  applyMatrix(W.V, x, d, vx);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * kx[j * d + k];
      row[j] = w[j] * Math.exp(beta * s);
    }
    const Z = kind === 'softmax' ? row.reduce((a, b) => a + b, 0) : 1;
    for (let j = 0; j < n; j++) for (let k = 0; k < d; k++) out[i * d + k] += (row[j] / Z) * vx[j * d + k];
  }
  return out;
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  let e = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return e / s;
}

function randomWeights(n: number, rng: Rng): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 + rng.uniform();
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

describe('softmax and unnormalized attention', () => {
  // Sums of ≤ 40 positive terms (plus products by O(1) values): round-off ≲ 40 ε ≈ 1e-14.
  for (const qkv of ['identity', 'symmetric', 'random'] as QkvKind[]) {
    for (const d of [3, 5]) {
      for (const kind of ['softmax', 'usa'] as const) {
        it(`matches the dense definition (${kind}, qkv=${qkv}, d=${d}, non-uniform weights)`, () => {
          const rng = new Rng(d * 7 + qkv.length);
          const n = 37;
          const W = makeAttentionWeights(qkv, d, rng);
          const x = gaussianCloud(rng, n, d, 0, 0.8);
          const w = randomWeights(n, rng);
          const kx = new Float64Array(n * d), vx = new Float64Array(n * d), out = new Float64Array(n * d);
          applyMatrix(W.M, x, d, kx);
          applyMatrix(W.V, x, d, vx);
          plainAttention(kind, 1.5, x, kx, vx, w, d, W.symmetricLogits, out, new Float64Array(n));
          expect(maxRelErr(out, naiveAttention(kind, 1.5, x, W, w))).toBeLessThan(1e-13);
        });
      }
    }
  }

  it('stays finite and exact for large β (row-wise shifts instead of the global one)', () => {
    const rng = new Rng(3);
    const n = 25, d = 3, beta = 400;
    const W = makeAttentionWeights('identity', d, rng);
    const x = gaussianCloud(rng, n, d, 0, 1.2); // 2c = 2β max|x|² ≫ 600: row path
    const w = new Float64Array(n).fill(1 / n);
    const kx = x.slice(), vx = x.slice(), out = new Float64Array(n * d);
    plainAttention('softmax', beta, x, kx, vx, w, d, true, out, new Float64Array(n));
    expect(out.every(Number.isFinite)).toBe(true);
    // Reference: the definition with each row shifted by its own maximum (e^{β s} itself
    // overflows here: β max s ≈ 400 · 5 ≫ 709).
    let err = 0;
    for (let i = 0; i < n; i++) {
      const L = Array.from({ length: n }, (_, j) => beta * (x[3 * i] * x[3 * j] + x[3 * i + 1] * x[3 * j + 1] + x[3 * i + 2] * x[3 * j + 2]));
      const mx = Math.max(...L);
      const e = L.map((l) => Math.exp(l - mx));
      const Z = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 3; k++) {
        const ref = e.reduce((acc, ej, j) => acc + (ej / Z) * x[3 * j + k], 0);
        err = Math.max(err, Math.abs(out[3 * i + k] - ref));
      }
    }
    expect(err).toBeLessThan(1e-12);
  });
});

describe('Sinkhorn (Sinkformer) attention on the OT core loop', () => {
  function tokens(n: number, d: number, seed: number) {
    const rng = new Rng(seed);
    const W = makeAttentionWeights('random', d, rng);
    const x = uniformSphere(rng, n, d);
    const kx = new Float64Array(n * d);
    applyMatrix(W.M, x, d, kx);
    return { W, x, kx, w: randomWeights(n, rng) };
  }

  for (const store of [true, false]) {
    it(`rows sum to 1 and columns to 1 within the tolerance (${store ? 'stored' : 'online'} kernel)`, () => {
      const n = 40, d = 3, beta = 2, tol = 1e-10;
      const { x, kx, w } = tokens(n, d, 1);
      const s = new SinkhornAttention(d, n, { tol, maxIter: 5000 }, store);
      const r = s.solve(beta, x, kx, w);
      expect(r.converged).toBe(true);
      // Dense A_ij = e^{α_i + β_j + β⟨x_i, kx_j⟩}/w_i, built here from the scalings.
      let colErr = 0;
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let row = 0;
        for (let j = 0; j < n; j++) {
          const L = beta * (x[3 * i] * kx[3 * j] + x[3 * i + 1] * kx[3 * j + 1] + x[3 * i + 2] * kx[3 * j + 2]);
          const A = Math.exp(s.alpha[i] + s.betaScaling[j] + L) / w[i];
          row += A;
          col[j] += w[i] * A;
        }
        // The loop ends on a row update: rows are exact up to round-off of n terms.
        expect(Math.abs(row - 1)).toBeLessThan(1e-13);
      }
      for (let j = 0; j < n; j++) colErr += Math.abs(col[j] - w[j]);
      // ‖πᵀ1 − w‖₁ ≤ ‖π_prev 1 − w‖₁ < tol (see sinkhorn-attention.ts).
      expect(colErr).toBeLessThan(tol);
      const sums = attentionSums('sinkhorn', beta, x, kx, w, d, { tol, maxIter: 5000 });
      expect(Math.abs(sums.rowMax - 1)).toBeLessThan(1e-13);
      expect(Math.abs(sums.colMin - 1)).toBeLessThan(tol / Math.min(...w));
      expect(Math.abs(sums.colMax - 1)).toBeLessThan(tol / Math.min(...w));
    });
  }

  it('with one Sinkhorn iteration equals softmax attention', () => {
    const n = 50, d = 4, beta = 3;
    const { W, x, w } = tokens(n, d, 2);
    const field = (attention: 'softmax' | 'sinkhorn') =>
      new AttentionField({ attention, beta, weights: W, w, sphere: true, sinkhorn: { tol: 1e-12, maxIter: 1 } });
    const a = new Float64Array(n * d), b = new Float64Array(n * d);
    field('softmax').evaluate(x, a);
    field('sinkhorn').evaluate(x, b);
    // Same quantity through two code paths (log-domain scalings vs direct sums): 1e-13.
    expect(maxRelErr(b, a)).toBeLessThan(1e-13);
    const sm = attentionSums('softmax', beta, x, (() => { const k = new Float64Array(n * d); applyMatrix(W.M, x, d, k); return k; })(), w, d);
    expect(sm.rowMin).toBeCloseTo(1, 13);
    expect(sm.rowMax).toBeCloseTo(1, 13);
    expect(sm.colMax - sm.colMin).toBeGreaterThan(1e-3); // softmax alone is not doubly stochastic
  });

  it('row/column sums: the pair-symmetric pass agrees with the log-domain geometry pass', () => {
    const n = 33, d = 3;
    const rng = new Rng(8);
    const W = makeAttentionWeights('symmetric', d, rng);
    const x = uniformSphere(rng, n, d);
    const kx = new Float64Array(n * d);
    applyMatrix(W.M, x, d, kx);
    const w = randomWeights(n, rng);
    for (const kind of ['softmax', 'usa'] as const) {
      const a = attentionSums(kind, 1.7, x, kx, w, d, undefined, true);
      const b = attentionSums(kind, 1.7, x, kx, w, d, undefined, false);
      for (const key of ['rowMin', 'rowMax', 'colMin', 'colMax'] as const) expect(Math.abs(a[key] - b[key])).toBeLessThan(1e-12 * Math.abs(b[key]));
    }
  });

  it('attention outputs of the stored and online kernels agree', () => {
    const n = 30, d = 3, beta = 2.5;
    const { W, x, kx, w } = tokens(n, d, 6);
    const vx = new Float64Array(n * d);
    applyMatrix(W.V, x, d, vx);
    const outs = [true, false].map((store) => {
      const s = new SinkhornAttention(d, n, { tol: 1e-11, maxIter: 5000 }, store);
      s.solve(beta, x, kx, w);
      const out = new Float64Array(n * d);
      s.attend(beta, w, vx, out);
      return out;
    });
    // Both solves stop at marginal error < 1e-11 from the same start; their scalings (and
    // so A) differ by round-off amplified by the iteration, well below that tolerance.
    expect(maxRelErr(outs[1], outs[0])).toBeLessThan(1e-11);
  });

  it('stored and online kernel applications agree', () => {
    const n = 30, d = 3;
    const { x, kx } = tokens(n, d, 4);
    const h = new Float64Array(n).map((_, i) => Math.sin(i) * 3);
    const outs = [true, false].map((store) => {
      const g = new DotProductGeometry(d, n, store);
      g.setTokens(x, kx);
      const a = new Float64Array(n), b = new Float64Array(n);
      g.logApply(0.25, h, a);
      g.logApplyT(0.25, h, b);
      return [a, b];
    });
    for (let k = 0; k < 2; k++) for (let i = 0; i < n; i++) expect(Math.abs(outs[0][k][i] - outs[1][k][i])).toBeLessThan(1e-12);
  });
});
