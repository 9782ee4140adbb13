import { describe, expect, it } from 'vitest';
import { BlobEntropy } from '../../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';
import {
  gaussianKernel, logRepulsionKernel, morseKernel, newtonRepulsionKernel, powerKernel, quadraticKernel, type RadialKernel,
} from '../../../engine/particles/radial-kernels.ts';
import { bound, useTwoThreadPool } from './executors.ts';
import { EXP_REL_ERROR, blobAbsSums, interactionAbsSums, maxScaledError, pairTolerance, separatedCloud } from './clouds.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { sumKernel } from '../../../engine/energy/free-energy.ts';
import { GpuJsExecutor } from '../../../engine/backend/gpujs-executor.ts';
import { interactionEnergySource, interactionRecordSource, interactionVelocitySource, LOG_EPS2 } from '../../../engine/backend/kernel-sources.ts';
import { gpuJs } from '../../../node/backend/row-kernels.ts';

/**
 * Every gpu.js pair kernel against its float64 TypeScript reference, through the
 * engine's own hooks (`--backend gpu`), on the Node executor (gpu.js WebAssembly
 * SIMD split over 2 threads): 1D/2D/3D, non-uniform weights, N = 1, N prime, N
 * not a multiple of 4, N large enough that the rows are split over threads.
 * Tolerance: pairTolerance (clouds.ts), per particle and coordinate.
 */
const accelerator = useTwoThreadPool();

const KERNELS: [string, () => RadialKernel][] = [
  ['quadratic', quadraticKernel],
  ['log', logRepulsionKernel],
  ['newton', newtonRepulsionKernel],
  ['gaussian', () => gaussianKernel(0.7, 1.3)],
  ['morse', () => morseKernel()],
  ['power 4,2', () => powerKernel(4, 2)],
  ['power 2,-1', () => powerKernel(2, -1)],
  // A free energy's W as a sum of terms (engine/energy/free-energy.ts): one gpu.js form for the sum.
  ['free-energy sum c|z|²/2 + A e^{…}', () => sumKernel([{ kind: 'quadratic', strength: 0.7 }, { kind: 'gaussian', amplitude: 0.9, width: 0.6 }])],
];
const SIZES = [1, 7, 97, 130, 1031];

describe('interaction kernels: gpu.js (float32) vs TS (float64)', () => {
  for (const [name, make] of KERNELS) {
    for (const d of [1, 2, 3]) {
      it(`${name}, d=${d}, N ∈ {${SIZES.join(', ')}}`, () => {
        for (const n of SIZES) {
          const { m, rMin, R } = separatedCloud(17 * n + d, n, d, n === 97 ? 10 : 0);
          const W = make();
          const ref = new Interaction(W);
          const acc = accelerator('gpu');
          const gpu = bound(new Interaction(W), acc, n, d);
          const v0 = new Float64Array(n * d);
          const v1 = new Float64Array(n * d);
          ref.addVelocity(m, v0);
          gpu.addVelocity(m, v1);
          expect(acc.loops[gpu.name]?.target, `N=${n}`).toBe('gpu');
          const S = interactionAbsSums(W, m);
          // Gaussian and Morse use the inline exponential: EXP_REL_ERROR relative per term on top.
          const expTerm = name === 'gaussian' || name === 'morse' ? EXP_REL_ERROR : 0;
          expect(maxScaledError(v0, v1, d, (i) => pairTolerance(n, R, rMin, S[i]) + expTerm * S[i] + 1e-300), `velocity N=${n}`).toBeLessThanOrEqual(1);
          if (n === 1) expect(Array.from(v1)).toEqual(new Array(d).fill(0));
          // Energy: |ΔF| ≤ tol · ½ Σ_i Σ_{j≠i} w_i w_j |W(r_ij)| (+ the regular self term, exact on both sides).
          let absF = 0;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
            if (i === j) continue;
            let r2 = 0;
            for (let k = 0; k < d; k++) r2 += (m.x[i * d + k] - m.x[j * d + k]) ** 2;
            absF += 0.5 * m.w[i] * m.w[j] * Math.abs(W.value(r2));
          }
          expect(Math.abs(gpu.value(m) - ref.value(m)), `energy N=${n}`).toBeLessThanOrEqual(pairTolerance(n, R, rMin, absF) + 1e-300);
        }
      });
    }
  }
});

