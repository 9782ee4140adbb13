import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobEntropy } from '../../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { logRepulsionKernel, morseKernel, newtonRepulsionKernel, quadraticKernel, type RadialKernel } from '../../../engine/particles/radial-kernels.ts';
import { Rng } from '../../../engine/core/rng.ts';
import { applyMatrix } from '../../../engine/models/transformer/qkv.ts';
import { plainAttention } from '../../../engine/models/transformer/softmax-attention.ts';
import { retract } from '../../../engine/particles/forward-scheme.ts';
import { ACTIVATIONS, activationByName } from '../../../engine/models/mlp/activations.ts';
import { MeanFieldRisk } from '../../../engine/models/mlp/risk.ts';
import { mlpTolerance, randomMlpProblem } from './mlp-problems.ts';
import { EXP_REL_ERROR, U32, blobAbsSums, interactionAbsSums, maxScaledError, pairTolerance, separatedCloud } from './clouds.ts';

/**
 * The browser path: the same kernel sources through gpu.js's WebGL2 backend in
 * headless Chromium (software GL: SwiftShader, highp float32), through the
 * same energy hooks, against the float64 TS reference, at the same stated
 * float32 tolerance as the Node path (clouds.ts pairTolerance; measured errors
 * are below 2% of it).
 */
const CHROMIUM = '/usr/bin/chromium';
// Needs a Chromium binary (Debian's `chromium` package); absent on machines without it.
const noBrowser = !existsSync(CHROMIUM);

let browser: Browser;
let page: Page;
let workerCode = '';

