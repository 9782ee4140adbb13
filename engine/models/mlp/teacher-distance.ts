import { slicedWassersteinPower } from '../../ot/sliced.ts';
import { neuronDim } from './network.ts';

/**
 * Output-mass directions of a two-layer network: for neuron i the unit vector
 * u_i = (w_i, b_i)/|(w_i, b_i)| (b omitted when `bias` is false) with mass
 * ω_i |a_i| |(w_i, b_i)|, normalized to sum 1. For ReLU (1-homogeneous) this is the
 * 2-homogeneous projection of Chizat & Bach 2018 (§2.3): f_μ depends on μ only through
 * the signed measure Σ ω_i a_i |u_i| δ_{û_i}, so neurons with vanishing mass do not count.
 * Returns directions [m, q] and masses [m], q = d (+1 with bias).
 */
export function massDirections(
  theta: Float64Array, omega: Float64Array, d: number, bias: boolean,
  out?: { dirs: Float64Array; mass: Float64Array },
): { dirs: Float64Array; mass: Float64Array; q: number } {
  const D = neuronDim(d);
  const m = omega.length;
  const q = bias ? d + 1 : d;
  const reuse = out && out.dirs.length === m * q && out.mass.length === m;
  const dirs = reuse ? out.dirs : new Float64Array(m * q);
  const mass = reuse ? out.mass : new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    let r2 = 0;
    for (let k = 0; k < q; k++) r2 += theta[i * D + 1 + k] ** 2;
    const r = Math.sqrt(r2);
    for (let k = 0; k < q; k++) dirs[i * q + k] = r > 0 ? theta[i * D + 1 + k] / r : 0;
    mass[i] = omega[i] * Math.abs(theta[i * D]) * r;
    total += mass[i];
  }
  if (total > 0) for (let i = 0; i < m; i++) mass[i] /= total;
  else mass.fill(1 / m);
  return { dirs, mass, q };
}

/**
 * The student's direction and mass arrays per parameter array (a run's records pass the same
 * θ, moved in place): refilled in place, so that the sliced distance's per-direction sort
 * hints (ot/sliced.ts, keyed by the projected array) find last record's order — neurons move
 * little between records, and a hinted sort of nearly sorted projections is an insertion pass
 * instead of a full sort (issue #19: 64 full weighted sorts of 512 projections were most of
 * mlp-mean-field's records, ~6.7 ms each at 21 metric records).
 */
const studentBuffers = new WeakMap<Float64Array, { dirs: Float64Array; mass: Float64Array }>();

/**
 * Distance of a student network to its teacher: sliced W2 (Rabin et al. 2011; the OT
 * core's slicedWassersteinPower) between their output-mass direction measures (see
 * massDirections), SW2 = ((1/L) Σ_l W2²(P_θl# μ̂, P_θl# ν̂))^{1/2} over L fixed seeded
 * directions θ_l, so the metric is a deterministic function of the parameters.
 * θ: [m, d+2], teacher θ*: [k, d+2].
 */
export function teacherSlicedW2(
  theta: Float64Array, omega: Float64Array, teacherTheta: Float64Array, teacherOmega: Float64Array,
  d: number, bias: boolean, L = 64,
): number {
  let buffers = studentBuffers.get(theta);
  const s = massDirections(theta, omega, d, bias, buffers);
  if (!buffers || buffers.dirs !== s.dirs) studentBuffers.set(theta, (buffers = { dirs: s.dirs, mass: s.mass }));
  const t = massDirections(teacherTheta, teacherOmega, d, bias);
  return Math.sqrt(slicedWassersteinPower(s.dirs, t.dirs, s.q, { directions: L, seed: 0x5eed, p: 2, wx: s.mass, wy: t.mass }));
}