describe('logarithmic kernels: the value as a running product on the device (uniform weights)', () => {
  // W = V + c log r²: Σ_j log r²_ij is taken as log Π_j r²_ij (kernel-sources.ts). On top of the
  // per-pair float32 error of pairTolerance, the product of N factors rounds ≤ N·2⁻²⁴ relative
  // per row (renormalisations by 2^±64 are exact), so log P_i is off by ≤ N·2⁻²³ and F by
  // ≤ ½|c|·Σ_i w_i·(1/N)·N·2⁻²³ = ½|c|·2⁻²³.
  for (const [name, make] of [['log', logRepulsionKernel], ['power 2,0', () => powerKernel(2, 0)]] as const) {
    for (const d of [1, 2, 3]) {
      it(`${name}, d=${d}, N ∈ {${SIZES.join(', ')}}`, () => {
        for (const n of SIZES) {
          const { m: weighted, rMin, R } = separatedCloud(23 * n + d, n, d, n === 97 ? 10 : 0);
          const m = new ParticleMeasure(weighted.x, d); // uniform weights
          const W = make();
          const acc = accelerator('gpu');
          const gpu = bound(new Interaction(W), acc, n, d);
          expect(acc.loops.interaction).toMatchObject({ target: 'gpu', values: 'float32' });
          let absF = 0;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
            if (i === j) continue;
            let r2 = 0;
            for (let k = 0; k < d; k++) r2 += (m.x[i * d + k] - m.x[j * d + k]) ** 2;
            absF += 0.5 * m.w[i] * m.w[j] * Math.abs(W.value(r2));
          }
          const tol = pairTolerance(n, R, rMin, absF) + 0.5 * Math.abs(W.gpu!.logCoeff!) * 2 ** -23;
          const err = Math.abs(gpu.value(m) - new Interaction(W).value(m));
          expect(err, `energy N=${n}`).toBeLessThanOrEqual(tol);
          if (n > 1) expect(err, `energy N=${n} ran on the device`).toBeGreaterThan(0);
        }
      });
    }
  }
});

describe('record kernel of a logarithmic W: the running product over factors from 2^−20 to 2^18 (renormalized both ways)', () => {
  // Two clusters of 32 particles 2^−10 apart, at −2^8 + k·2^−10 and 2^8 − k·2^−10: a row's product
  // falls to ~2^−360 over its own cluster (factors 2^−20..2^−10), then climbs by ~2^18 per partner in
  // the other. The mean is 0 and every position and difference is a float32 number (the device
  // centres positions: device-pairs.ts), so r² = z² rounds once (2^−24 relative: 2^−24 in log r²)
  // and the product ≤ 2^−24 per factor (the scalings by 2^±64 are exact): with uniform weights 1/N, F's
  // error is ≤ ½|c|·N·(1/N)·2·2^−24 = |c|·2^−24; allowed: |c|·2^−22.
  for (const d of [1, 2]) {
    it(`log kernel, d=${d}: the recorded value equals the float64 one within |c|·2^−22, the velocity the velocity kernel's`, () => {
      const n = 64;
      const x = new Float64Array(n * d);
      for (let k = 0; k < 32; k++) {
        x[k * d] = -(2 ** 8) + k * 2 ** -10;
        x[(32 + k) * d] = 2 ** 8 - k * 2 ** -10;
      }
      const m = new ParticleMeasure(x, d);
      const W = logRepulsionKernel();
      const acc = accelerator('gpu');
      const gpu = bound(new Interaction(W), acc, n, d);
      const value = gpu.value(m);
      const want = new Interaction(W).value(m);
      expect(Number.isFinite(value)).toBe(true);
      expect(Math.abs(value - want)).toBeLessThanOrEqual(Math.abs(W.gpu!.logCoeff!) * 2 ** -22);
      // The record's velocity rows are the velocity kernel's (the next step's velocity at this state).
      const v = new Float64Array(n * d);
      gpu.addVelocity(m, v);
      const fresh = new Float64Array(n * d);
      bound(new Interaction(W), accelerator('gpu'), n, d).addVelocity(m, fresh);
      expect(Array.from(v)).toEqual(Array.from(fresh));
    });
  }
});

