import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli-harness.ts';

/**
 * examples/*.ts are the scene files the docs point to (README, docs/scenes.md). Each one
 * runs here through `wgf run` (the CLI's main, in process) with its *default* parameters,
 * and the test checks what the file's comment promises, so an example that stops doing
 * what it says, or a copy in the docs that stops running, fails CI. Every file in
 * examples/ must have a check below.
 */

interface Row { step: number; t: number; energy: number; [k: string]: number | unknown }

async function runExample(file: string, extra: string[] = []): Promise<{ rows: Row[]; summary: { status: string; steps: number } }> {
  const out = join(tempDir('example'), 'run');
  const r = await runCli(['run', join(ROOT, 'examples', file), '--out', out, '--quiet', ...extra]);
  expect(r.code, `wgf run examples/${file}\n${r.stderr}`).toBe(0);
  const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  return { rows, summary };
}

const num = (r: Row, k: string) => r[k] as number;

/** Energy non-increasing from record to record (a gradient flow with a stable step), up to round-off. */
function expectEnergyDecreasing(rows: Row[]) {
  for (let k = 1; k < rows.length; k++) expect(rows[k].energy, `step ${rows[k].step}`).toBeLessThanOrEqual(rows[k - 1].energy + 1e-12 * Math.abs(rows[k - 1].energy));
}

const checks: Record<string, () => Promise<void>> = {
  // "the rms distance to the centre falls from 3.2 to about 1.3 and stays there"
  'morse-flock.ts': async () => {
    const { rows, summary } = await runExample('morse-flock.ts');
    expect(summary).toMatchObject({ status: 'ok', steps: 300 });
    expectEnergyDecreasing(rows);
    const first = rows[0], last = rows.at(-1)!;
    // Uniform on [−4, 4]²: rms radius √(2·16/3) = 3.27 in the limit; 400 samples give 3.25.
    expect(num(first, 'rms_radius')).toBeGreaterThan(3);
    // The flock's radius is set by ℓ_a, ℓ_r (not by n): measured 1.265 at n = 400.
    expect(num(last, 'rms_radius')).toBeGreaterThan(1);
    expect(num(last, 'rms_radius')).toBeLessThan(1.5);
    expect(num(last, 'flock_radius')).toBeLessThan(2.2);
    // "stays there": settled well before the end (the last third moves it by < 1%).
    const twoThirds = rows.find((r) => r.step >= 200)!;
    expect(Math.abs(num(last, 'rms_radius') - num(twoThirds, 'rms_radius'))).toBeLessThan(0.01 * num(last, 'rms_radius'));
  },
  // "the mean radius rises from about 0.4 to about R (a little inside it)"
  'ring-swarm.ts': async () => {
    const { rows, summary } = await runExample('ring-swarm.ts', ['--set', 'n=200']);
    expect(summary.status).toBe('ok');
    expectEnergyDecreasing(rows);
    expect(num(rows[0], 'mean_radius')).toBeLessThan(0.6); // a blob of std 0.3 at the origin: 0.3·√(π/2) = 0.38
    // Morse repulsion spreads the ring a little inside R = 1.5 (measured 1.42 at n = 400).
    const r = num(rows.at(-1)!, 'mean_radius');
    expect(r).toBeLessThan(1.5);
    expect(r).toBeGreaterThan(1.3);
  },
  // "the mass on the far side (x < 0) rises from 0 to nearly its Gibbs value ½ … total mass stays 1 to round-off"
  'ring-valley.ts': async () => {
    const { rows, summary } = await runExample('ring-valley.ts');
    expect(summary).toMatchObject({ status: 'ok', steps: 100 });
    expectEnergyDecreasing(rows);
    expect(num(rows[0], 'mass_far_side')).toBeLessThan(1e-6);
    // Measured 0.458 after 100 steps (t = 5); by symmetry of V the Gibbs value is ½.
    expect(num(rows.at(-1)!, 'mass_far_side')).toBeGreaterThan(0.4);
    expect(num(rows.at(-1)!, 'mass_far_side')).toBeLessThan(0.5);
    for (const r of rows) expect(Math.abs(num(r, 'mass') - 1)).toBeLessThan(1e-12);
    expect(num(rows.at(-1)!, 'kl_to_gibbs')).toBeLessThan(0.01 * num(rows[0], 'kl_to_gibbs'));
  },
  // "the test risk falls below a tenth of its initial value"
  'network-regression.ts': async () => {
    const { rows, summary } = await runExample('network-regression.ts');
    expect(summary).toMatchObject({ status: 'ok', steps: 500 });
    expectEnergyDecreasing(rows);
    // Measured 0.098 → 0.00039 (a factor 250): a tenth leaves a wide margin.
    expect(num(rows.at(-1)!, 'test_risk')).toBeLessThan(0.1 * num(rows[0], 'test_risk'));
  },
};

describe('examples/ run with their default parameters and do what their comments say', () => {
  it('every scene file in examples/ has a check here', () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => /\.(m?[jt]s)$/.test(f)).sort();
    expect(files).toEqual(Object.keys(checks).sort());
  });
  for (const [file, check] of Object.entries(checks)) it(file, check);
});
