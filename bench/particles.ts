import {
  BlobEntropy, forwardScheme, Interaction, ParticleMeasure, Potential, Rng, gaussianCloud,
  logRepulsionKernel, newtonRepulsionKernel, quadraticPotential, type InteractionMethodRequest, type ParticleEnergy,
} from '../engine/index.ts';
import { loadWatAssembler, type WatAssembler } from '../engine/wasm/assembler.ts';
import type { RowExecutor } from '../engine/core/row-kernel.ts';
import { createNodeAccelerator } from '../node/backend/node-accelerator.ts';
import { pythonHas, runPeer, timeIt, type BenchRow, type BenchSuite } from './harness.ts';

/** n uniform points in the unit d-ball: the aggregation equilibrium's shape, where runs spend their steps. */
function uniformBall(n: number, d: number, rng: Rng): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let r2: number;
    do {
      r2 = 0;
      for (let k = 0; k < d; k++) {
        x[i * d + k] = 2 * rng.uniform() - 1;
        r2 += x[i * d + k] ** 2;
      }
    } while (r2 > 1);
  }
  return x;
}

/**
 * One forward step of the aggregation scene's interaction + a quadratic potential, in ms
 * (median); with `assembler`, the short-range pairs of P³M run as the SIMD kernel, and with
 * `rows` (the Node accelerator's row pool) the pairs and the mesh FFTs are split over its
 * threads, as in `wgf run --backend auto`.
 */
function aggregationStep(n: number, d: number, method: InteractionMethodRequest, reps: number, assembler: WatAssembler | null = null, rows: RowExecutor | null = null): { ms: number; describe: string } {
  const rng = new Rng(0);
  const m = new ParticleMeasure(uniformBall(n, d, rng), d);
  const W = new Interaction(d === 2 ? logRepulsionKernel() : newtonRepulsionKernel(), { method, assembler, rows });
  const scheme = forwardScheme({ energies: [W, new Potential(quadraticPotential(1))], d, dt: 1e-3 });
  const state = scheme.init(m.x);
  return { ms: timeIt(() => scheme.step(state), 0, reps, reps), describe: W.describe(n, d) };
}

