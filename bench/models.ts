import {
  mlpSimulation, Rng, tokenSimulation, type Simulation, type TokenSimulation, activationByName, balancedNeurons, makeAttentionWeights, makeMlpData, uniformSphere,
} from '../engine/index.ts';
import type { Accelerator } from '../engine/core/accelerator.ts';
import { benchAccelerators, timeAlternating } from './backend.ts';
import { pythonHas, runPeer, timeIt, type BenchRow, type BenchSuite } from './harness.ts';

function tokenSim(n: number, attention: 'softmax' | 'sinkhorn'): TokenSimulation {
  const rng = new Rng(0);
  return tokenSimulation({
    x: uniformSphere(rng, n, 3), w: new Float64Array(n).fill(1 / n), weights: makeAttentionWeights('identity', 3, rng),
    attention, beta: 1, sphere: true, integrator: 'rk4', dt: 0.1, clusterRadius: 0.01, sinkhorn: { tol: 1e-9, maxIter: 1000 },
  });
}

function mlpSim(m: number, N: number, accelerator?: Accelerator): Simulation {
  const activation = activationByName('relu');
  const data = makeMlpData(new Rng(0), { kind: 'sphere', d: 3, teacher: 3, train: N, test: 16, activation });
  return mlpSimulation({ theta: balancedNeurons(new Rng(1), m, 3, 0.1), d: 3, activation, data, dt: 0.5, seed: 2, bias: false, accelerator });
}

/**
 * Time per step of the two model scenes against numpy versions of the same step:
 * transformer-tokens (softmax attention, Q = K = V = I, RK4 on S², n = 1024, 4096) and
 * mlp-mean-field (ReLU, full batch, N = 2048 points in R³, m = 1024, 4096); Sinkhorn
 * attention (n = 1024) is timed alone, with its iteration count. The MLP step is timed
 * on ts (float64) and on gpu.js (float32 kernels, mlp-hooks.ts) alternately in one
 * process (medians: load from other processes biases both alike), with `auto`'s pick.
 */
export const modelsSuite: BenchSuite = {
  name: 'models',
  description: 'transformer-tokens RK4 step and mlp-mean-field step, ts (and gpu.js for the MLP) vs numpy',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const hasNumpy = pythonHas('numpy');
    if (!hasNumpy) process.stderr.write('bench: numpy not found for /usr/bin/python3 (apt-get install python3-numpy); peers skipped\n');
    const big = (s: number) => s >= 4096;
    for (const n of quick ? [1024] : [1024, 4096]) {
      const sim = tokenSim(n, 'softmax');
      const ms = timeIt(() => sim.advance(), big(n) ? 1 : 300, big(n) ? 2 : 3);
      const row: BenchRow = { suite: 'models', case: 'tokens softmax rk4 step', size: `n=${n} d=3`, ours_ms: ms, ours: 'ts' };
      if (hasNumpy) {
        const peer = runPeer<{ ms: number }>('models_tokens.py', { n, d: 3, reps: big(n) ? 2 : 3 });
        if (peer) Object.assign(row, { peer: 'numpy', peer_ms: peer.ms, speedup: peer.ms / ms });
      }
      rows.push(row);
    }
    {
      const n = quick ? 256 : 1024;
      const sim = tokenSim(n, 'sinkhorn');
      const ms = timeIt(() => sim.advance(), 1, 2);
      rows.push({ suite: 'models', case: 'tokens sinkhorn rk4 step', size: `n=${n} d=3`, ours_ms: ms, ours: 'ts', extra: { iterations: sim.field.sinkhorn!.last.iterations } });
    }
    const N = 2048;
    const accelerator = await benchAccelerators();
    for (const m of quick ? [1024] : [1024, 4096]) {
      const sim = mlpSim(m, N);
      const gpu = accelerator('gpu');
      const gpuSim = mlpSim(m, N, gpu);
      const auto = accelerator('auto');
      mlpSim(m, N, auto);
      let ms: number;
      let gpuMs = NaN;
      if (gpuSim) {
        sim.advance(); // warm-up (JIT, kernel compilation)
        gpuSim.advance();
        [ms, gpuMs] = timeAlternating(() => sim.advance(), () => gpuSim.advance(), big(m) ? 1 : 400, big(m) ? 5 : 9);
      } else {
        ms = timeIt(() => sim.advance(), big(m) ? 1 : 300, 3);
      }
      const row: BenchRow = {
        suite: 'models', case: 'mlp relu full-batch step', size: `m=${m} N=${N} d=3`, ours_ms: ms, ours: 'ts',
        extra: { gpu_ms: gpuMs, gpu: gpu.loops.risk.executor ?? 'none', ts_over_gpu: ms / gpuMs, auto: auto.loops.risk.target },
      };
      if (hasNumpy) {
        const peer = runPeer<{ ms: number }>('models_mlp.py', { m, N, d: 3, reps: 3 });
        if (peer) {
          Object.assign(row, { peer: 'numpy', peer_ms: peer.ms, speedup: peer.ms / ms });
          row.extra!.numpy_over_gpu = peer.ms / gpuMs;
        }
      }
      rows.push(row);
    }
    return rows;
  },
};
