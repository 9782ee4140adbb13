import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeNpy, encodeNpy } from '../../engine/core/npy.ts';
import { wassersteinPower1d } from '../../engine/ot/exact1d.ts';
import { barycentricMap, sinkhorn } from '../../engine/ot/sinkhorn.ts';
import { runCli, tempDir } from '../cli-harness.ts';
import { uniformCloud } from '../engine/ot/clouds.ts';

const dir = tempDir('ot-cli');
const file = (name: string, data: Float64Array | Float32Array | Int32Array, shape: number[]) => {
  writeFileSync(join(dir, name), encodeNpy(data, shape));
  return join(dir, name);
};
/** `wgf ot args…` in process (tests/cli-harness.ts). */
const wgf = async (...args: string[]) => {
  const r = await runCli(['ot', ...args]);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
};

describe('wgf ot', () => {
  const x = file('x.npy', uniformCloud(60, 120, 2), [120, 2]);
  const y = file('y.npy', Float32Array.from(uniformCloud(61, 90, 2), (v) => v + 0.25), [90, 2]);

  it('prints one JSON object with the documented fields; float32 input; the shift identity holds', async () => {
    const r = await wgf(x, y, '--eps', '0.01', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const k of ['value', 'method', 'eps', 'n', 'm', 'd', 'iterations', 'marginal_error', 'converged']) expect(out, k).toHaveProperty(k);
    expect(out).toMatchObject({ method: 'sinkhorn', eps: 0.01, n: 120, m: 90, d: 2, converged: true });
    expect(out.marginal_error).toBeLessThan(1e-6);
    // S_ε of a cloud and its shift by s is |s|²/2 exactly (tests/engine/ot/divergence.test.ts).
    const xs = file('xs.npy', uniformCloud(60, 120, 2).map((v, i) => v + (i % 2 ? 0.1 : -0.2)), [120, 2]);
    const div = JSON.parse((await wgf(x, xs, '--eps', '0.05', '--method', 'divergence', '--tol', '1e-10', '--json')).stdout);
    expect(Math.abs(div.value - 0.025)).toBeLessThan(1e-8);
  });

  it('exact1d and sliced print the value in the cost convention |x−y|^p/p', async () => {
    const a = uniformCloud(62, 50, 1);
    const b = uniformCloud(63, 70, 1).map((v) => v * v);
    const fa = file('a.npy', a, [50, 1]);
    const fb = file('b.npy', b, [70]);
    const r = await wgf(fa, fb, '--method', 'exact1d');
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBeCloseTo(0.5 * wassersteinPower1d(a, b, 2), 14);
    const j = JSON.parse((await wgf(fa, fb, '--method', 'exact1d', '--p', '3', '--json')).stdout);
    expect(j.value).toBeCloseTo(wassersteinPower1d(a, b, 3) / 3, 14); // W_p^p/p, the cost convention
    expect(j.distance).toBeCloseTo(Math.cbrt(wassersteinPower1d(a, b, 3)), 12); // W_p
    const s = JSON.parse((await wgf(x, y, '--method', 'sliced', '--directions', '16', '--json')).stdout);
    expect(s.value).toBeGreaterThan(0);
    expect(s.distance).toBeCloseTo(Math.sqrt(2 * s.value), 12);
  });

  it('bad input: one line on stderr, exit code 2', async () => {
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
      const r = await wgf(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('reports non-convergence on stderr and in the JSON', async () => {
    const r = await wgf(x, y, '--eps', '1e-4', '--max-iter', '3', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).converged).toBe(false);
    expect(r.stderr).toMatch(/not converged in 3 iterations \(marginal error/);
  });

  const load = (path: string) => {
    const a = decodeNpy(new Uint8Array(readFileSync(path)));
    return { data: Float64Array.from(a.data as ArrayLike<number>), shape: a.shape };
  };
  const X = uniformCloud(60, 120, 2);
  const Y = Float64Array.from(Float32Array.from(uniformCloud(61, 90, 2), (v) => v + 0.25));

  it('--potentials, --plan and --map write f, g, π and the barycentric map, consistent with the value', async () => {
    const eps = 0.01;
    const r = await wgf(x, y, '--eps', String(eps), '--tol', '1e-10', '--potentials', join(dir, 'pot'), '--plan', join(dir, 'plan.npy'), '--map', join(dir, 'map.npy'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ converged: true, potentials: join(dir, 'pot'), plan: join(dir, 'plan.npy'), map: join(dir, 'map.npy') });
    const f = load(join(dir, 'pot', 'f.npy'));
    const g = load(join(dir, 'pot', 'g.npy'));
    const pi = load(join(dir, 'plan.npy'));
    const T = load(join(dir, 'map.npy'));
    expect([f.shape, g.shape, pi.shape, T.shape]).toEqual([[120], [90], [120, 90], [120, 2]]);
    const n = 120, m = 90;
    // value = ⟨f, a⟩ + ⟨g, b⟩ (uniform weights), to the printed value's round-off.
    const dual = f.data.reduce((s, v) => s + v / n, 0) + g.data.reduce((s, v) => s + v / m, 0);
    expect(Math.abs(dual - out.value)).toBeLessThan(1e-12);
    // The plan: columns sum to b exactly (g is the exact C-transform), rows to a within tol,
    // and the primal value ⟨C, π⟩ + ε KL(π | a⊗b) equals the dual one to ~tol × cost scale.
    let primal = 0, rowErr = 0;
    const col = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < m; j++) {
        const p = pi.data[i * m + j];
        const c = 0.5 * ((X[2 * i] - Y[2 * j]) ** 2 + (X[2 * i + 1] - Y[2 * j + 1]) ** 2);
        row += p;
        col[j] += p;
        if (p > 0) primal += p * c + eps * p * Math.log(p * n * m);
      }
      rowErr += Math.abs(row - 1 / n);
      // The map: the plan's row-normalized barycentre of y.
      for (let k = 0; k < 2; k++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += pi.data[i * m + j] * Y[2 * j + k];
        expect(Math.abs(T.data[2 * i + k] - s / row), `T(x_${i})_${k}`).toBeLessThan(1e-12);
      }
    }
    expect(rowErr).toBeLessThan(1e-10);
    for (let j = 0; j < m; j++) expect(Math.abs(col[j] - 1 / m)).toBeLessThan(1e-14);
    expect(Math.abs(primal - out.value)).toBeLessThan(1e-8);
  });

  it('--map of a cloud and its translate is the self-transport map plus the translation', async () => {
    // OT_ε(α, α + s) has the plan of OT_ε(α, α) (the cost differs by terms linear in x and y,
    // which the potentials absorb), so T(x_i) = s + Σ_j P_ij x_j, P the row-normalized
    // self-transport plan: the entropic blur of α (here ~0.05) plus s. Both solved to 1e-10.
    const s = [0.3, -0.1];
    const xs = file('xt.npy', X.map((v, i) => v + s[i % 2]), [120, 2]);
    const r = await wgf(x, xs, '--eps', '0.005', '--tol', '1e-10', '--map', join(dir, 'tmap.npy'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const T = load(join(dir, 'tmap.npy')).data;
    const self = sinkhorn(X, X, 2, { eps: 0.005, tol: 1e-10 });
    const S = barycentricMap(X, X, 2, self);
    const mean = [0, 0];
    for (let i = 0; i < 240; i++) {
      expect(Math.abs(T[i] - s[i % 2] - S[i]), `T − s vs the self map, entry ${i}`).toBeLessThan(1e-9);
      mean[i % 2] += (T[i] - X[i]) / 120;
    }
    // The map moves the mass's centre by s (rows of π sum to a_i within 1e-10).
    expect(Math.abs(mean[0] - s[0]) + Math.abs(mean[1] - s[1])).toBeLessThan(1e-9);
  });

  it('--plan is refused above 2^24 entries before solving, with the memory it would need', async () => {
    const big = file('big.npy', new Float64Array(4097).map((_, i) => i / 4097), [4097, 1]);
    const r = await wgf(big, big, '--plan', join(dir, 'never.npy'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the coupling has 4097×4097 = 16785409 entries \(0\.13 GiB as float64\); it is only formed for n·m ≤ 16777216/);
    expect(existsSync(join(dir, 'never.npy'))).toBe(false);
  });

  it('the outputs need --method sinkhorn; an unwritable path names its flag', async () => {
    const div = await wgf(x, y, '--method', 'divergence', '--potentials', join(dir, 'p2'), '--map', join(dir, 'm2.npy'));
    expect(div.status).toBe(2);
    expect(div.stderr).toMatch(/--potentials, --map need --method sinkhorn .*; got --method divergence/);
    const bad = await wgf(x, y, '--plan', join(x, 'plan.npy'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^wgf: cannot write --plan '.*x\.npy\/plan\.npy': E[A-Z]+\n$/);
  });

  it('divergence: the JSON gives each term, and a warning names the terms that did not converge', async () => {
    const r = await wgf(x, y, '--method', 'divergence', '--eps', '1e-3', '--max-iter', '40', '--mode', 'kernel', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.terms)).toEqual(['xy', 'xx', 'yy']);
    expect(out.iterations).toBe(out.terms.xy.iterations + out.terms.xx.iterations + out.terms.yy.iterations);
    // At ε = 1e-3 the cross term needs ~100 iterations, the symmetric self terms ~15.
    expect(out.terms).toMatchObject({ xy: { converged: false }, xx: { converged: true }, yy: { converged: true } });
    expect(r.stderr).toMatch(/not converged in OT\(α,β\) in \d+ iterations/);
  });
});
