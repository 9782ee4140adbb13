import { describe, expect, it } from 'vitest';
import { activationByName, balancedNeurons, makeMlpData, mlpSimulation, Rng } from '../../../../engine/index.ts';
import { createAccelerator } from '../../../../engine/backend/accelerator.ts';
import { reluPredict3, reluVelocity3 } from '../../../../engine/models/mlp/relu-kernels.ts';
import { wasmRelu3, WasmRelu3, wasmRelu3Wat } from '../../../../engine/models/mlp/wasm-relu.ts';
import { NetworkScratch, predict } from '../../../../engine/models/mlp/network.ts';
import { compileWat, loadWatAssembler } from '../../../../engine/wasm/assembler.ts';

/** The accelerator's assembler (node/backend/node-accelerator.ts starts the same wabt). */
const assembler = await loadWatAssembler();

/**
 * Parameters θ [m, 5] and inputs Xt [3, N] with every kind of pre-activation: random signs,
 * neurons with w = 0 and b = 0 (z = +0 at every point), b = −0, neurons negative everywhere,
 * inputs at 0 (z = b), and output weights a of both signs and 0.
 */
function problem(seed: number, m: number, N: number) {
  const rng = new Rng(seed);
  const theta = new Float64Array(5 * m).map(() => 2 * rng.uniform() - 1);
  for (let i = 0; i < m; i++) {
    const o = 5 * i;
    if (i % 5 === 1) theta.fill(0, o + 1, o + 5); // z = 0 everywhere
    if (i % 5 === 2) theta[o + 4] = -0;
    if (i % 7 === 3) theta[o + 4] = -10; // z < 0 everywhere
    if (i % 11 === 4) theta[o] = 0;
  }
  const omega = new Float64Array(m).map(() => rng.uniform() / m);
  const Xt = new Float64Array(3 * N).map(() => 2 * rng.uniform() - 1);
  for (let n = 0; n < N; n += 3) for (let k = 0; k < 3; k++) Xt[k * N + n] = n % 2 ? -0 : 0;
  return { theta, omega, Xt };
}

function expectSameBits(a: Float64Array, b: Float64Array, N: number): void {
  let differ = 0;
  for (let n = 0; n < N; n++) if (!Object.is(a[n], b[n])) differ++;
  expect(differ).toBe(0);
}

