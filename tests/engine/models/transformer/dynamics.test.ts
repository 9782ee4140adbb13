import { describe, expect, it } from 'vitest';
import {
  AttentionField, ParamError, Rng, type TokenSimulation, attentionEnergy, countClusters, makeAttentionWeights, resolveParams, uniformSphere,
} from '../../../../engine/index.ts';
import { rk4Integrator, eulerIntegrator } from '../../../../engine/models/transformer/integrators.ts';
import scene from '../../../../scenes/transformer-tokens.ts';
import { referenceAccelerator } from '../../../../engine/backend/accelerator.ts';

const build = (raw: Record<string, string | number | boolean>) => scene.build(resolveParams(scene.params, raw), { accelerator: referenceAccelerator() }) as TokenSimulation;

function norms(x: Float64Array, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length / d; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
    out.push(Math.sqrt(r2));
  }
  return out;
}

describe('token dynamics on the sphere', () => {
  for (const attention of ['softmax', 'usa', 'sinkhorn']) {
    for (const integrator of ['euler', 'rk4']) {
      it(`tokens stay on the sphere, |x_i| = 1 to 1e-9 (${attention}, ${integrator}), and the field is tangent`, () => {
        const sim = build({ n: 24, d: 3, attention, integrator, qkv: 'random', beta: 2, dt: 0.1, seed: 3 });
        const F = new Float64Array(sim.state.x.length);
        for (let k = 0; k < 40; k++) {
          sim.field.evaluate(sim.state.x, F);
          for (let i = 0; i < 24; i++) {
            const dot = sim.state.x[3 * i] * F[3 * i] + sim.state.x[3 * i + 1] * F[3 * i + 1] + sim.state.x[3 * i + 2] * F[3 * i + 2];
            expect(Math.abs(dot)).toBeLessThan(1e-13); // P_x removes the normal part exactly up to round-off
          }
          sim.advance();
          for (const r of norms(sim.state.x, 3)) expect(Math.abs(r - 1)).toBeLessThan(1e-9);
        }
      });
    }
  }

  it('Q = K = V = I, β = 1, d = 3: random tokens collapse to one cluster (diameter < 1e-3 by t = 20)', () => {
    // Proved for d ≥ 3 (Geshkovski et al. 2023, Thm 4.1 / Markdahl et al.); with n = 32 and
    // these seeds the diameter drops below 1e-3 at t ≈ 11–12, so t = 20 leaves margin.
    for (const seed of [0, 1, 2]) {
      const sim = build({ n: 32, d: 3, beta: 1, qkv: 'identity', attention: 'softmax', dt: 0.1, seed });
      expect(sim.metrics(0).clusters).toBeGreaterThan(20);
      for (let k = 0; k < 200; k++) sim.advance(); // t = 20
      const m = sim.metrics(20);
      expect(m.diameter).toBeLessThan(1e-3);
      expect(m.clusters).toBe(1);
      // One point mass: E_β = e^β / (2β) = e/2.
      expect(sim.energy().total).toBeCloseTo(Math.E / 2, 5);
    }
  });

  it('USA with QᵀK = V symmetric: E_β increases monotonically (gradient ascent)', () => {
    for (const seed of [0, 1]) {
      const sim = build({ n: 32, d: 3, beta: 1, qkv: 'symmetric', attention: 'usa', dt: 0.05, seed });
      let prev = sim.energy().total;
      const first = prev;
      for (let k = 0; k < 200; k++) {
        sim.advance();
        const e = sim.energy().total;
        // Increases by O(dt |∇E|²) per step; at the end it is flat to round-off (~1e-15).
        expect(e).toBeGreaterThanOrEqual(prev - 1e-12);
        prev = e;
      }
      expect(prev).toBeGreaterThan(first * 1.5);
    }
  });

  it('RK4 is fourth order and Euler first order on the attention ODE', () => {
    const rng = new Rng(9);
    const n = 16, d = 3, T = 1;
    const x0 = uniformSphere(rng, n, d);
    const W = makeAttentionWeights('random', d, rng);
    const field = new AttentionField({ attention: 'softmax', beta: 1, weights: W, w: new Float64Array(n).fill(1 / n), sphere: true });
    const F = (x: Float64Array, out: Float64Array) => field.evaluate(x, out);
    const solve = (make: (s: number) => { step: (x: Float64Array, h: number, F: (x: Float64Array, o: Float64Array) => void) => void }, steps: number) => {
      const x = x0.slice();
      const it = make(x.length);
      for (let k = 0; k < steps; k++) it.step(x, T / steps, F);
      return x;
    };
    const ref = solve(rk4Integrator, 512);
    const err = (x: Float64Array) => Math.max(...Array.from(x, (v, i) => Math.abs(v - ref[i])));
    const rk = [8, 16].map((s) => err(solve(rk4Integrator, s)));
    const eu = [64, 128].map((s) => err(solve(eulerIntegrator, s)));
    // Halving h divides the error by 2^p: ≈ 16 for RK4, ≈ 2 for Euler (±25% for higher-order terms).
    expect(rk[0] / rk[1]).toBeGreaterThan(12);
    expect(rk[0] / rk[1]).toBeLessThan(20);
    expect(eu[0] / eu[1]).toBeGreaterThan(1.7);
    expect(eu[0] / eu[1]).toBeLessThan(2.3);
  });

  it('snapshot/restore continues bit-identically (sinkhorn, rk4)', () => {
    const a = build({ n: 20, d: 3, attention: 'sinkhorn', qkv: 'random', beta: 3, seed: 5 });
    for (let k = 0; k < 5; k++) a.advance();
    const c = structuredClone(a.snapshot());
    for (let k = 0; k < 5; k++) a.advance();
    const b = build({ n: 20, d: 3, attention: 'sinkhorn', qkv: 'random', beta: 3, seed: 5 });
    b.restore(c);
    for (let k = 0; k < 5; k++) b.advance();
    expect(Array.from(b.measure())).toEqual(Array.from(a.measure()));
  });

  it('in R^d, a single-point measure moves as x(t) = e^t x0 (softmax, V = I)', () => {
    const sim = build({ n: 5, d: 2, sphere: false, attention: 'softmax', dt: 0.1, seed: 2 });
    const x0 = new Float64Array([0.3, -0.4, 0.3, -0.4, 0.3, -0.4, 0.3, -0.4, 0.3, -0.4]);
    sim.setInitial(x0, [5, 2]);
    for (let k = 0; k < 20; k++) sim.advance();
    // A_ij = 1/n for coincident tokens, so ẋ = x. RK4 multiplies x by the Taylor polynomial
    // R(h) = 1 + h + h²/2 + h³/6 + h⁴/24 per step: exactly R(h)^20 up to round-off (1e-13),
    // and e^t up to 20 · h⁵/120 ≈ 1.7e-6 relative (tolerance 2e-6).
    const h = 0.1;
    const R = (1 + h + h * h / 2 + h ** 3 / 6 + h ** 4 / 24) ** 20;
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(sim.state.x[2 * i] / (0.3 * R) - 1)).toBeLessThan(1e-13);
      expect(Math.abs(sim.state.x[2 * i + 1] / (-0.4 * R) - 1)).toBeLessThan(1e-13);
      expect(Math.abs(sim.state.x[2 * i] / (0.3 * Math.exp(2)) - 1)).toBeLessThan(2e-6);
    }
    expect(sim.info.sphere).toBe(false);
  });
});

