import { UsageError } from '../core/simulation.ts';
import type { ParticleMeasure } from '../particles/measure.ts';
import type { RadialKernel } from '../particles/radial-kernels.ts';
import { pairExecutor, pairExecutorFailure, type PairExecutor } from './executor.ts';
import {
  MAX_KERNEL_DIM, blobDensitySource, blobVelocitySource, interactionEnergySource, interactionVelocitySource,
} from './kernel-sources.ts';
import type { KernelTarget } from './names.ts';
import { radialForm } from './radial-forms.ts';
import { autoTarget, smallestAutoN, smallestAutoPoints } from './rule.ts';
import { backendNotice, type BackendSlot, type RuleSize } from './scope.ts';

/**
 * The hooks the particle energies call (interaction.ts, blob-entropy.ts): each
 * returns false (or null) when the kernel stays on the float64 TypeScript loop,
 * and otherwise computes the same quantity with gpu.js in float32.
 *
 * Float32 on the device, float64 around it: positions are centred (mean
 * subtracted in float64) before the cast, so pair differences keep their
 * relative precision away from the origin; per-row sums come back as float32 and
 * are combined in float64. Energy values stay on the float64 reference under
 * `auto` (the recorded energy and the Armijo test compare values that differ by
 * far less than float32 round-off of Σ|W|); `--backend gpu` computes them on the
 * device too.
 */
const FLOAT32_VALUES =
  '--backend gpu sums energy values in float32 (relative round-off ~1e-6): backtracking (Armijo) and energy-decrease checks need --backend auto or ts';

interface Scratch {
  key: string;
  xs: Float32Array[];
  w: Float32Array;
  inv: Float32Array;
  out: Float32Array;
}

const scratches = new WeakMap<BackendSlot, Scratch>();

/**
 * Decides (once per N, d) where the slot's kernel runs, and compiles the gpu.js
 * kernels it needs, so that a kernel gpu.js cannot create is found here: `auto`
 * then falls back to the TS loop with a notice, `gpu` is a usage error. The run
 * preparation calls it before writing scene.json; the hooks call it lazily.
 */
export function settleTarget(slot: BackendSlot, rows: number, cols: number): KernelTarget {
  // The state shape goes through the slot's size map (MLP: neurons × data pairs), so the
  // run preparation (state [m, 2d+2]) and the hook (measure [m, d+2]) share one decision.
  const size: RuleSize = slot.size ? slot.size(rows, cols) : { n: rows, d: cols };
  const key = `${rows}|${size.n},${size.d},${size.points ?? ''}`;
  if (slot.target && slot.decidedFor === key) return slot.target;
  slot.decidedFor = key;
  slot.reason = null;
  slot.target = choose(slot, rows, size);
  return slot.target;
}

function choose(slot: BackendSlot, rows: number, { n, d, points, label = `N=${n}, d=${d}` }: RuleSize): KernelTarget {
  if (slot.request === 'ts' || n === 0) return 'ts';
  const fallback = (why: string, fatal: boolean): KernelTarget => {
    if (fatal && slot.request === 'gpu') throw new UsageError(`--backend gpu: ${slot.kernel} (${label}): ${why}`);
    slot.reason = why;
    backendNotice(`${slot.kernel} (${label}) runs on the float64 TypeScript loop: ${why}`);
    return 'ts';
  };
  if (d > MAX_KERNEL_DIM) return fallback(`gpu.js kernels exist for d ≤ ${MAX_KERNEL_DIM}`, false);
  const srcs = slot.sources(d, rows);
  if (!srcs) return fallback('this kernel has no gpu.js form', false);
  // Below every platform's threshold `auto` is ts whatever the platform: decide before
  // pairExecutor(), which loads gpu.js and starts its thread pool (~90 ms, and a thread
  // competing with a sweep's workers). Without gpu.js, `auto` thus says so only where some
  // platform would have used it.
  if (slot.request === 'auto' && (n < smallestAutoN(slot.kernel) || (points ?? Infinity) < smallestAutoPoints(slot.kernel))) return 'ts';
  const ex = pairExecutor();
  if (!ex) return fallback(pairExecutorFailure() ?? 'no gpu.js executor', true);
  if (slot.request === 'auto' && autoTarget(ex.platform, slot.kernel, n, d, srcs[0][0], points) === 'ts') return 'ts';
  try {
    for (const [src, outDim, shape] of srcs) {
      // A kernel with its own rows and input lengths is prepared as the executors prepare: one run on zeros.
      if (shape) ex.run(src, outDim, shape.inputs.map((len) => new Float32Array(len)), shape.rows, new Float32Array(shape.rows * outDim));
      else ex.prepare(src, outDim, n);
    }
  } catch (e) {
    return fallback(`gpu.js cannot create the kernel (${(e as Error).message.split('\n')[0]})`, true);
  }
  return 'gpu';
}

