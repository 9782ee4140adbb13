/**
 * Bundled by browser.test.ts for headless Chromium: the browser path of the
 * backend layer (gpu.js in the page, WebGL2), driven through the same energies
 * bound to the browser's accelerator as in Node. Exposes `wgfBackend.velocity(...)` on window.
 */
import { GPU } from 'gpu.js';
import { gpuJsAccelerator } from '../../../engine/backend/index.ts';
import type { Accelerator } from '../../../engine/core/accelerator.ts';
import { activationByName } from '../../../engine/models/mlp/activations.ts';
import { MeanFieldRisk } from '../../../engine/models/mlp/risk.ts';
import { attentionLoopRequest, DeviceAttention } from '../../../engine/models/transformer/device-attention.ts';
import { BlobEntropy } from '../../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../../engine/particles/interaction.ts';
import { ParticleMeasure } from '../../../engine/particles/measure.ts';
import { logRepulsionKernel, morseKernel, newtonRepulsionKernel, quadraticKernel } from '../../../engine/particles/radial-kernels.ts';
import { GpuJsExecutor, type GpuJsConstructor } from '../../../engine/backend/gpujs-executor.ts';
import { interactionVelocitySource } from '../../../engine/backend/kernel-sources.ts';

// The page keeps WebGL2 even on SwiftShader (to test the GL path) until `installDefault` switches
// the page's later calls to the viewer's accelerator (WebAssembly instead of software GL).
let softwareGl: 'use' | 'avoid' = 'use';
const gpu = (): Accelerator => gpuJsAccelerator(GPU as unknown as GpuJsConstructor, 'gpu', null, { softwareGl });

const KERNELS = { quadratic: quadraticKernel, log: logRepulsionKernel, newton: newtonRepulsionKernel, morse: () => morseKernel() };

/** The platform of the executor an accelerator put a loop on ('none' when on ts). */
function platformOf(acc: Accelerator, n: number, d: number): string {
  const loop = acc.bindPairs({ loop: 'probe', family: 'interaction', size: { n, d }, kernels: [{ source: 'function (x0, w, n, i0) { return x0[this.thread.x + i0]; }', outDim: 1 }] });
  return loop?.executor.platform ?? 'none';
}

(globalThis as Record<string, unknown>).wgfBackend = {
  installDefault(): { platform: string; description: string } {
    softwareGl = 'avoid';
    const acc = gpu();
    const platform = platformOf(acc, 8, 1);
    return { platform, description: acc.loops.probe.executor ?? '' };
  },
  attention(kind: 'softmax' | 'usa', d: number, x: number[], kx: number[], vx: number[], w: number[], beta: number): { v: number[]; platform: string; done: boolean } {
    const acc = gpu();
    const n = w.length;
    const loop = acc.bindPairs(attentionLoopRequest(kind, beta, n, d, 'attention'));
    const out = new Float64Array(x.length);
    if (loop) new DeviceAttention(loop, kind, beta, n, d).attend(Float64Array.from(x), Float64Array.from(kx), Float64Array.from(vx), Float64Array.from(w), out);
    return { v: Array.from(out), platform: loop?.executor.platform ?? 'none', done: loop !== null };
  },
  mlp(act: string, d: number, bias: boolean, theta: number[], omega: number[], Xt: number[], y: number[]): { v: number[]; platform: string; target: string | null } {
    const set = { d, size: y.length, Xt: Float64Array.from(Xt), y: Float64Array.from(y) };
    const acc = gpu();
    const risk = new MeanFieldRisk(activationByName(act), set, bias);
    risk.accelerate(acc, { n: omega.length, d: d + 2 });
    const v = new Float64Array(theta.length);
    risk.addVelocity(new ParticleMeasure(Float64Array.from(theta), d + 2, Float64Array.from(omega)), v);
    return { v: Array.from(v), platform: platformOf(acc, 8, 1), target: acc.loops.risk.target };
  },
  velocity(kind: string, d: number, x: number[], w: number[], delta: number): { v: number[]; platform: string; target: string | null } {
    const m = new ParticleMeasure(Float64Array.from(x), d, Float64Array.from(w));
    const acc = gpu();
    const e = kind === 'blob' ? new BlobEntropy(0.1, delta) : new Interaction(KERNELS[kind as keyof typeof KERNELS]());
    e.accelerate(acc, { n: m.n, d });
    const v = new Float64Array(x.length);
    e.addVelocity(m, v);
    return { v: Array.from(v), platform: platformOf(acc, 8, 1), target: acc.loops[e.name].target };
  },
  /** The velocity kernel's rows one and two partners per loop trip (interactionVelocitySource), raw float32 on the page's gpu.js. */
  velocityTrips(kind: string, d: number, x: number[], w: number[]): { one: number[]; two: number[]; platform: string } {
    const n = w.length;
    const ex = new GpuJsExecutor(GPU as unknown as GpuJsConstructor);
    const form = KERNELS[kind as keyof typeof KERNELS]().gpu!;
    const xs = Array.from({ length: d }, (_, k) => Float32Array.from({ length: n }, (_, i) => x[i * d + k]));
    const run = (trips: 1 | 2) => {
      const out = new Float32Array(n * d);
      ex.run(interactionVelocitySource(d, form, trips), d, [...xs, Float32Array.from(w)], n, out);
      return Array.from(out);
    };
    return { one: run(1), two: run(2), platform: ex.platform };
  },
  /** The log kernel's record (uniform weights): its value, the velocity it leaves, and a fresh velocity pass's. */
  record(d: number, x: number[]): { value: number; v: number[]; fresh: number[]; platform: string; target: string | null } {
    const m = new ParticleMeasure(Float64Array.from(x), d);
    const acc = gpu();
    const e = new Interaction(logRepulsionKernel());
    e.accelerate(acc, { n: m.n, d });
    const value = e.value(m);
    const v = new Float64Array(x.length);
    e.addVelocity(m, v);
    const other = new Interaction(logRepulsionKernel());
    other.accelerate(gpu(), { n: m.n, d });
    const fresh = new Float64Array(x.length);
    other.addVelocity(m, fresh);
    return { value, v: Array.from(v), fresh: Array.from(fresh), platform: platformOf(acc, 8, 1), target: acc.loops[e.name].target };
  },
};
