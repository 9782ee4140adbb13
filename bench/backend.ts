import {
  BlobEntropy, forwardScheme, Interaction, mlpSimulation, ParticleMeasure, Potential, Rng, activationByName, balancedNeurons,
  gaussianCloud, logRepulsionKernel, makeMlpData, newtonRepulsionKernel, quadraticPotential, type ParticleEnergy,
} from '../engine/index.ts';
import { autoTarget, createAccelerator } from '../engine/backend/index.ts';
import type { Accelerator, BackendName } from '../engine/core/accelerator.ts';
import { retract } from '../engine/particles/forward-scheme.ts';
import { applyMatrix } from '../engine/models/transformer/qkv.ts';
import { attentionLoopRequest, DeviceAttention } from '../engine/models/transformer/device-attention.ts';
import { plainAttention } from '../engine/models/transformer/softmax-attention.ts';
import { nodeThreads } from '../node/backend/node-accelerator.ts';
import { PoolPairExecutor } from '../node/backend/row-executors.ts';
import { startRowPool } from '../node/backend/row-pool.ts';
import { pythonHas, runPeer, timeIt, type BenchRow, type BenchSuite } from './harness.ts';

/**
 * Backends of the particle pair loops (docs/design.md §5.4): per kernel and N, the float64
 * TS loop, the gpu.js kernel (in Node: WebAssembly SIMD over the row pool) and
 * numpy, in the same run, with the ratios and what `auto` picks. The thresholds in
 * engine/backend/rule.ts are read off this table. Cases:
 * - interaction: one velocity evaluation, W = |z|²/2 − log|z| (2D) / + 1/|z| (3D);
 * - blob: one blob-entropy velocity (densities + forces), δ = 0.05;
 * - step: one forward step, interaction + quadratic potential (the target);
 * - attention / attention-sym: softmax attention outputs of tokens on the sphere, β = 1,
 *   random non-symmetric M = QᵀK / identity (the TS loop's symmetric fast path); no peer;
 * - mlp relu / tanh step: one mlp-mean-field step over m neurons × N points (mlpRows);
 *   numpy peers of the sizes are in `--suite models`.
 */
type Case = 'interaction' | 'blob' | 'step' | 'attention' | 'attention-sym';

/**
 * Accelerators of any request over one shared row pool (the threads `wgf run` gets), so a
 * suite compares ts and gpu.js loops without starting a pool per case.
 */
export async function benchAccelerators(): Promise<(request: BackendName) => Accelerator> {
  const threads = nodeThreads();
  const pool = await startRowPool(threads);
  let pairs: PoolPairExecutor | null = null;
  return (request) => createAccelerator({ request, platform: 'node', threads, pairs: () => (pairs ??= new PoolPairExecutor(pool)), notice: () => {} });
}

function energiesFor(c: Case, d: number): ParticleEnergy[] {
  if (c === 'blob') return [new BlobEntropy(0.1, 0.05)];
  const W = new Interaction(d === 2 ? logRepulsionKernel() : newtonRepulsionKernel());
  return c === 'step' ? [W, new Potential(quadraticPotential(1))] : [W];
}

/** Softmax attention of n tokens on the sphere: plainAttention (ts) or the gpu.js hook. */
function attentionCase(symmetric: boolean, acc: Accelerator, n: number, d: number): () => void {
  const rng = new Rng(0);
  const x = gaussianCloud(rng, n, d, 0, 1);
  retract(x, d);
  const M = Float64Array.from({ length: d * d }, (_, k) => (symmetric ? (k % (d + 1) === 0 ? 1 : 0) : rng.normal() / Math.sqrt(d)));
  const kx = new Float64Array(n * d);
  applyMatrix(M, x, d, kx);
  const w = new Float64Array(n).fill(1 / n);
  const out = new Float64Array(n * d);
  const Z = new Float64Array(n);
  const loop = acc.bindPairs(attentionLoopRequest('softmax', 1, n, d, symmetric && d === 3 ? 'attention-symmetric-3d' : 'attention'));
  if (!loop) return () => plainAttention('softmax', 1, x, kx, x, w, d, symmetric, out, Z);
  const device = new DeviceAttention(loop, 'softmax', 1, n, d);
  return () => device.attend(x, kx, x, w, out);
}

/** A callable of one evaluation of case `c` on `backend` (kernels compiled and warmed up). */
function prepareCase(c: Case, acc: Accelerator, n: number, d: number): () => void {
  if (c === 'attention' || c === 'attention-sym') {
    const fn = attentionCase(c === 'attention-sym', acc, n, d);
    fn();
    return fn;
  }
  const rng = new Rng(0);
  const m = new ParticleMeasure(gaussianCloud(rng, n, d, 0, 0.3), d);
  const energies = energiesFor(c, d);
  for (const e of energies) e.accelerate?.(acc, { n, d });
  let fn: () => void;
  if (c === 'step') {
    const scheme = forwardScheme({ energies, d, dt: 1e-3 });
    const state = scheme.init(m.x);
    fn = () => scheme.step(state);
  } else {
    const v = new Float64Array(n * d);
    fn = () => energies[0].addVelocity(m, v);
  }
  fn();
  return fn;
}

