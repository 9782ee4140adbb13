import { describe, expect, it } from 'vitest';
import { indexCsv, type IndexRow } from '../../../cli/sweep/index-file.ts';
import { meanByValue } from '../../../cli/sweep/summary-plot.ts';

function row(run: string, params: IndexRow['params'], status: IndexRow['status'], final: Record<string, number> | null, message?: string): IndexRow {
  return { run, params, status, steps: final ? 10 : null, t: final ? 0.1 : null, wall_seconds: final ? 0.5 : null, final, ...(message ? { message } : {}) };
}

const rows: IndexRow[] = [
  row('a', { dt: 0.2, mode: 'x' }, 'ok', { energy: 1, w: 2 }),
  row('b', { dt: 0.1, mode: 'x' }, 'ok', { energy: 3, w: 4 }),
  row('c', { dt: 0.2, mode: 'y' }, 'ok', { energy: 5, w: 10 }),
  row('d', { dt: 0.1, mode: 'y' }, 'diverged', { energy: 7, w: 1e9 }),
  row('e', { dt: 0.3, mode: 'y' }, 'failed', null, 'boom, "quoted"'),
];

describe('sweep index and summary', () => {
  it('summary points are per-value means over ok runs, numbers sorted, categories in order', () => {
    expect(meanByValue(rows, 'dt', 'w')).toEqual({ x: [0.1, 0.2], y: [4, 6], categories: null });
    expect(meanByValue(rows, 'mode', 'w')).toEqual({ x: [0, 1], y: [3, 10], categories: ['x', 'y'] });
    expect(meanByValue(rows, 'mode', 'energy').y).toEqual([2, 5]);
  });

  it('CSV has one column per swept parameter and metric, empty cells for missing values, quoted messages', () => {
    const lines = indexCsv(rows).trim().split('\n');
    expect(lines[0]).toBe('run,dt,mode,status,steps,t,wall_seconds,energy,w,message');
    expect(lines[1]).toBe('a,0.2,x,ok,10,0.1,0.5,1,2,');
    expect(lines[4]).toBe('d,0.1,y,diverged,10,0.1,0.5,7,1000000000,');
    expect(lines[5]).toBe('e,0.3,y,failed,,,,,,"boom, ""quoted"""');
  });
});
