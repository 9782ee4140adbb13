import { describe, expect, it } from 'vitest';
import { logKlProx, porousNewton } from '../../../engine/grid/kl-prox.ts';
import { emptyModel } from '../../../engine/grid/pointwise-model.ts';

/** Pointwise objective σF(q) + KL(q | r) of the model's cell 0, for brute-force checks. */
function objective(q: number, r: number, sigma: number, V: number, T: number, c: number, m: number): number {
  const F = V * q + T * (q * Math.log(q) - q) + (c * q ** m) / (m - 1);
  return sigma * F + q * Math.log(q / r) - q; // KL(q | r) without its constant r, which would swamp tiny q
}

/** Golden-section minimum of a unimodal function on [lo, hi] in log q. */
function argminLog(f: (q: number) => number, lo: number, hi: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo), b = Math.log(hi);
  for (let i = 0; i < 200; i++) {
    const c = b - g * (b - a), d = a + g * (b - a);
    if (f(Math.exp(c)) < f(Math.exp(d))) b = d;
    else a = c;
  }
  return Math.exp(0.5 * (a + b));
}

describe('KL proximal maps (docs/design.md §1.2)', () => {
  const cases = [
    { name: 'potential', V: 0.7, T: 0, c: 0, m: 2 },
    { name: 'entropy + potential', V: 0.7, T: 0.5, c: 0, m: 2 },
    { name: 'porous m=2', V: 0, T: 0, c: 3, m: 2 },
    { name: 'porous m=3 + potential + entropy', V: -0.4, T: 0.2, c: 50, m: 3 },
  ];
  for (const cs of cases) {
    for (const [r, sigma] of [[0.3, 2], [1e-3, 40], [5, 0.1]] as const) {
      it(`${cs.name}: closed form/Newton equals the brute-force minimizer (r=${r}, σ=${sigma})`, () => {
        const model = emptyModel(1);
        model.V[0] = cs.V;
        model.temperature = cs.T;
        model.porous = { coef: cs.c, m: cs.m };
        const out = new Float64Array(1);
        logKlProx(model, sigma, Float64Array.of(Math.log(r)), out);
        const ref = argminLog((q) => objective(q, r, sigma, cs.V, cs.T, cs.c, cs.m), 1e-30, 1e3);
        // Golden section in log q to 200 iterations is exact to ~1e−9 relative (flat minimum: √ulp).
        expect(Math.abs(Math.exp(out[0]) - ref) / ref).toBeLessThan(1e-6);
      });
    }
  }

  it('congestion clamps to the cap and obstacles give q = 0', () => {
    const model = emptyModel(3);
    model.cap = 0.5;
    model.mask = Uint8Array.of(0, 0, 1);
    const out = new Float64Array(3);
    logKlProx(model, 1, Float64Array.of(Math.log(2), Math.log(0.1), 0), out);
    expect(Math.exp(out[0])).toBeCloseTo(0.5, 15);
    expect(Math.exp(out[1])).toBeCloseTo(0.1, 15);
    expect(out[2]).toBe(-Infinity);
  });

  it('porous root is exact over a wide range of coefficients (residual at round-off)', () => {
    for (const A of [1, 3, 101]) {
      for (const B of [1e-6, 1, 4e3, 1e9]) {
        for (const R of [-700, -20, -1, 0, 3, 40]) {
          for (const k of [0.5, 1, 2]) {
            const x = porousNewton(A, B, k, R);
            const g = A * x + B * Math.exp(k * x) - R;
            // Residual relative to the size of the terms: a few ulps of max(|Ax|, |R|, B e^{kx}).
            expect(Math.abs(g)).toBeLessThan(1e-12 * (1 + Math.abs(R) + Math.abs(A * x)));
          }
        }
      }
    }
  });
});