/** Least-squares slope of log t against log N. */
function fittedExponent(ns: number[], ms: number[]): number {
  const X = ns.map(Math.log), Y = ms.map(Math.log);
  const mx = X.reduce((a, b) => a + b, 0) / X.length, my = Y.reduce((a, b) => a + b, 0) / Y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < X.length; i++) {
    sxy += (X[i] - mx) * (Y[i] - my);
    sxx += (X[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Particle steps:
 * 1. the direct O(N²) step (interaction + potential, ± blob) at N = 1k–16k, ts vs numpy;
 * 2. the aggregation step by P³M at N = 10⁴, 10⁵, 10⁶ (2D log, 3D Coulomb) on a uniform
 *    ball, with the fitted exponent of time against N, against the direct step where it
 *    runs and the PyTorch direct step at the sizes it can hold;
 * 3. the crossover: direct and P³M at N = 1k–16k;
 * 4. the blob entropy (Fokker–Planck step) on the mesh at N = 10⁴–10⁶ in 2D.
 */
export const particleSuite: BenchSuite = {
  name: 'particles',
  description: 'forward WGD step: direct vs particle–mesh (P³M) interaction and blob entropy, numpy and torch peers',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const hasNumpy = pythonHas('numpy');
    const hasTorch = pythonHas('torch');
    const assembler = await loadWatAssembler();
    // The row pool of `wgf run --backend auto` (every core): P³M's short-range pairs and mesh FFTs.
    const pool = (await createNodeAccelerator({ request: 'auto' })).rows();
    const threads = pool?.threads ?? 1;
    if (!hasNumpy) process.stderr.write('bench: numpy not found for /usr/bin/python3 (apt-get install python3-numpy); numpy peers skipped\n');
    if (!hasTorch) process.stderr.write('bench: torch not found for /usr/bin/python3 (apt-get install python3-torch); torch peers skipped\n');
    const sizes = quick ? [1024, 4096] : [1024, 4096, 16384];
    for (const d of [2, 3]) {
      for (const blob of [false, true]) {
        for (const n of sizes) {
          const rng = new Rng(0);
          const m = new ParticleMeasure(gaussianCloud(rng, n, d, 0, 0.3), d);
          const energies: ParticleEnergy[] = [
            new Interaction(d === 2 ? logRepulsionKernel() : newtonRepulsionKernel()),
            new Potential(quadraticPotential(1)),
          ];
          if (blob) energies.push(new BlobEntropy(0.1, 0.05));
          const scheme = forwardScheme({ energies, d, dt: 1e-3 });
          const state = scheme.init(m.x);
          const ms = timeIt(() => scheme.step(state), n >= 16384 ? 1 : 300, n >= 16384 ? 2 : 3);
          const row: BenchRow = { suite: 'particles', case: blob ? 'direct interaction+potential+blob' : 'direct interaction+potential', size: `N=${n} d=${d}`, ours_ms: ms, ours: 'ts direct' };
          if (hasNumpy) {
            const peer = runPeer<{ ms: number }>('particle_step.py', { n, d, blob, reps: n >= 16384 ? 2 : 3 });
            if (peer) Object.assign(row, { peer: 'numpy', peer_ms: peer.ms, speedup: peer.ms / ms });
          }
          rows.push(row);
        }
      }
    }

    // Crossover: where P³M beats the direct step (the auto rule's AUTO_MESH_MIN_N).
    for (const d of [2, 3]) {
      for (const n of quick ? [1024, 4096] : [1024, 2048, 4096, 8192, 16384]) {
        const direct = aggregationStep(n, d, 'direct', n >= 8192 ? 1 : 3);
        const mesh = aggregationStep(n, d, 'p3m', 3, assembler, pool);
        rows.push({
          suite: 'particles', case: 'crossover: p3m vs direct (aggregation step)', size: `N=${n} d=${d}`, ours_ms: mesh.ms, ours: 'ts p3m',
          peer: 'ts direct', peer_ms: direct.ms, speedup: direct.ms / mesh.ms,
        });
      }
    }

    // Scaling of P³M to 10⁶, with the fitted exponent.
    for (const d of [2, 3]) {
      const ns = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
      const times: number[] = [];
      for (const n of ns) {
        const mesh = aggregationStep(n, d, 'p3m', n >= 1_000_000 ? 3 : 2, assembler, pool);
        times.push(mesh.ms);
        const row: BenchRow = { suite: 'particles', case: 'aggregation step, p3m (uniform ball)', size: `N=${n} d=${d}`, ours_ms: mesh.ms, ours: 'ts p3m', extra: { method: mesh.describe, threads } };
        if (n <= 10_000) {
          const direct = aggregationStep(n, d, 'direct', 1);
          row.extra!.ts_direct_ms = Math.round(direct.ms);
        }
        if (hasTorch && n <= (quick ? 10_000 : 100_000)) {
          // The direct O(N²) step at the sizes torch holds in this run's time: N = 10⁵ is one untimed-warm-up-free
          // step of minutes on the CPU (10¹⁰ pairs), given 30 minutes before it counts as failed.
          const big = n > 10_000;
          const peer = runPeer<{ ms: number; device: string; threads: number }>('particle_step_torch.py', { n, d, reps: big ? 1 : 3, warmup: !big }, big ? 1_800_000 : 600_000);
          if (peer) Object.assign(row, { peer: `torch direct (${peer.device}, ${peer.threads} threads)`, peer_ms: peer.ms, speedup: peer.ms / mesh.ms });
        }
        rows.push(row);
      }
      rows.push({ suite: 'particles', case: 'fitted exponent of p3m step time against N', size: `N=${ns.join(',')} d=${d}`, ours_ms: NaN, extra: { exponent: Number(fittedExponent(ns, times).toFixed(3)) } });
    }

    // Blob entropy on the mesh (Fokker–Planck step: potential + blob, the scene's δ rule).
    for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
      const rng = new Rng(0);
      const d = 2;
      const m = new ParticleMeasure(gaussianCloud(rng, n, d, 0, 1), d);
      const delta = 0.6 * Math.pow(n, -1 / (d + 4));
      const blob = new BlobEntropy(1, delta, { method: 'mesh' });
      const scheme = forwardScheme({ energies: [new Potential(quadraticPotential(1)), blob], d, dt: 1e-2 });
      const state = scheme.init(m.x);
      const ms = timeIt(() => scheme.step(state), 0, n >= 1_000_000 ? 1 : 2, 3);
      rows.push({ suite: 'particles', case: 'Fokker–Planck step, blob on the mesh', size: `N=${n} d=${d}`, ours_ms: ms, ours: 'ts mesh', extra: { method: blob.describe(n, d) } });
    }
    return rows;
  },
};