describe('token metrics', () => {
  it('counts clusters as connected components at the radius', () => {
    const x = new Float64Array([0, 0, 0.005, 0, 1, 1, 1.004, 1.004, 5, 5, 5.02, 5]);
    expect(countClusters(x, 2, 0.01)).toBe(3 + 1);
    expect(countClusters(x, 2, 0.03)).toBe(3);
    expect(countClusters(x, 2, 100)).toBe(1);
  });

  it('E_β of two antipodal equal masses is (e^β + e^{−β})/(4β)', () => {
    const x = new Float64Array([0, 0, 1, 0, 0, -1]);
    const I = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const beta = 2.5;
    // (1/2β)[¼e^β + ¼e^β + ¼e^{−β} + ¼e^{−β}]
    expect(attentionEnergy(x, new Float64Array([0.5, 0.5]), I, 3, beta)).toBeCloseTo((Math.exp(beta) + Math.exp(-beta)) / (4 * beta), 12);
  });
});

describe('interaction energy E_β', () => {
  it('equals the double sum of its definition for a non-symmetric and a symmetric M', () => {
    const rng = new Rng(4);
    const n = 21, d = 4, beta = 1.3;
    const x = uniformSphere(rng, n, d);
    const w = new Float64Array(n).map(() => 0.5 + rng.uniform());
    const sw = w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) w[i] /= sw;
    for (const kind of ['random', 'symmetric'] as const) {
      const M = makeAttentionWeights(kind, d, rng).M;
      let ref = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s += x[i * d + a] * M[a * d + b] * x[j * d + b];
        ref += w[i] * w[j] * Math.exp(beta * s);
      }
      ref /= 2 * beta;
      // n² = 441 positive terms: round-off ≲ 441 ε ≈ 1e-13 relative.
      expect(Math.abs(attentionEnergy(x, w, M, d, beta) / ref - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('transformer-tokens bad input', () => {
  it('names the parameter and the allowed values', () => {
    expect(() => resolveParams(scene.params, { attention: 'linear' })).toThrow(/parameter 'attention' must be one of softmax, usa, sinkhorn; got 'linear'/);
    expect(() => resolveParams(scene.params, { n: 0 })).toThrow(/parameter 'n' must be an integer in \[1, /);
    expect(() => resolveParams(scene.params, { beta: 'Infinity' })).toThrow(/parameter 'beta' must be a number in \(0, 1000\]/);
    expect(() => resolveParams(scene.params, { beta: 'nan' })).toThrow(ParamError);
    expect(() => resolveParams(scene.params, { qkv: 'orthogonal' })).toThrow(/parameter 'qkv' must be one of identity, random, symmetric/);
    expect(() => resolveParams(scene.params, { integrator: 'rk2' })).toThrow(/parameter 'integrator' must be one of euler, rk4/);
    expect(() => build({ d: 1, sphere: true })).toThrow(/parameter 'd' must be at least 2 with sphere=true/);
    expect(() => build({ d: 1, sphere: false, n: 5 })).not.toThrow();
  });
});

describe('countClusters on a cell grid (issue #19: a metric recorded every other step)', () => {
  /** The all-pairs count, written out here. */
  function reference(x: Float64Array, d: number, r: number): number {
    const n = x.length / d;
    const parent = Int32Array.from({ length: n }, (_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    let c = n;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (x[i * d + k] - x[j * d + k]) ** 2;
      if (s < r * r && find(i) !== find(j)) {
        parent[find(i)] = find(j);
        c--;
      }
    }
    return c;
  }

  it('equals the all-pairs count: spread and clustered points, d = 1, 2, 3, radii across scales', () => {
    const rng = new Rng(8);
    for (const d of [1, 2, 3]) {
      for (const n of [65, 400, 1500]) {
        // A few tight clusters on top of spread points, and points on a lattice of spacing exactly r.
        const x = new Float64Array(n * d);
        for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) x[i * d + k] = i % 3 === 0 ? (i % 4) + 0.003 * rng.normal() : rng.normal();
        for (const r of [1e-3, 0.01, 0.05, 0.3, 2, 100]) expect(countClusters(x, d, r), `d=${d} n=${n} r=${r}`).toBe(reference(x, d, r));
        const lattice = Float64Array.from({ length: n * d }, (_, i) => (i % 2 ? 0.1 : 0) + 0.1 * Math.floor(i / d));
        expect(countClusters(lattice, d, 0.1)).toBe(reference(lattice, d, 0.1));
      }
    }
  });
});
