import { lineChartsSvg, type Series } from '../../engine/plot/line-chart.ts';
import type { IndexRow } from './index-file.ts';

/**
 * The points of one summary panel: for each value of parameter `p` (numbers
 * sorted; choice and boolean values at 0, 1, 2, … in order of appearance), the
 * mean of `metric` over the runs with that value that ended 'ok'. Values with
 * no such run are left out.
 */
export function meanByValue(rows: readonly IndexRow[], p: string, metric: string): { x: number[]; y: number[]; categories: string[] | null } {
  const ok = rows.filter((r) => r.status === 'ok' && typeof r.final?.[metric] === 'number');
  const values = [...new Set(rows.map((r) => r.params[p]))];
  const numeric = values.every((v) => typeof v === 'number');
  const xs = numeric ? (values as number[]).slice().sort((a, b) => a - b) : values;
  const x: number[] = [];
  const y: number[] = [];
  xs.forEach((v, i) => {
    const ys = ok.filter((r) => r.params[p] === v).map((r) => r.final![metric] as number);
    if (!ys.length) return;
    x.push(numeric ? (v as number) : i);
    y.push(ys.reduce((a, b) => a + b, 0) / ys.length);
  });
  return { x, y, categories: numeric ? null : xs.map(String) };
}

/**
 * summary.svg of a sweep: the main final metric against each swept parameter,
 * one panel per parameter (meanByValue), the parameter and the meaning of
 * categorical positions named in each panel's title.
 */
export function sweepSummarySvg(rows: readonly IndexRow[], grid: readonly { name: string; values: string[] }[], metric: string, title: string): string {
  const swept = grid.length ? grid.map((g) => g.name) : ['seed'];
  const anyOk = rows.some((r) => r.status === 'ok');
  const series: Series[] = swept.map((p) => {
    const { x, y, categories } = meanByValue(rows, p, metric);
    const log = y.length > 1 && y.every((v) => v > 0) && Math.max(...y) / Math.min(...y) > 100;
    const mapping = categories ? `, x: ${categories.map((v, i) => `${i}=${v}`).join(' ')}` : '';
    return { label: `${metric} vs ${p} (mean over ${anyOk ? 'ok runs' : 'no ok run'}${mapping})`, x, y, log };
  });
  // One x label is shared by the panels: each panel's title names its parameter.
  return lineChartsSvg(series, swept.length === 1 ? swept[0] : 'value of the swept parameter', title);
}
