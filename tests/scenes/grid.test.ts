import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../engine/core/npy.ts';
import type { RawParams } from '../../engine/core/params.ts';
import { UsageError } from '../../engine/core/simulation.ts';
import { executeRun } from '../../cli/execute-run.ts';
import { writeNpy } from '../../node/files.ts';
import crowdMotion from '../../scenes/crowd-motion.ts';
import gridDiffusion3d from '../../scenes/grid-diffusion-3d.ts';
import gridFokkerPlanck from '../../scenes/grid-fokker-planck.ts';
import porousMedium from '../../scenes/porous-medium.ts';

const root = mkdtempSync(join(tmpdir(), 'wgf-grid-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const small: { def: typeof gridFokkerPlanck | typeof porousMedium | typeof crowdMotion | typeof gridDiffusion3d; raw: RawParams; shape: number[]; metric: string }[] = [
  { def: gridFokkerPlanck, raw: { grid: 16, steps: 3, eps: 0.03 }, shape: [16, 16], metric: 'kl_to_gibbs' },
  { def: porousMedium, raw: { grid: 16, steps: 3, eps: 2e-3, dt: 2e-3 }, shape: [16, 16], metric: 'l1_to_barenblatt' },
  { def: crowdMotion, raw: { grid: 16, steps: 3, eps: 4e-3, dt: 0.02 }, shape: [16, 16], metric: 'max_density_over_kappa' },
  { def: gridDiffusion3d, raw: { grid: 8, steps: 3, eps: 0.14 }, shape: [8, 8, 8], metric: 'kl_to_gibbs' },
];

describe('grid scenes write the run directory of docs/design.md §5.2', () => {
  for (const c of small) {
    it(`${c.def.id}: scene.json with shape and bounds, float64 frames of the grid's shape, metrics`, async () => {
      const out = join(root, c.def.id);
      const summary = await executeRun({ scene: { def: c.def }, raw: c.raw, out, every: 1 });
      expect(summary.status).toBe('ok');
      const scene = JSON.parse(readFileSync(join(out, 'scene.json'), 'utf8'));
      expect(scene.kind).toBe('grid');
      expect(scene.shape).toEqual(c.shape);
      expect(scene.bounds).toHaveLength(c.shape.length);
      const frames = readdirSync(join(out, 'frames'));
      expect(frames).toHaveLength(4);
      const last = decodeNpy(readFileSync(join(out, 'final.npy')));
      expect(last.dtype).toBe('<f8');
      expect(last.shape).toEqual(c.shape);
      let mass = 0;
      for (const v of last.data) mass += v;
      expect(Math.abs(mass - 1)).toBeLessThan(1e-12);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(4);
      expect(lines[3].sinkhorn_iterations).toBeGreaterThan(0);
      expect(lines[3].marginal_error).toBeLessThan(1e-6);
      expect(Number.isFinite(lines[3][c.metric])).toBe(true);
    });
  }

  it('--init takes a density of the scene shape and refuses a negative one in one line', async () => {
    const good = join(root, 'init-good.npy');
    const x = new Float64Array(256).fill(0);
    x[100] = 3; // a point mass (any scale: renormalized)
    writeNpy(good, x, [16, 16]);
    const s = await executeRun({ scene: { def: gridFokkerPlanck }, raw: { grid: 16, steps: 1, eps: 0.03 }, out: join(root, 'init-run'), init: good });
    expect(s.status).toBe('ok');
    const bad = join(root, 'init-bad.npy');
    x[5] = -1;
    writeNpy(bad, x, [16, 16]);
    await expect(executeRun({ scene: { def: gridFokkerPlanck }, raw: { grid: 16, steps: 1, eps: 0.03 }, out: join(root, 'init-bad'), init: bad })).rejects.toThrow(UsageError);
    await expect(executeRun({ scene: { def: gridFokkerPlanck }, raw: { grid: 16, steps: 1, eps: 0.03 }, out: join(root, 'init-bad2'), init: bad })).rejects.toThrow(/negative value \(-1\) at cell 5/);
  });
});
