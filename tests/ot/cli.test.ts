import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../engine/core/npy.ts';
import { wassersteinPower1d } from '../../engine/ot/exact1d.ts';
import { uniformCloud } from './clouds.ts';

const dir = mkdtempSync(join(tmpdir(), 'wgf-ot-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Float64Array | Float32Array | Int32Array, shape: number[]) => {
  writeFileSync(join(dir, name), encodeNpy(data, shape));
  return join(dir, name);
};
const wgf = (...args: string[]) => spawnSync(process.execPath, ['bin/wgf.mjs', 'ot', ...args], { encoding: 'utf8' });

describe('wgf ot', () => {
  const x = file('x.npy', uniformCloud(60, 120, 2), [120, 2]);
  const y = file('y.npy', Float32Array.from(uniformCloud(61, 90, 2), (v) => v + 0.25), [90, 2]);

  it('prints one JSON object with the documented fields; float32 input; the shift identity holds', () => {
    const r = wgf(x, y, '--eps', '0.01', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const k of ['value', 'method', 'eps', 'n', 'm', 'd', 'iterations', 'marginal_error', 'converged']) expect(out, k).toHaveProperty(k);
    expect(out).toMatchObject({ method: 'sinkhorn', eps: 0.01, n: 120, m: 90, d: 2, converged: true });
    expect(out.marginal_error).toBeLessThan(1e-6);
    // S_ε of a cloud and its shift by s is |s|²/2 exactly (tests/ot/divergence.test.ts).
    const xs = file('xs.npy', uniformCloud(60, 120, 2).map((v, i) => v + (i % 2 ? 0.1 : -0.2)), [120, 2]);
    const div = JSON.parse(wgf(x, xs, '--eps', '0.05', '--method', 'divergence', '--tol', '1e-10', '--json').stdout);
    expect(Math.abs(div.value - 0.025)).toBeLessThan(1e-8);
  });

  it('exact1d and sliced print the value in the cost convention |x−y|^p/p', () => {
    const a = uniformCloud(62, 50, 1);
    const b = uniformCloud(63, 70, 1).map((v) => v * v);
    const fa = file('a.npy', a, [50, 1]);
    const fb = file('b.npy', b, [70]);
    const r = wgf(fa, fb, '--method', 'exact1d');
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBeCloseTo(0.5 * wassersteinPower1d(a, b, 2), 14);
    const s = JSON.parse(wgf(x, y, '--method', 'sliced', '--directions', '16', '--json').stdout);
    expect(s.value).toBeGreaterThan(0);
    expect(s.distance).toBeCloseTo(Math.sqrt(2 * s.value), 12);
  });

  it('bad input: one line on stderr, exit code 2', () => {
    const x3 = file('x3.npy', uniformCloud(64, 30, 3), [10, 9]);
    const ints = file('i.npy', new Int32Array(8), [4, 2]);
    const nan = file('nan.npy', new Float64Array([0, 1, NaN, 2]), [2, 2]);
    const neg = file('neg.npy', new Float64Array(120).fill(-1), [120]);
    const zero = file('zero.npy', new Float64Array(120), [120]);
    writeFileSync(join(dir, 'text.npy'), 'not numpy');
    const cases: [string[], RegExp][] = [
      [[x, x3], /dimension mismatch: .* has d = 2, .* has d = 9/],
      [[ints, y], /has dtype <i4; expected float32 \(<f4\) or float64 \(<f8\)/],
      [[nan, y], /x: entry 2 \(point 1\) is NaN/],
      [[x, y, '--wx', neg], /wx: weight 0 is -1; weights must be finite and ≥ 0/],
      [[x, y, '--wx', zero], /wx: all weights are zero/],
      [[x, y, '--eps', '0'], /--eps must be a positive number; got '0'/],
      [[join(dir, 'text.npy'), y], /is not a readable NPY file/],
      [[x, y, '--method', 'emd'], /--method must be one of sinkhorn, divergence, exact1d, sliced; got 'emd'/],
      [[x, y, '--method', 'exact1d'], /exact1d needs d = 1; got d = 2/],
    ];
    for (const [args, msg] of cases) {
      const r = wgf(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('reports non-convergence on stderr and in the JSON', () => {
    const r = wgf(x, y, '--eps', '1e-4', '--max-iter', '3', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).converged).toBe(false);
    expect(r.stderr).toMatch(/not converged in 3 iterations \(marginal error/);
  });
});
