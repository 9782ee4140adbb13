/**
 * Bundled by browser.test.ts for headless Chromium: the browser path of the
 * backend layer (gpu.js in the page, WebGL2), driven through the same energy
 * hooks as in Node. Exposes `wgfBackend.velocity(...)` on window.
 */
import { GPU } from 'gpu.js';
import { acceleratedAttention, attentionSlotSources, backendSlot, installGpuJsBackend, pairExecutor, withBackend } from '../../engine/backend/index.ts';
import { activationByName } from '../../engine/models/mlp/activations.ts';
import { MeanFieldRisk } from '../../engine/models/mlp/risk.ts';
import { BlobEntropy } from '../../engine/particles/blob-entropy.ts';
import { Interaction } from '../../engine/particles/interaction.ts';
import { ParticleMeasure } from '../../engine/particles/measure.ts';
import { logRepulsionKernel, morseKernel, newtonRepulsionKernel, quadraticKernel } from '../../engine/particles/radial-kernels.ts';
import type { GpuJsConstructor } from '../../engine/backend/gpujs-executor.ts';

// The page keeps WebGL2 even on SwiftShader (to test the GL path); `default` re-installs as the viewer does.
installGpuJsBackend(GPU as unknown as GpuJsConstructor, {}, { softwareGl: 'use' });

const KERNELS = { quadratic: quadraticKernel, log: logRepulsionKernel, newton: newtonRepulsionKernel, morse: () => morseKernel() };

(globalThis as Record<string, unknown>).wgfBackend = {
  installDefault(): { platform: string; description: string } {
    installGpuJsBackend(GPU as unknown as GpuJsConstructor);
    const ex = pairExecutor();
    return { platform: ex?.platform ?? 'none', description: ex?.description ?? '' };
  },
  attention(kind: string, d: number, x: number[], kx: number[], vx: number[], w: number[], beta: number): { v: number[]; platform: string; done: boolean } {
    const { value: slot } = withBackend('gpu', () => backendSlot('attention', attentionSlotSources(kind, beta)));
    const out = new Float64Array(x.length);
    const done = acceleratedAttention(slot, kind, beta, Float64Array.from(x), Float64Array.from(kx), Float64Array.from(vx), Float64Array.from(w), d, out);
    return { v: Array.from(out), platform: pairExecutor()?.platform ?? 'none', done };
  },
  mlp(act: string, d: number, bias: boolean, theta: number[], omega: number[], Xt: number[], y: number[]): { v: number[]; platform: string; target: string | null } {
    const set = { d, size: y.length, Xt: Float64Array.from(Xt), y: Float64Array.from(y) };
    const { value: risk } = withBackend('gpu', () => new MeanFieldRisk(activationByName(act), set, bias));
    const v = new Float64Array(theta.length);
    risk.addVelocity(new ParticleMeasure(Float64Array.from(theta), d + 2, Float64Array.from(omega)), v);
    return { v: Array.from(v), platform: pairExecutor()?.platform ?? 'none', target: risk.backend.target };
  },
  velocity(kind: string, d: number, x: number[], w: number[], delta: number): { v: number[]; platform: string; target: string | null } {
    const m = new ParticleMeasure(Float64Array.from(x), d, Float64Array.from(w));
    const { value: e } = withBackend('gpu', () =>
      kind === 'blob' ? new BlobEntropy(0.1, delta) : new Interaction(KERNELS[kind as keyof typeof KERNELS]()));
    const v = new Float64Array(x.length);
    e.addVelocity(m, v);
    return { v: Array.from(v), platform: pairExecutor()?.platform ?? 'none', target: e.backend.target };
  },
};