describe('record kernel of a logarithmic W: two partners per loop trip (odd N, runs of tiny and huge factors)', () => {
  // N = 65: 21 particles at k·2^−16 (k = −10..10, in this order: the diagonal's factor 2^−60 shares a
  // trip with a neighbour 2^−16 away, r² = 2^−32), then 22 at −2^16 + k·2^−4 and 22 at 2^16 − k·2^−4.
  // A row multiplies ~20 factors from 2^−32 to 2^−23 in a row, then 44 from ~2^−8 to ~2^34: the pair
  // products q = ra·rb fall below 1 and rise above 2^64 (both scalings of q), the running product
  // leaves [2^−64, 2^64) both ways, and the last partner (j = 64) is the tail. The mean is 0, so the
  // device's centring leaves the positions as they are.
  // Per row: every factor is off by ≤ 5·2^−24 relative (the difference z, z², the 2^−60 offset, its
  // share of the two products q and p·q'), so Σ_j log r²_ij by ≤ N·5·2^−24 (+ the offset's own
  // 2^−60/r² ≤ 2^−28 on the 2^−32 factors).
  const n = 65;
  const positions = (d: number): Float64Array => {
    const x = new Float64Array(n * d);
    for (let k = -10; k <= 10; k++) x[(k + 10) * d] = k * 2 ** -16;
    for (let k = 0; k < 22; k++) {
      x[(21 + k) * d] = -(2 ** 16) + k * 2 ** -4;
      x[(43 + k) * d] = 2 ** 16 - k * 2 ** -4;
    }
    return x;
  };
  for (const d of [1, 2]) {
    it(`d=${d}: the kernel's rows (log P_i + k_i log 2) within N·5·2^−24 of float64, k_i whole scalings, F within |c|·2^−22`, () => {
      const W = logRepulsionKernel();
      const x = positions(d);
      const xs = Array.from({ length: d }, (_, k) => Float32Array.from({ length: n }, (_, i) => x[i * d + k]));
      const w = new Float32Array(n).fill(1 / n);
      const ex = new GpuJsExecutor(gpuJs());
      const lanes = d + 2;
      const out = new Float32Array(n * lanes);
      ex.run(interactionRecordSource(d, W.gpu!)!, lanes, [...xs, w], n, out);
      const vel = new Float32Array(n * d);
      ex.run(interactionVelocitySource(d, W.gpu!), d, [...xs, w], n, vel);
      let crossings = 0;
      for (let i = 0; i < n; i++) {
        let want = 0;
        for (let j = 0; j < n; j++) {
          let r2 = 0;
          for (let k = 0; k < d; k++) r2 += (x[i * d + k] - x[j * d + k]) ** 2;
          want += Math.log(i === j ? LOG_EPS2 : r2);
        }
        const kI = out[i * lanes + d + 1];
        expect(kI % 64, `row ${i}: k is whole scalings by 2^64`).toBe(0);
        if (kI !== 0) crossings++;
        const got = Math.log(out[i * lanes + d]) + kI * Math.LN2;
        expect(Math.abs(got - want), `row ${i}`).toBeLessThanOrEqual(n * 5 * 2 ** -24 + 20 * 2 ** -28);
        // The velocity lanes are the velocity kernel's, bit for bit.
        for (let k = 0; k < d; k++) expect(Object.is(out[i * lanes + k], vel[i * d + k]), `row ${i} lane ${k}`).toBe(true);
      }
      expect(crossings, 'rows whose product left [2^−64, 2^64)').toBe(n);
      // Through the energy (the host's sum of the rows), against the float64 loop. Here W's quadratic
      // part is ~2^31 (r² up to 2^34): both float64 sums of it round off ≤ n·2^−53 of its magnitude
      // absQ each, far above |c|·2^−22 (one row's k off by 64 would move F by ~3e−3).
      const m = new ParticleMeasure(x, d);
      let absQ = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (x[i * d + k] - x[j * d + k]) ** 2;
        absQ += 0.5 * (1 / n) * (1 / n) * 0.5 * r2;
      }
      const gpu = bound(new Interaction(W), accelerator('gpu'), n, d);
      const err = Math.abs(gpu.value(m) - new Interaction(W).value(m));
      expect(err).toBeLessThanOrEqual(Math.abs(W.gpu!.logCoeff!) * 2 ** -22 + 2 * n * 2 ** -53 * absQ);
    });
  }
});

