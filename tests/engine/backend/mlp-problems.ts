import { Rng } from '../../../engine/core/rng.ts';
import type { Activation } from '../../../engine/models/mlp/activations.ts';
import type { RegressionSet } from '../../../engine/models/mlp/network.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { EXP_REL_ERROR, U32 } from './clouds.ts';

/**
 * Random MLP problems and the stated float32 tolerance of the gpu.js MLP kernels
 * (engine/backend/mlp-sources.ts), shared by the Node and browser tests.
 *
 * Tolerance per neuron and component, derived as in kernels.test.ts (unit roundoff
 * u = 2⁻²⁴ times sums of absolute terms). For a pair (i, k), S = |b| + Σ|w_q x_q|;
 * casting θ and x to float32 and the dot product move z by δ = (d+3)u·S; the inline
 * exponential and the float32 activation formula add ε_σ = (EXP_REL_ERROR + 16u)(1+|z|)(1+z²)
 * to σ and σ' (smooth activations only; it covers GELU's z³ terms); L = 1.2 ≥ sup|σ'|,
 * L₂ = 1 ≥ sup|σ''|. Then
 * - forward: |Δf_k| ≤ (m+2)u Σ_i |c_i|(|σ(z)| + Lδ) + Σ_i |c_i|(Lδ + ε_σ) (sequential sum of m terms);
 * - residual r_k = (f_k − y_k)/N: |Δr_k| ≤ |Δf_k|/N + u|r_k| (cast);
 * - backward, term T per pair with error E_T: |Δv| ≤ Σ_k (N+2)u|r_k T| + |r_k| E_T + |Δr_k|(|T| + E_T).
 *   ReLU's gate 1{z > 0} may flip where |z| ≤ δ (E_T = the whole term there); its
 *   a-component is ⟨(w, b), g⟩ (1-homogeneity), so its terms are bounded by S.
 */
const L = 1.2;
const L2 = 1;

export function randomMlpProblem(seed: number, m: number, N: number, d: number, bias: boolean): { measure: ParticleMeasure; set: RegressionSet } {
  const rng = new Rng(seed);
  const D = d + 2;
  const theta = new Float64Array(m * D);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < D - 1; q++) theta[i * D + q] = rng.normal();
    theta[i * D + D - 1] = bias ? rng.normal() : 0;
  }
  const omega = Float64Array.from({ length: m }, () => 0.2 + rng.uniform());
  const so = omega.reduce((a, b) => a + b, 0);
  for (let i = 0; i < m; i++) omega[i] /= so;
  const Xt = Float64Array.from({ length: d * N }, () => rng.normal());
  const y = Float64Array.from({ length: N }, () => rng.normal());
  return { measure: new ParticleMeasure(theta, D, omega), set: { d, size: N, Xt, y } };
}

/** Per-component bounds [m, d+2] of |v_gpu − v_ts| (see the file comment). */
export function mlpTolerance(act: Activation, bias: boolean, measure: ParticleMeasure, set: RegressionSet): Float64Array {
  const { d, size: N, Xt, y } = set;
  const D = d + 2;
  const m = measure.n;
  const th = measure.x;
  const relu = act.name === 'relu';
  const pair = (i: number, k: number) => {
    let z = th[i * D + d + 1];
    let S = Math.abs(z);
    for (let q = 0; q < d; q++) {
      z += th[i * D + 1 + q] * Xt[q * N + k];
      S += Math.abs(th[i * D + 1 + q] * Xt[q * N + k]);
    }
    const delta = (d + 3) * U32 * S;
    const eps = relu ? 0 : (EXP_REL_ERROR + 16 * U32) * (1 + Math.abs(z)) * (1 + z * z);
    return { z, S, delta, eps };
  };
  const r = new Float64Array(N);
  const dr = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    let f = 0;
    let absF = 0;
    let errF = 0;
    for (let i = 0; i < m; i++) {
      const c = Math.abs(measure.w[i] * th[i * D]);
      const { z, delta, eps } = pair(i, k);
      f += measure.w[i] * th[i * D] * act.value(z);
      absF += c * (Math.abs(act.value(z)) + L * delta);
      errF += c * (L * delta + eps);
    }
    r[k] = (f - y[k]) / N;
    dr[k] = ((m + 2) * U32 * absF + errF) / N + U32 * Math.abs(r[k]);
  }
  const tol = new Float64Array(m * D);
  for (let i = 0; i < m; i++) {
    const a = Math.abs(th[i * D]);
    for (let k = 0; k < N; k++) {
      const { z, S, delta, eps } = pair(i, k);
      const rk = Math.abs(r[k]);
      const add = (col: number, T: number, E: number) => {
        tol[i * D + col] += (N + 2) * U32 * rk * T + rk * E + dr[k] * (T + E);
      };
      if (relu) {
        const g = z > 0 ? 1 : 0;
        const flip = Math.abs(z) <= delta ? 1 : 0;
        add(0, g * S, flip * S);
        for (let q = 0; q < d; q++) {
          const x = Math.abs(Xt[q * N + k]);
          add(1 + q, a * g * x, a * flip * x);
        }
        if (bias) add(d + 1, a * g, a * flip);
      } else {
        const ds = Math.abs(act.derivative(z));
        add(0, Math.abs(act.value(z)), L * delta + eps);
        for (let q = 0; q < d; q++) {
          const x = Math.abs(Xt[q * N + k]);
          add(1 + q, a * ds * x, a * x * (L2 * delta + eps));
        }
        if (bias) add(d + 1, a * ds, a * (L2 * delta + eps));
      }
    }
  }
  return tol;
}