describe('WebAssembly SIMD ReLU forward pass (wasm-relu.ts)', () => {
  it('assembles where wabt and SIMD are available (this Node), and not without an assembler', () => {
    expect(assembler).not.toBeNull();
    expect(compileWat(wasmRelu3Wat(), assembler)).toBeInstanceOf(WebAssembly.Module);
    expect(wasmRelu3(assembler)).toBeInstanceOf(WasmRelu3);
    expect(wasmRelu3(null)).toBeNull();
  });

  it('equals reluPredict3 bit for bit: odd and even m and N, zero and negative pre-activations', () => {
    const w = wasmRelu3(assembler)!;
    // Large sizes first, then smaller ones: the instance's layout only grows, so later calls run at a stride below its capacity.
    const sizes: [number, number][] = [[512, 512], [513, 509], [1, 1], [2, 1], [1, 2], [3, 3], [8, 7], [33, 64], [64, 33], [0, 5], [7, 0]];
    for (const [m, N] of sizes) {
      const { theta, omega, Xt } = problem(m * 1000 + N, m, N);
      const ref = new Float64Array(N + 3).fill(7);
      const got = new Float64Array(N + 3).fill(7);
      reluPredict3(theta, omega, Xt, N, ref);
      w.predict(theta, omega, Xt, N, got);
      expectSameBits(ref, got, N + 3); // f beyond N untouched by both
      if (m >= 8 && N >= 7) expect(ref.some((v, n) => n < N && v !== 0)).toBe(true); // not a trivial all-zero case
    }
  });

  it('a pair whose terms cancel gives +0 as the JavaScript loop does (f starts at +0)', () => {
    // Neurons 0 and 1: same pre-activation, opposite c: c(z + |z|) + (−c)(z + |z|) = +0 (or −0 + … ) exactly.
    const theta = new Float64Array([1, 0.5, -0.25, 2, 0.125, -1, 0.5, -0.25, 2, 0.125, 0, 1, 1, 1, -5]);
    const omega = new Float64Array([0.5, 0.5, 1]);
    const Xt = new Float64Array([0.1, -3, 0, 0.2, 1, -0, 0.3, -2, 0]);
    const ref = new Float64Array(3), got = new Float64Array(3);
    reluPredict3(theta, omega, Xt, 3, ref);
    wasmRelu3(assembler)!.predict(theta, omega, Xt, 3, got);
    expectSameBits(ref, got, 3);
  });

  it('velocity equals reluVelocity3 bit for bit: odd and even m and N, bias or not, z = 0, −0 inputs, r with zeros and negatives', () => {
    const w = wasmRelu3(assembler)!;
    const sizes: [number, number][] = [[512, 512], [513, 509], [1, 1], [2, 1], [1, 2], [3, 3], [8, 7], [33, 64], [64, 33], [0, 5], [7, 0]];
    for (const bias of [true, false]) {
      for (const [m, N] of sizes) {
        const { theta, Xt } = problem(m * 1000 + N + (bias ? 1 : 0), m, N);
        const rng = new Rng(N * 31 + m);
        const r = new Float64Array(N + 2).map(() => rng.uniform() - 0.5).fill(99, N); // beyond N: not read
        for (let n = 0; n < N; n += 4) r[n] = n % 8 ? -0 : 0;
        // v starts at values of both signs and zeros (−0 − (+0) = −0, so the start matters), with room past the m neurons (untouched).
        const v0 = new Float64Array(5 * m + 5).map((_, k) => (k % 3 === 0 ? (k % 2 ? -0 : 0) : rng.uniform() - 0.5));
        const ref = v0.slice(), got = v0.slice();
        reluVelocity3(theta, Xt, N, r, bias, ref, m);
        w.velocity(theta, Xt, N, r, bias, got, m);
        expectSameBits(ref, got, ref.length);
        if (m >= 8 && N >= 7) expect(ref.some((x, k) => x !== v0[k])).toBe(true); // the velocity moved v
      }
    }
  });

  it('velocity: a neuron with z exactly 0 at every point gets no gate, and −0 sums keep their sign as in JavaScript', () => {
    // Neuron 0: w = 0, b = 0 (z = +0 everywhere: gate +0); neuron 1: z > 0 with r summing to −0; neuron 2: b = −0, x = 0 (z = −0 + …).
    const theta = new Float64Array([1, 0, 0, 0, 0, -2, 0, 0, 0, 1, 0.5, 1, -1, 0.25, -0]);
    const Xt = new Float64Array([0, -0, 1, 0, 0, -1, -0, 0, 2]);
    for (const r of [new Float64Array([-0, -0, -0]), new Float64Array([-1, 0, 1]), new Float64Array([0.5, -0.5, -0])]) {
      const ref = new Float64Array(15).fill(-0), got = new Float64Array(15).fill(-0);
      reluVelocity3(theta, Xt, 3, r, true, ref, 3);
      wasmRelu3(assembler)!.velocity(theta, Xt, 3, r, true, got, 3);
      expectSameBits(ref, got, 15);
    }
  });

  it('predict() with the assembler has the bits of predict() without it (the scene path, memo aside)', () => {
    const act = activationByName('relu');
    const { theta, omega, Xt } = problem(5, 101, 77);
    const a = new Float64Array(77), b = new Float64Array(77);
    // Separate copies of the inputs: predict's memo is per input array, so neither call can reuse the other's result.
    predict(theta, omega, 3, act, Xt.slice(), 77, a, new NetworkScratch(), null);
    predict(theta, omega, 3, act, Xt.slice(), 77, b, new NetworkScratch(), assembler);
    expectSameBits(a, b, 77);
  });

  it.each([true, false])('a scene with the assembler follows the JavaScript trajectory bit for bit, records included (bias %s; forward pass and velocity)', (bias) => {
    const act = activationByName('relu');
    const run = (withAssembler: boolean) => {
      // Fresh data per run (equal values, distinct arrays): predict's memo is per input array.
      const data = makeMlpData(new Rng(2), { kind: 'sphere', d: 3, teacher: 3, train: 61, test: 33, activation: act });
      const theta = balancedNeurons(new Rng(4), 9, 3, 0.5);
      const accelerator = createAccelerator({ request: 'ts', assembler: withAssembler ? assembler : null });
      const sim = mlpSimulation({ theta, d: 3, activation: act, data, dt: 0.5, seed: 0, bias, accelerator });
      const out: number[] = [];
      for (let k = 0; k < 30; k++) {
        sim.advance();
        if (k % 10 === 0) out.push(sim.energy().total, ...Object.values(sim.metrics(k)));
      }
      return { x: sim.state.x.slice(), out };
    };
    const js = run(false), simd = run(true);
    expectSameBits(js.x, simd.x, js.x.length);
    expect(simd.out.every((v, k) => Object.is(v, js.out[k]))).toBe(true);
  });
});
