import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendRunner, runCli as wgf, tempDir } from '../cli-harness.ts';

/**
 * `wgf run mlp-mean-field --backend gpu` end to end: the MLP kernels' choice is
 * written to scene.json, and the training risk falls as under `--backend ts`.
 *
 * Tolerance: every recorded train_risk (float64 on both sides, risk.ts) within 1e−3
 * relative of the ts run's. The float32 velocity differs from the float64 one by
 * ≲ (N + m)·2⁻²⁴ ≈ 2e−5 relative (the bound of mlp.test.ts, met with a 10× margin), and
 * the full-batch gradient flow at dt = 0.5 does not amplify such perturbations
 * over a few hundred steps (it converges to the same minimizer); measured ≈ 3e−7.
 */
function metrics(dir: string): { step: number; train_risk: number }[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** The risk loop's placement as scene.json records it: 'ts', or the executor ('gpu.js webasm ×2 threads'). */
function kernels(dir: string): Record<string, string> | undefined {
  const loops = JSON.parse(readFileSync(join(dir, 'scene.json'), 'utf8')).accelerator?.loops as Record<string, { family: string; target: string; executor?: string }> | undefined;
  return loops && Object.fromEntries(Object.values(loops).map((l) => [l.family, l.target === 'gpu' ? l.executor ?? 'gpu' : 'ts']));
}

describe('wgf run mlp-mean-field --backend gpu', () => {
  for (const [activation, family] of [['relu', 'mlp-relu'], ['gelu', 'mlp-smooth']] as const) {
    it(`${activation}: the risk decreases like the ts run's and the choice is recorded`, async () => {
      const root = tempDir('wgf-mlp-backend-');
      const args = ['run', 'mlp-mean-field', '--set', 'm=67', '--set', 'train=251', '--set', 'test=64', '--set', `activation=${activation}`,
        '--set', 'bias=true', '--steps', '300', '--every', '50', '--metrics-every', '50'];
      const run = backendRunner(args, root);
      const ts = await run('ts');
      const gpu = await run('gpu');
      expect(kernels(ts)).toEqual({ [family]: 'ts' });
      expect(kernels(gpu)?.[family]).toMatch(/^gpu\.js webasm/);
      const a = metrics(ts);
      const b = metrics(gpu);
      expect(b.map((r) => r.step)).toEqual(a.map((r) => r.step));
      expect(a[a.length - 1].train_risk).toBeLessThan(a[0].train_risk / 10);
      expect(b[b.length - 1].train_risk).toBeLessThan(b[0].train_risk / 10);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(b[i].train_risk / a[i].train_risk - 1));
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-3);
    });
  }

  it('auto: ts at the scene defaults (m·N = 512·512 = 2^18 pairs, ReLU), gpu.js from 2^19 pairs', async () => {
    const root = tempDir('wgf-mlp-auto-');
    const run = async (m: number) => {
      const out = join(root, `m${m}`);
      const r = await wgf(['run', 'mlp-mean-field', '--set', `m=${m}`, '--steps', '2', '--every', '2', '--backend', 'auto', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return out;
    };
    expect(kernels(await run(512))).toEqual({ 'mlp-relu': 'ts' });
    expect(kernels(await run(1024))?.['mlp-relu']).toMatch(/^gpu\.js webasm/);
  });
});
