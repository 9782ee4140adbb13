import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawParams } from '../../../engine/core/params.ts';
import type { SceneDefinition } from '../../../engine/core/simulation.ts';
import { executeRun, resumeRun } from '../../../cli/execute-run.ts';
import { catalogue } from '../../../scenes/index.ts';
import { fingerprint, tempDir } from '../../cli-harness.ts';
import { stepCounter } from '../../run-helpers.ts';

const TIMED = /^(scene|summary)\.json$/;

/**
 * Small sizes so that every scene runs in about a second: at most 64 particles
 * and the coarsest of 16, 32 or the scene's own grid cells per axis that the
 * scene accepts (a grid too coarse for its ε is refused).
 */
function candidates(def: SceneDefinition<any>): RawParams[] {
  const raw: RawParams = { steps: 6 };
  if ('n' in def.params) raw.n = Math.min(Number(def.params.n.default), 64);
  if (!('grid' in def.params)) return [raw];
  const own = Number(def.params.grid.default);
  return [...[16, 32].filter((g) => g < own).map((grid) => ({ ...raw, grid })), raw];
}

/**
 * Every scene of the catalogue, stopped between checkpoints and resumed, ends
 * with the same bits as when run straight through: its checkpoint() holds all
 * of its state (RNG, warm-started potentials, optimizer scalars, …).
 */
describe('checkpoint/resume of every catalogue scene', () => {
  for (const def of catalogue) {
    it(`${def.id}: a stopped and resumed run equals an uninterrupted one`, async () => {
      const scene = { def };
      const base = tempDir(`cat-${def.id}`);
      const ref = join(base, 'ref');
      let raw: RawParams | undefined;
      for (const c of candidates(def)) {
        try {
          await executeRun({ scene, raw: c, out: ref, every: 2, checkpointEvery: 3 });
          raw = c;
          break;
        } catch {
          // Refused by the scene (grid too coarse): the directory was not created; try the next size.
        }
      }
      expect(raw, 'no small size accepted').toBeDefined();
      const counter = stepCounter();
      const cut = join(base, 'cut');
      const stopped = await executeRun({ scene, raw: raw!, out: cut, every: 2, checkpointEvery: 3, outputs: [counter.callback], shouldStop: () => counter.steps() >= 4 });
      expect(stopped.status).toBe('interrupted');
      const resumed = await resumeRun({ dir: cut });
      expect(resumed.fromStep).toBe(4);
      expect(resumed.summary.status).toBe('ok');
      expect(fingerprint(cut, TIMED)).toEqual(fingerprint(ref, TIMED));
    });
  }
});