describe('velocity, record and value kernels two partners per loop trip: the one-partner loops\' rows bit for bit', () => {
  // interactionVelocitySource's default takes partners j, j + 1 per trip (an odd last one as a tail),
  // each partner's statements in the one-partner loop's order: the same float32 operations on every
  // v_k in the same order. On gpu.js WebAssembly (IEEE float32, no contraction) the rows are equal bit
  // for bit, for odd and even N, over every form of the list (clamped power forms, exponential
  // preludes, sums) and d = 1..3, with non-uniform weights and a cluster (N = 97) of close pairs.
  const ex = new GpuJsExecutor(gpuJs());
  for (const [name, make] of [...KERNELS, ['power 2,0 (log part)', () => powerKernel(2, 0)] as [string, () => RadialKernel]]) {
    it(`${name}, d = 1..3, N ∈ {1, 2, 7, 97, 130}`, () => {
      for (const d of [1, 2, 3]) {
        for (const n of [1, 2, 7, 97, 130]) {
          const { m } = separatedCloud(29 * n + d, n, d, n === 97 ? 10 : 0);
          const xs = Array.from({ length: d }, (_, k) => Float32Array.from({ length: n }, (_, i) => m.x[i * d + k]));
          const w = Float32Array.from(m.w);
          const one = new Float32Array(n * d);
          const two = new Float32Array(n * d);
          const src1 = interactionVelocitySource(d, make().gpu!, 1);
          const src2 = interactionVelocitySource(d, make().gpu!);
          expect(src2, 'the default is the two-partner loop').not.toBe(src1);
          ex.run(src1, d, [...xs, w], n, one);
          ex.run(src2, d, [...xs, w], n, two);
          for (let c = 0; c < n * d; c++) expect(Object.is(two[c], one[c]), `d=${d} N=${n} row ${Math.floor(c / d)} lane ${c % d}: ${two[c]} vs ${one[c]}`).toBe(true);
          if (n > 1) expect(one.some((v) => v !== 0), `d=${d} N=${n}: a non-zero velocity`).toBe(true);
          // The non-logarithmic record kernel (velocity and e_i lanes) two partners per trip: its rows are
          // the one-partner record kernel's, bit for bit, and its velocity lanes the velocity kernel's.
          const W = make().gpu!;
          if (W.logCoeff === undefined && d + 1 <= 4) {
            const rec1 = new Float32Array(n * (d + 1));
            const rec2 = new Float32Array(n * (d + 1));
            ex.run(interactionRecordSource(d, W, 1)!, d + 1, [...xs, w], n, rec1);
            ex.run(interactionRecordSource(d, W)!, d + 1, [...xs, w], n, rec2);
            for (let c = 0; c < rec1.length; c++) expect(Object.is(rec2[c], rec1[c]), `record d=${d} N=${n} row ${Math.floor(c / (d + 1))} lane ${c % (d + 1)}`).toBe(true);
            for (let c = 0; c < n * d; c++) expect(Object.is(rec2[Math.floor(c / d) * (d + 1) + (c % d)], one[c]), `record velocity d=${d} N=${n}`).toBe(true);
            if (n > 1) expect(rec1.some((v, c) => c % (d + 1) === d && v !== 0), `record d=${d} N=${n}: a non-zero e lane`).toBe(true);
          }
          // The value kernel (where no record kernel fits): e_i, and P_i, k_i of a logarithmic W, equal too.
          const lanes = W.logCoeff === undefined ? 1 : 3;
          const e1 = new Float32Array(n * lanes);
          const e2 = new Float32Array(n * lanes);
          ex.run(interactionEnergySource(d, W, 1), lanes, [...xs, w], n, e1);
          ex.run(interactionEnergySource(d, W), lanes, [...xs, w], n, e2);
          for (let c = 0; c < e1.length; c++) expect(Object.is(e2[c], e1[c]), `value d=${d} N=${n} row ${Math.floor(c / lanes)} lane ${c % lanes}`).toBe(true);
          if (n > 1) expect(e1.some((v, c) => c % lanes === 0 && v !== 0), `value d=${d} N=${n}: a non-zero e lane`).toBe(true);
        }
      }
    });
  }
});

