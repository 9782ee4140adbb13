import {
  BlobEntropy, forwardScheme, Interaction, ParticleMeasure, Potential, Rng, gaussianCloud,
  logRepulsionKernel, newtonRepulsionKernel, quadraticPotential, type ParticleEnergy,
} from '../engine/index.ts';
import { pythonHas, runPeer, timeIt, type BenchRow, type BenchSuite } from './harness.ts';

/**
 * One forward step of attractive–repulsive interaction + quadratic potential
 * (+ blob entropy) at N = 1k, 4k, 16k in 2D and 3D, against the same step in numpy.
 */
export const particleSuite: BenchSuite = {
  name: 'particles',
  description: 'forward WGD step: interaction + potential (+ blob entropy), ts vs numpy',
  async run({ quick }) {
    const rows: BenchRow[] = [];
    const hasNumpy = pythonHas('numpy');
    if (!hasNumpy) process.stderr.write('bench: numpy not found for /usr/bin/python3 (apt-get install python3-numpy); peers skipped\n');
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
          const row: BenchRow = { suite: 'particles', case: blob ? 'interaction+potential+blob' : 'interaction+potential', size: `N=${n} d=${d}`, ours_ms: ms, ours: 'ts' };
          if (hasNumpy) {
            const peer = runPeer<{ ms: number }>('particle_step.py', { n, d, blob, reps: n >= 16384 ? 2 : 3 });
            if (peer) Object.assign(row, { peer: 'numpy', peer_ms: peer.ms, speedup: peer.ms / ms });
          }
          rows.push(row);
        }
      }
    }
    return rows;
  },
};