beforeAll(async () => {
  if (noBrowser) return;
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
    bundle: true, write: false, format: 'iife', platform: 'browser', logLevel: 'silent',
    // wabt (engine/wasm/assembler.ts, reached through the particle mesh's SIMD kernel) requires 'fs' only on Node (as viewer/server/assets.ts).
    external: ['fs'],
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  // The viewer's in-browser mode steps scenes in a Web Worker: the same bundle, driven by messages.
  workerCode = `${bundle.outputFiles[0].text}
self.onmessage = (e) => postMessage(globalThis.wgfBackend.velocity(e.data.kind, e.data.d, e.data.x, e.data.w, e.data.delta));`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const KERNELS: Record<string, () => RadialKernel> = {
  quadratic: quadraticKernel, log: logRepulsionKernel, newton: newtonRepulsionKernel, morse: () => morseKernel(),
};

describe.skipIf(noBrowser)('gpu.js WebGL2 in headless Chromium vs TS', () => {
  const cases: [string, number, number][] = [
    ['quadratic', 1, 7], ['log', 2, 97], ['log', 2, 1], ['newton', 3, 130], ['morse', 2, 61], ['blob', 1, 97], ['blob', 2, 130], ['blob', 3, 211],
  ];
  for (const [kind, d, n] of cases) {
    it(`${kind}, d=${d}, N=${n}`, async () => {
      const cloud = separatedCloud(5 * n + d, n, d);
      const { m } = cloud;
      const delta = 2 * Math.pow(n, -1 / d);
      const ref = kind === 'blob' ? new BlobEntropy(0.1, delta) : new Interaction(KERNELS[kind]());
      const v0 = new Float64Array(n * d);
      ref.addVelocity(m, v0);
      const got = await page.evaluate(
        ([k, dd, x, w, del]) => (globalThis as any).wgfBackend.velocity(k, dd, x, w, del),
        [kind, d, Array.from(m.x), Array.from(m.w), delta] as const,
      );
      expect(got.platform).toBe('webgl2');
      expect(got.target).toBe('gpu');
      const { rMin, R } = cloud;
      const S = kind === 'blob' ? blobAbsSums(m, delta, 0.1) : interactionAbsSums(KERNELS[kind](), m);
      const worst = maxScaledError(v0, got.v, d, (i) => pairTolerance(n, R, rMin, S[i]) + (kind === 'blob' ? EXP_REL_ERROR * S[i] : 0) + 1e-300);
      expect(worst).toBeLessThanOrEqual(1);
    });
  }
});

describe.skipIf(noBrowser)('attention on gpu.js WebGL2 in headless Chromium vs plainAttention', () => {
  for (const kind of ['softmax', 'usa'] as const) {
    it(`${kind}, d=3, N=131, random QᵀK`, async () => {
      const n = 131, d = 3, beta = 2;
      const rng = new Rng(21);
      const x = new Float64Array(n * d).map(() => rng.normal());
      retract(x, d);
      const M = new Float64Array(d * d).map(() => rng.normal() / Math.sqrt(d));
      const V = new Float64Array(d * d).map(() => rng.normal() / Math.sqrt(d));
      const kx = new Float64Array(n * d);
      const vx = new Float64Array(n * d);
      applyMatrix(M, x, d, kx);
      applyMatrix(V, x, d, vx);
      const w = new Float64Array(n).map(() => 0.5 + rng.uniform());
      const sw = w.reduce((a, b) => a + b, 0);
      w.forEach((_, i) => (w[i] /= sw));
      const ref = new Float64Array(n * d);
      plainAttention(kind, beta, x, kx, vx, w, d, false, ref, new Float64Array(n));
      const got = await page.evaluate(
        ([k, xx, kk, vv, ww, b]) => (globalThis as any).wgfBackend.attention(k, 3, xx, kk, vv, ww, b),
        [kind, Array.from(x), Array.from(kx), Array.from(vx), Array.from(w), beta] as const,
      );
      expect(got.platform).toBe('webgl2');
      expect(got.done).toBe(true);
      // |x| = 1, |kx| ≤ ‖M‖, |vx| ≤ ‖V‖: the attention tolerance of attention.test.ts with S_i ≤ max|vx| (softmax) or Σ_j w_j e^{β⟨⟩}|vx_j| (USA).
      let K = 0, Vm = 0;
      for (let j = 0; j < n; j++) {
        K = Math.max(K, Math.hypot(kx[3 * j], kx[3 * j + 1], kx[3 * j + 2]));
        Vm = Math.max(Vm, Math.hypot(vx[3 * j], vx[3 * j + 1], vx[3 * j + 2]));
      }
      for (let i = 0; i < n; i++) {
        let S = Vm;
        if (kind === 'usa') {
          S = 0;
          for (let j = 0; j < n; j++) S += w[j] * Math.exp(beta * (x[3 * i] * kx[3 * j] + x[3 * i + 1] * kx[3 * j + 1] + x[3 * i + 2] * kx[3 * j + 2])) * Vm;
        }
        const tol = 2 * (8 * U32 * beta * K + 8 * U32 * n + EXP_REL_ERROR) * S;
        for (let k = 0; k < 3; k++) expect(Math.abs(got.v[3 * i + k] - ref[3 * i + k]), `i=${i} k=${k}`).toBeLessThanOrEqual(tol);
      }
    });
  }
});

describe.skipIf(noBrowser)('MLP kernels on gpu.js WebGL2 in headless Chromium vs TS (mlp-problems.ts tolerance)', () => {
  for (const act of ACTIVATIONS) {
    it(`${act}, d=3, with bias, m=67, N=131`, async () => {
      const { measure, set } = randomMlpProblem(3, 67, 131, 3, true);
      const v0 = new Float64Array(measure.x.length);
      new MeanFieldRisk(activationByName(act), set, true).addVelocity(measure, v0);
      const got = await page.evaluate(
        ([a, th, om, xt, yy]) => (globalThis as any).wgfBackend.mlp(a, 3, true, th, om, xt, yy),
        [act, Array.from(measure.x), Array.from(measure.w), Array.from(set.Xt), Array.from(set.y)] as const,
      );
      expect(got.platform).toBe('webgl2');
      expect(got.target).toBe('gpu');
      const tol = mlpTolerance(activationByName(act), true, measure, set);
      for (let c = 0; c < v0.length; c++) expect(Math.abs(got.v[c] - v0[c]), `c=${c}`).toBeLessThanOrEqual(tol[c]);
    });
  }
});

describe.skipIf(noBrowser)('the velocity kernel two partners per loop trip on gpu.js WebGL2 (odd and even N)', () => {
  // The two-partner loop (interactionVelocitySource's default) against the one-partner loop on the
  // page's WebGL2: each within the velocity's tolerance of the float64 loop, and of each other (GL
  // compilers may contract the two loops differently, so bit equality is asserted for wasm only:
  // kernels.test.ts). Odd N runs the tail after the loop.
  const cases: [string, number, number][] = [['quadratic', 1, 7], ['log', 2, 97], ['log', 2, 130], ['newton', 3, 131], ['morse', 2, 60]];
  for (const [kind, d, n] of cases) {
    it(`${kind}, d=${d}, N=${n}`, async () => {
      const cloud = separatedCloud(11 * n + d, n, d);
      const { m, rMin, R } = cloud;
      const got = await page.evaluate(
        ([k, dd, x, w]) => (globalThis as any).wgfBackend.velocityTrips(k, dd, x, w),
        [kind, d, Array.from(m.x), Array.from(m.w)] as const,
      );
      expect(got.platform).toBe('webgl2');
      const v0 = new Float64Array(n * d);
      new Interaction(KERNELS[kind]()).addVelocity(m, v0);
      const S = interactionAbsSums(KERNELS[kind](), m);
      const tol = (i: number) => pairTolerance(n, R, rMin, S[i]) + (kind === 'morse' ? EXP_REL_ERROR * S[i] : 0) + 1e-300;
      expect(maxScaledError(v0, Float64Array.from(got.one), d, tol), 'one partner per trip').toBeLessThanOrEqual(1);
      expect(maxScaledError(v0, Float64Array.from(got.two), d, tol), 'two partners per trip').toBeLessThanOrEqual(1);
      expect(maxScaledError(Float64Array.from(got.one), Float64Array.from(got.two), d, tol)).toBeLessThanOrEqual(1);
      expect(got.two.some((v: number) => v !== 0)).toBe(true);
    });
  }
});

describe.skipIf(noBrowser)('the record kernel of the log kernel on gpu.js WebGL2 (two partners per loop trip, odd N)', () => {
  // The value as the Node test of logarithmic kernels bounds it (kernels.test.ts): pairTolerance on
  // ½ Σ w w |W| plus ½|c|·2^−23 for the running product; the velocity it leaves within the velocity's
  // tolerance of the float64 loop, and equal to a fresh velocity pass's within the same bound (GL
  // compilers may contract the two kernels differently, so bit equality is asserted for wasm only).
  for (const n of [97, 130]) {
    it(`log kernel, d=2, N=${n}`, async () => {
      const d = 2;
      const { m: weighted, rMin, R } = separatedCloud(13 * n, n, d);
      const W = logRepulsionKernel();
      const x = Array.from(weighted.x);
      const got = await page.evaluate(([dd, xx]) => (globalThis as any).wgfBackend.record(dd, xx), [d, x] as const);
      expect(got.platform).toBe('webgl2');
      expect(got.target).toBe('gpu');
      const ref = new Interaction(W);
      const m = new ParticleMeasure(weighted.x, d); // uniform weights, as the page builds it
      let absF = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (m.x[i * d + k] - m.x[j * d + k]) ** 2;
        absF += 0.5 * m.w[i] * m.w[j] * Math.abs(W.value(r2));
      }
      expect(Math.abs(got.value - ref.value(m))).toBeLessThanOrEqual(pairTolerance(n, R, rMin, absF) + 0.5 * Math.abs(W.gpu!.logCoeff!) * 2 ** -23);
      const v0 = new Float64Array(n * d);
      ref.addVelocity(m, v0);
      const S = interactionAbsSums(W, m);
      const tol = (i: number) => pairTolerance(n, R, rMin, S[i]) + 1e-300;
      expect(maxScaledError(v0, got.v, d, tol)).toBeLessThanOrEqual(1);
      expect(maxScaledError(Float64Array.from(got.fresh), got.v, d, tol)).toBeLessThanOrEqual(1);
    });
  }
});

describe.skipIf(noBrowser)('gpu.js WebGL2 inside a Web Worker (OffscreenCanvas), as in the viewer\'s in-browser mode', () => {
  it('log kernel, d=2, N=211', async () => {
    const n = 211;
    const cloud = separatedCloud(9, n, 2);
    const { m, rMin, R } = cloud;
    const W = logRepulsionKernel();
    const v0 = new Float64Array(n * 2);
    new Interaction(W).addVelocity(m, v0);
    const got = await page.evaluate(async ([code, x, w]) => {
      const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      const r = await new Promise<any>((res, rej) => {
        worker.onmessage = (e) => res(e.data);
        worker.onerror = (e) => rej(new Error(e.message));
        worker.postMessage({ kind: 'log', d: 2, x, w, delta: 0 });
      });
      worker.terminate();
      return r;
    }, [workerCode, Array.from(m.x), Array.from(m.w)] as const);
    expect(got.platform).toBe('webgl2');
    expect(got.target).toBe('gpu');
    const S = interactionAbsSums(W, m);
    expect(maxScaledError(v0, got.v, 2, (i) => pairTolerance(n, R, rMin, S[i]) + 1e-300)).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(noBrowser)('the default browser install on software GL', () => {
  it('uses gpu.js WebAssembly instead of SwiftShader WebGL (no GPU behind it)', async () => {
    const r = await page.evaluate(() => (globalThis as any).wgfBackend.installDefault());
    expect(r.platform).toBe('webasm');
    const n = 130;
    const { m, rMin, R } = separatedCloud(11, n, 2);
    const v0 = new Float64Array(n * 2);
    new Interaction(logRepulsionKernel()).addVelocity(m, v0);
    const got = await page.evaluate(([x, w]) => (globalThis as any).wgfBackend.velocity('log', 2, x, w, 0), [Array.from(m.x), Array.from(m.w)] as const);
    expect(got.platform).toBe('webasm');
    const S = interactionAbsSums(logRepulsionKernel(), m);
    expect(maxScaledError(v0, got.v, 2, (i) => pairTolerance(n, R, rMin, S[i]) + 1e-300)).toBeLessThanOrEqual(1);
  });
});