describe('blob entropy kernels: gpu.js (float32) vs TS (float64)', () => {
  for (const d of [1, 2, 3]) {
    it(`d=${d}, N ∈ {${SIZES.join(', ')}}`, () => {
      for (const n of SIZES) {
        const { m, rMin, R } = separatedCloud(31 * n + d, n, d, n === 97 ? 10 : 0);
        const delta = 2 * Math.pow(n, -1 / d);
        const sigma = 0.1;
        const ref = new BlobEntropy(sigma, delta);
        const acc = accelerator('gpu');
        const gpu = bound(new BlobEntropy(sigma, delta), acc, n, d);
        const v0 = new Float64Array(n * d);
        const v1 = new Float64Array(n * d);
        ref.addVelocity(m, v0);
        gpu.addVelocity(m, v1);
        expect(acc.loops[gpu.name]?.target, `N=${n}`).toBe('gpu');
        const S = blobAbsSums(m, delta, sigma);
        // The inline exponential adds EXP_REL_ERROR relative per term (exp-source.ts).
        expect(maxScaledError(v0, v1, d, (i) => pairTolerance(n, R, rMin, S[i]) + EXP_REL_ERROR * S[i] + 1e-300), `velocity N=${n}`).toBeLessThanOrEqual(1);
        // Value σ Σ w_i log ρ_i: each ρ_i is a positive sum, relative error ≤ tol, so |ΔF| ≤ σ · tol.
        expect(Math.abs(gpu.value(m) - ref.value(m)), `value N=${n}`).toBeLessThanOrEqual(pairTolerance(n, R, rMin, sigma) + EXP_REL_ERROR * sigma);
      }
    });
  }
});

describe('record kernel: a recorded value leaves the velocity of its state (issue #19)', () => {
  // interactionRecordSource runs the velocity kernel's statements with the value's beside them:
  // the next step's velocity at a recorded state is those rows, the same bits as the velocity kernel's.
  for (const [name, make] of KERNELS) {
    for (const d of [1, 2, 3]) {
      it(`${name}, d=${d}: value then velocity equal a fresh device velocity bit for bit, and follow in-place moves`, () => {
        const n = 130;
        const { m: weighted } = separatedCloud(5 * n + d, n, d, 0);
        const m = new ParticleMeasure(weighted.x, d); // uniform weights (the logarithmic value needs them)
        const W = make();
        const acc = accelerator('gpu');
        const shared = bound(new Interaction(W), acc, n, d);
        for (let round = 0; round < 2; round++) {
          const value = shared.value(m);
          const v = new Float64Array(n * d).fill(0.5);
          shared.addVelocity(m, v);
          const want = new Float64Array(n * d).fill(0.5);
          bound(new Interaction(W), accelerator('gpu'), n, d).addVelocity(m, want);
          expect(Array.from(v), `round ${round}`).toEqual(Array.from(want));
          expect(Number.isFinite(value)).toBe(true);
          for (let i = 0; i < m.x.length; i++) m.x[i] += 1e-3 * (want[i] - 0.5);
        }
      });
    }
  }
});
