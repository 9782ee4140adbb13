import { describe, expect, it } from 'vitest';
import { resolveParams, type SceneDefinition } from '../../../engine/index.ts';
import { runCollecting } from '../../run-helpers.ts';
import { aggregationDisk } from '../../../scenes/aggregation.ts';
import doubleWell from '../../../scenes/double-well.ts';
import fokkerPlanck from '../../../scenes/fokker-planck.ts';
import { referenceAccelerator } from '../../../engine/backend/accelerator.ts';

async function energies(scene: SceneDefinition<any>, raw: Record<string, string | number | boolean>) {
  const p = resolveParams(scene.params, raw);
  const sim = scene.build(p, { accelerator: referenceAccelerator() });
  const { summary, records: recs } = await runCollecting(sim, p.steps as number);
  return { summary, e: recs.map((r) => r.energy), recs };
}

describe('forward Wasserstein gradient descent', () => {
  it('decreases the energy at every step of the deterministic gradient-flow scenes', async () => {
    for (const [scene, raw] of [
      [aggregationDisk, { n: 300, steps: 60 }],
      [fokkerPlanck, { n: 300, steps: 60, entropy: 'blob' }],
      [doubleWell, { n: 300, steps: 60, entropy: 'blob' }],
    ] as const) {
      const { summary, e } = await energies(scene, raw);
      expect(summary.status).toBe('ok');
      // Forward Euler on an L-smooth energy decreases it when τ < 2/L; allow round-off only.
      for (let k = 1; k < e.length; k++) expect(e[k], `${scene.id} step ${k}`).toBeLessThanOrEqual(e[k - 1] + 1e-12 * Math.abs(e[k - 1]));
    }
  });

  it('backtracking keeps the energy decreasing with a step far too large for the plain scheme', async () => {
    const plain = await energies(aggregationDisk, { n: 200, steps: 30, dt: 1.5 });
    const bt = await energies(aggregationDisk, { n: 200, steps: 30, dt: 1.5, backtracking: true });
    expect(plain.e.some((v, k) => k > 0 && v > plain.e[k - 1])).toBe(true);
    for (let k = 1; k < bt.e.length; k++) expect(bt.e[k]).toBeLessThanOrEqual(bt.e[k - 1]);
    expect(bt.recs.some((r) => (r.tau as number) < 1.5)).toBe(true); // it did backtrack
  });

  it('backtracking is refused with Langevin noise', () => {
    const p = resolveParams(fokkerPlanck.params, { entropy: 'langevin', backtracking: true });
    expect(() => fokkerPlanck.build(p, { accelerator: referenceAccelerator() })).toThrow(/backtracking needs a deterministic flow/);
  });

  it('stops a blow-up as diverged, naming the step and suggesting a smaller dt', async () => {
    const { summary } = await energies(fokkerPlanck, { n: 50, steps: 400, dt: 3, entropy: 'langevin' });
    expect(summary.status).toBe('diverged');
    expect(summary.diverged_step).toBeGreaterThan(0);
    expect(summary.message).toMatch(/at step \d+/);
    expect(summary.message).toMatch(/smaller dt/);
  });
});
