import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, npyToFloat64 } from '../../engine/core/npy.ts';
import { backendRunner, errorLines, runCli as wgf, tempDir } from '../cli-harness.ts';

/**
 * `wgf run --backend ts|gpu|auto` end to end: the choice is settled before the
 * run and written to scene.json (backend + accelerator.loops); auto is
 * deterministic (same command, same bits) and agrees with ts to float32
 * accuracy; a bad name is one line and a non-zero exit.
 */
function final(dir: string): { x: Float64Array; bytes: Buffer } {
  const bytes = readFileSync(join(dir, 'final.npy'));
  return { x: npyToFloat64(decodeNpy(new Uint8Array(bytes))), bytes };
}

interface Loop { family: string; target: string; precision: string; values: string; threads: number; executor?: string }

function scene(dir: string): { backend: string; accelerator: { platform: string; loops: Record<string, Loop> } } {
  return JSON.parse(readFileSync(join(dir, 'scene.json'), 'utf8'));
}

describe('wgf run --backend', () => {
  it('records the settled choice, repeats bits under auto, and agrees with ts', async () => {
    const root = tempDir('wgf-backend-');
    // N = 1031 (prime) is above the node-pool threshold for the interaction kernel.
    const args = ['run', 'aggregation-disk', '--set', 'n=1031', '--steps', '3', '--every', '3'];
    const run = async (b: string, name: string) => {
      const out = join(root, name);
      const r = await wgf([...args, '--backend', b, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return out;
    };
    const ts = await run('ts', 'ts');
    const a1 = await run('auto', 'auto1');
    const a2 = await run('auto', 'auto2');
    expect(scene(ts)).toMatchObject({ backend: 'ts', accelerator: { platform: 'node', loops: { interaction: { target: 'ts', precision: 'float64', values: 'float64', threads: 1 } } } });
    expect(scene(a1).backend).toBe('auto');
    const loop = scene(a1).accelerator.loops.interaction;
    expect(loop).toMatchObject({ family: 'interaction', target: 'gpu', precision: 'float32', values: 'float32', size: 'N=1031, d=2' });
    expect(loop.executor).toMatch(/^gpu\.js webasm( ×\d+ threads)?$/);
    expect(loop.threads).toBeGreaterThanOrEqual(1);
    expect(final(a1).bytes.equals(final(a2).bytes)).toBe(true);
    const x0 = final(ts).x;
    const x1 = final(a1).x;
    let worst = 0;
    for (let i = 0; i < x0.length; i++) worst = Math.max(worst, Math.abs(x1[i] - x0[i]));
    // 3 steps of dt = 0.02 with |v| ≲ 3 and a float32 velocity error ≲ 1e−4·|v| (kernels.test.ts): ≤ 2e−5.
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(2e-5);
  });

  it('runs transformer tokens with gpu.js attention under auto (random QKV), and agrees with ts', async () => {
    const root = tempDir('wgf-backend-tokens-');
    const args = ['run', 'transformer-tokens', '--set', 'n=517', '--set', 'qkv=random', '--steps', '2', '--every', '2'];
    const run = backendRunner(args, root);
    const ts = await run('ts');
    const auto = await run('auto');
    expect(scene(ts).accelerator.loops).toEqual({ attention: { family: 'attention', target: 'ts', precision: 'float64', values: 'float64', threads: 1, size: 'N=517, d=3' } });
    // The record's E_β comes from the attention kernel's row sums (token-field.ts evaluateAhead): float32 values.
    expect(scene(auto).accelerator.loops.attention).toMatchObject({ target: 'gpu', precision: 'float32', values: 'float32' });
    expect(scene(auto).accelerator.loops.attention.executor).toMatch(/^gpu\.js webasm/);
    const x0 = final(ts).x;
    const x1 = final(auto).x;
    let worst = 0;
    for (let i = 0; i < x0.length; i++) worst = Math.max(worst, Math.abs(x1[i] - x0[i]));
    // 2 RK4 steps of dt = 0.1 with |ẋ| ≲ 1 and a float32 velocity error ≲ 1e−5 (attention.test.ts): ≤ 1e−5.
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-5);
  });

  it('rejects an unknown backend in one line', async () => {
    const r = await wgf(['run', 'aggregation-disk', '--steps', '1', '--backend', 'cuda', '--out', join(tempDir(), 'x')]);
    expect(r.code).not.toBe(0);
    expect(errorLines(r.stderr).filter((l) => !l.includes('npm warn'))).toEqual(["wgf: unknown --backend 'cuda' (allowed: ts, gpu, auto)"]);
  });
});