/**
 * Median times (ms) of two functions run alternately, so that load from other
 * processes on a shared machine biases both alike (ratios stay meaningful).
 */
export function timeAlternating(a: () => void, b: () => void, minMs: number, minReps: number): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  const start = performance.now();
  while (ta.length < minReps || (performance.now() - start < minMs && ta.length < 30)) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  const med = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)];
  return [med(ta), med(tb)];
}

export const backendSuite: BenchSuite = {
  name: 'backend',
  description: 'pair loops: ts (float64) vs gpu.js (float32; Node: wasm SIMD × row pool) vs numpy, and the auto pick',
  async run({ quick }) {
    const accelerator = await benchAccelerators();
    const probe = accelerator('gpu').bindPairs({ loop: 'probe', family: 'interaction', size: { n: 8, d: 1 }, kernels: [{ source: 'function (x0, w, n, i0) { return x0[this.thread.x + i0]; }', outDim: 1 }] });
    const ex = probe?.executor ?? null;
    const platform = ex?.platform ?? 'none';
    const hasNumpy = pythonHas('numpy');
    const rows: BenchRow[] = [];
    // Full sizes: the blob at N = 16384 would take minutes per row (ts and numpy), the step is the target size.
    const SIZES: Record<Case, number[]> = quick
      ? { interaction: [512, 2048], blob: [512, 2048], step: [], attention: [256, 1024], 'attention-sym': [1024] }
      : {
        interaction: [256, 512, 1024, 4096, 16384], blob: [256, 512, 1024, 4096], step: [16384],
        attention: [128, 256, 1024, 4096], 'attention-sym': [512, 1024, 2048, 4096],
      };
    for (const c of ['interaction', 'blob', 'step', 'attention', 'attention-sym'] as Case[]) {
      for (const d of [2, 3]) {
        for (const n of SIZES[c]) {
          const big = n >= 16384;
          const [ts, gpu] = ex
            ? timeAlternating(prepareCase(c, accelerator('ts'), n, d), prepareCase(c, accelerator('gpu'), n, d), big ? 1 : 400, big ? 3 : 5)
            : [timeIt(prepareCase(c, accelerator('ts'), n, d), 300, 3), NaN];
          const kernel = { interaction: 'interaction', step: 'interaction', blob: 'blob-entropy', attention: 'attention', 'attention-sym': d === 3 ? 'attention-symmetric-3d' : 'attention' }[c];
          const row: BenchRow = {
            suite: 'backend', case: c, size: `N=${n} d=${d}`, ours_ms: gpu, ours: ex ? ex.description : 'gpu (none)',
            extra: { ts_ms: ts, ts_over_gpu: ts / gpu, auto: autoTarget(platform, kernel, n, d) },
          };
          if (hasNumpy && !c.startsWith('attention')) {
            const peer = c === 'step'
              ? runPeer<{ ms: number }>('particle_step.py', { n, d, blob: false, reps: 3 })
              : runPeer<{ ms: number }>('pair_kernels.py', { n, d, kind: c, reps: 3 });
            if (peer) Object.assign(row, { peer: 'numpy', peer_ms: peer.ms, speedup: peer.ms / gpu });
          }
          rows.push(row);
        }
      }
    }
    if (ex) rows.push(...mlpRows(quick, accelerator));
    return rows;
  },
};

/**
 * The MLP families' rule (AUTO_MIN_N 'mlp-relu' / 'mlp-smooth' in pairs m·N, and the
 * data-point floor AUTO_MIN_POINTS): one full-batch mlp-mean-field step (d = 3,
 * teacher–student on the sphere, bias for tanh) on ts and gpu.js, alternating.
 */
function mlpRows(quick: boolean, accelerator: (request: BackendName) => Accelerator): BenchRow[] {
  const sizes: [number, number][] = quick
    ? [[512, 512]]
    : [[128, 512], [512, 512], [64, 4096], [4096, 64], [8192, 32], [2048, 16], [1024, 2048]];
  const rows: BenchRow[] = [];
  for (const act of ['relu', 'tanh']) {
    for (const [m, N] of sizes) {
      const build = (acc: Accelerator) => {
        const activation = activationByName(act);
        const data = makeMlpData(new Rng(0), { kind: 'sphere', d: 3, teacher: 3, train: N, test: 16, activation });
        const sim = mlpSimulation({ theta: balancedNeurons(new Rng(1), m, 3, 0.1), d: 3, activation, data, dt: 0.5, seed: 2, bias: act !== 'relu', accelerator: acc });
        sim.advance(); // warm-up (JIT, kernel compilation)
        return () => sim.advance();
      };
      const gpuAcc = accelerator('gpu');
      const autoAcc = accelerator('auto');
      build(autoAcc);
      const [ts, gpu] = timeAlternating(build(accelerator('ts')), build(gpuAcc), 400, 5);
      rows.push({
        suite: 'backend', case: `mlp ${act} step`, size: `m=${m} N=${N} d=3`, ours_ms: gpu, ours: gpuAcc.loops.risk.executor ?? 'gpu',
        extra: { ts_ms: ts, ts_over_gpu: ts / gpu, auto: autoAcc.loops.risk.target },
      });
    }
  }
  return rows;
}