/** Float32 structure-of-arrays copy of the centred positions and the weights. */
function pack(slot: BackendSlot, m: ParticleMeasure): Scratch {
  const { n, d, x, w } = m;
  const key = `${n},${d}`;
  let s = scratches.get(slot);
  if (!s || s.key !== key) {
    s = { key, xs: Array.from({ length: d }, () => new Float32Array(n)), w: new Float32Array(n), inv: new Float32Array(n), out: new Float32Array(n * d) };
    scratches.set(slot, s);
  }
  for (let k = 0; k < d; k++) {
    let c = 0;
    for (let i = 0; i < n; i++) c += x[i * d + k];
    c /= n;
    const xk = s.xs[k];
    for (let i = 0; i < n; i++) xk[i] = x[i * d + k] - c;
  }
  s.w.set(w);
  return s;
}

function executor(): PairExecutor {
  const ex = pairExecutor();
  if (!ex) throw new Error('gpu.js executor disappeared after a kernel was prepared');
  return ex;
}

/** Adds −Σ_j w_j ∇W(x_i − x_j) into v on the device; false when the TS loop should run. */
export function acceleratedInteractionVelocity(slot: BackendSlot, W: RadialKernel, m: ParticleMeasure, v: Float64Array): boolean {
  if (settleTarget(slot, m.n, m.d) !== 'gpu') return false;
  const s = pack(slot, m);
  executor().run(interactionSources(W, m.d)![0][0], m.d, [...s.xs, s.w], m.n, s.out);
  for (let i = 0; i < v.length; i++) v[i] += s.out[i];
  return true;
}

/** F = ½ Σ_i w_i Σ_{j≠i} w_j W(r²_ij) (+ ½ Σ w_i² W(0) if W is regular), only under `--backend gpu`. */
export function acceleratedInteractionValue(slot: BackendSlot, W: RadialKernel, m: ParticleMeasure): number | null {
  if (slot.request !== 'gpu' || settleTarget(slot, m.n, m.d) !== 'gpu') return null;
  backendNotice(FLOAT32_VALUES);
  const s = pack(slot, m);
  executor().run(interactionSources(W, m.d)![1][0], 1, [...s.xs, s.w], m.n, s.out);
  let e = 0;
  for (let i = 0; i < m.n; i++) e += m.w[i] * s.out[i];
  e *= 0.5;
  if (!W.singular) {
    let w2 = 0;
    for (let i = 0; i < m.n; i++) w2 += m.w[i] * m.w[i];
    e += 0.5 * w2 * W.value(0);
  }
  return e;
}

/**
 * Unnormalized blob sums s_i = Σ_j w_j e^{−|x_i−x_j|²/(2δ²)} into s (float64);
 * the density is ρ_i = (2πδ²)^{−d/2} s_i. Returns the scratch for the velocity pass.
 */
function blobSums(slot: BackendSlot, m: ParticleMeasure, delta: number): Scratch {
  const c = 1 / (2 * delta * delta);
  const s = pack(slot, m);
  executor().run(blobDensitySource(m.d, c), 1, [...s.xs, s.w], m.n, s.out);
  return s;
}

/** gpu.js sources of the interaction: [velocity (d per row), energy rows (1 per row)], null without a form. */
export function interactionSources(W: RadialKernel, d: number): [string, number][] | null {
  const form = radialForm(W);
  if (!form) return null;
  return [[interactionVelocitySource(d, form, W.name.startsWith('power-')), d], [interactionEnergySource(d, form), 1]];
}

/** gpu.js sources of the blob entropy: [sums s_i (1 per row), velocity (d per row)]. */
export function blobSources(d: number, delta: number): [string, number][] {
  const c = 1 / (2 * delta * delta);
  return [[blobDensitySource(d, c), 1], [blobVelocitySource(d, c), d]];
}

/**
 * Blob-entropy velocity σ/δ² Σ_j w_j e^{−c r²_ij} (1/s_i + 1/s_j)(x_i − x_j) — the
 * normalization (2πδ²)^{−d/2} of ρ = norm·s cancels, which keeps float32 in range
 * for small δ in 3D. Two device passes (sums, then velocities); false for TS.
 */
export function acceleratedBlobVelocity(slot: BackendSlot, m: ParticleMeasure, delta: number, temperature: number, v: Float64Array): boolean {
  const { n, d } = m;
  if (settleTarget(slot, n, d) !== 'gpu') return false;
  const s = blobSums(slot, m, delta);
  for (let i = 0; i < n; i++) s.inv[i] = 1 / s.out[i];
  executor().run(blobVelocitySource(d, 1 / (2 * delta * delta)), d, [...s.xs, s.w, s.inv], n, s.out);
  const scale = temperature / (delta * delta);
  for (let i = 0; i < v.length; i++) v[i] += scale * s.out[i];
  return true;
}

/** Blob densities ρ_i on the device into rho (float64), only under `--backend gpu`; false for TS. */
export function acceleratedBlobDensity(slot: BackendSlot, m: ParticleMeasure, delta: number, rho: Float64Array): boolean {
  if (slot.request !== 'gpu' || settleTarget(slot, m.n, m.d) !== 'gpu') return false;
  backendNotice(FLOAT32_VALUES);
  const s = blobSums(slot, m, delta);
  const norm = Math.pow(2 * Math.PI * delta * delta, -m.d / 2);
  for (let i = 0; i < m.n; i++) rho[i] = norm * s.out[i];
  return true;
}
