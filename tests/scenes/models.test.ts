import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../engine/core/npy.ts';
import type { RawParams } from '../../engine/core/params.ts';
import { executeRun } from '../../cli/execute-run.ts';
import { findScene } from '../../scenes/index.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('model scenes end to end (run directory)', () => {
  // The network's state is its parameters [m, d+2]; its frames show the neuron picture [m, 2d+2].
  const cases: { id: string; raw: RawParams; shape: number[]; frame: number[]; metrics: string[] }[] = [
    { id: 'mlp-mean-field', raw: { m: 40, train: 64, test: 32, steps: 30 }, shape: [40, 5], frame: [40, 8], metrics: ['train_risk', 'test_risk', 'teacher_sw2'] },
    { id: 'transformer-tokens', raw: { n: 40, steps: 30, attention: 'sinkhorn' }, shape: [40, 3], frame: [40, 3], metrics: ['clusters', 'diameter', 'row_sum_min', 'col_sum_max', 'sinkhorn_iterations'] },
  ];
  for (const c of cases) {
    it(`${c.id} writes frames of shape [${c.frame.join(', ')}], metrics and final.npy of shape [${c.shape.join(', ')}]`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'wgf-models-'));
      dirs.push(out);
      const summary = await executeRun({ scene: { def: findScene(c.id)! }, raw: c.raw, out: join(out, 'run') });
      expect(summary.status).toBe('ok');
      const final = decodeNpy(new Uint8Array(readFileSync(join(out, 'run', 'final.npy'))));
      expect(final.shape).toEqual(c.shape);
      expect(decodeNpy(new Uint8Array(readFileSync(join(out, 'run', 'frames', '000030.npy')))).shape).toEqual(c.frame);
      const lines = readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[lines.length - 1].step).toBe(30);
      for (const k of c.metrics) expect(Number.isFinite(lines[lines.length - 1][k])).toBe(true);
    });
  }
});
