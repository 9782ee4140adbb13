import { afterEach, describe, expect, it } from 'vitest';
import { AUTO_MIN_N, AUTO_MIN_POINTS, type PairExecutor } from '../../../engine/backend/index.ts';
import type { Accelerator, BackendName } from '../../../engine/core/accelerator.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { UsageError } from '../../../engine/core/simulation.ts';
import { activationByName } from '../../../engine/models/mlp/activations.ts';
import { makeMlpData } from '../../../engine/models/mlp/dataset.ts';
import { balancedNeurons } from '../../../engine/models/mlp/init.ts';
import { mlpSimulation } from '../../../engine/models/mlp/mlp-simulation.ts';
import { failingExecutor, testAccelerator } from './executors.ts';

/**
 * The MLP kernels fall back like the pair kernels (fallback.test.ts): when gpu.js
 * cannot create them (forced through the executor seam), `auto` keeps the float64
 * TS loop — same bits, one notice, one attempt — and `--backend gpu` is one clear
 * usage error; below the rule's size auto never touches gpu.js.
 */
const notices: string[] = [];
let pairs: () => PairExecutor = () => {
  throw new Error('no executor');
};
afterEach(() => {
  notices.length = 0;
});

/** The simulation built on an accelerator of `backend` (its decisions in `acc.loops`). */
function simulation(act: string, m: number, N: number, d: number, bias: boolean, backend: BackendName): { value: ReturnType<typeof mlpSimulation>; acc: Accelerator } {
  const activation = activationByName(act);
  const data = makeMlpData(new Rng(1), { kind: 'gaussian', d, teacher: 2, train: N, test: 8, activation });
  const acc = testAccelerator(backend, () => pairs(), notices);
  return { value: mlpSimulation({ theta: balancedNeurons(new Rng(2), m, d, 0.5), d, activation, data, dt: 0.5, seed: 3, bias, accelerator: acc }), acc };
}

describe('MLP kernels: auto falls back when gpu.js cannot create them', () => {
  for (const [act, family, bias] of [['relu', 'mlp-relu', false], ['sigmoid', 'mlp-smooth', true]] as const) {
    it(`${act}: settled once before the run (scene.json), same bits as ts, one notice; gpu is a usage error`, () => {
      const calls = { prepare: 0, run: 0 };
      pairs = () => failingExecutor(calls);
      const N = 257;
      const m = Math.ceil(AUTO_MIN_N['node-pool'][family] / N);
      const ref = simulation(act, m, N, 3, bias, 'ts').value;
      const { value: auto, acc } = simulation(act, m, N, 3, bias, 'auto');
      // Decided once, when the simulation is built (scene.json records it).
      expect(acc.loops.risk).toMatchObject({ family, target: 'ts', reason: expect.stringMatching(/^gpu.js cannot create the kernel \(forced/) });
      for (let s = 0; s < 3; s++) {
        ref.advance();
        auto.advance();
      }
      expect(calls).toEqual({ prepare: 0, run: 1 });
      expect(Array.from(auto.measure())).toEqual(Array.from(ref.measure()));
      expect(notices).toEqual([
        `wgflow backend: ${family} (m=${m} × N=${N}, d=3) runs on the float64 TypeScript loop: gpu.js cannot create the kernel (forced: run without a kernel)`,
      ]);
      expect(() => simulation(act, m, N, 3, bias, 'gpu')).toThrow(UsageError);
      expect(() => simulation(act, m, N, 3, bias, 'gpu')).toThrow(new RegExp(`^--backend gpu: ${family} \\(m=${m} × N=${N}, d=3\\): gpu.js cannot create the kernel`));
    });
  }

  it('below the rule size auto never touches gpu.js; d > 3 stays on TS with a notice even under gpu', () => {
    const calls = { prepare: 0, run: 0 };
    pairs = () => failingExecutor(calls);
    const N = 64;
    const m = AUTO_MIN_N['node-pool']['mlp-relu'] / N - 1;
    const { value: small, acc: smallAcc } = simulation('relu', m, N, 3, false, 'auto');
    small.advance();
    expect(smallAcc.loops.risk.target).toBe('ts');
    expect(calls).toEqual({ prepare: 0, run: 0 });
    expect(notices).toHaveLength(0);
    const ref = simulation('tanh', 9, 31, 4, true, 'ts').value;
    const gpu = simulation('tanh', 9, 31, 4, true, 'gpu').value;
    ref.advance();
    gpu.advance();
    expect(Array.from(gpu.measure())).toEqual(Array.from(ref.measure()));
    expect(notices).toEqual(['wgflow backend: mlp-smooth (m=9 × N=31, d=4) runs on the float64 TypeScript loop: gpu.js kernels exist for d ≤ 3']);
    // Enough pairs but too few data points per velocity (AUTO_MIN_POINTS): auto stays on ts, silently.
    const floor = AUTO_MIN_POINTS['node-pool']['mlp-relu'];
    const { value: few, acc: fewAcc } = simulation('relu', Math.ceil((4 * AUTO_MIN_N['node-pool']['mlp-relu']) / (floor - 1)), floor - 1, 3, false, 'auto');
    few.advance();
    expect(fewAcc.loops.risk.target).toBe('ts');
    expect(calls).toEqual({ prepare: 0, run: 0 });
    expect(notices).toHaveLength(1);
  });

  it('a minibatch run is settled before the run for m × batch size, not m × training set size', () => {
    // B = 100 of N = 4000 with m = 256: m·B = 25600 is below the threshold, m·N = 1024000 above it.
    pairs = () => failingExecutor({ prepare: 0, run: 0 });
    const activation = activationByName('relu');
    const data = makeMlpData(new Rng(1), { kind: 'gaussian', d: 3, teacher: 2, train: 4000, test: 8, activation });
    const batched = testAccelerator('auto', () => pairs(), notices);
    mlpSimulation({ theta: balancedNeurons(new Rng(2), 256, 3, 0.5), d: 3, activation, data, dt: 0.5, seed: 3, batch: 100, accelerator: batched });
    const min = AUTO_MIN_N['node-pool']['mlp-relu'];
    expect(256 * 100 < min && 256 * 4000 >= min).toBe(true);
    expect(batched.loops.risk).toMatchObject({ family: 'mlp-relu', target: 'ts', size: 'm=256 × N=100, d=3' });
    expect(batched.loops.risk.reason).toBeUndefined();
    const full = testAccelerator('auto', () => pairs(), notices);
    mlpSimulation({ theta: balancedNeurons(new Rng(2), 256, 3, 0.5), d: 3, activation, data, dt: 0.5, seed: 3, accelerator: full });
    expect(full.loops.risk.reason).toMatch(/^gpu.js cannot create/);
    expect(notices).toHaveLength(1);
  });
});
