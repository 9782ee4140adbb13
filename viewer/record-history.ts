import type { MetricRecord } from '../engine/run/record.ts';

/**
 * The metric records of one run, at most `cap` of them, evenly thinned: records
 * are kept every `stride` arrivals; when the kept list overflows, every other
 * one is dropped and the stride doubles, so the kept records stay evenly spaced
 * (in arrival order) however long the run. The newest record is always
 * reported, kept or not, so a chart ends where the run is. O(cap) memory.
 * Shared by the live server (history for late clients) and the page's chart.
 */
export class RecordHistory {
  private kept: MetricRecord[] = [];
  private latest: MetricRecord | null = null;
  private stride = 1;
  private sinceKept = 0;

  constructor(readonly cap: number) {
    if (!(cap >= 2)) throw new Error(`record history needs room for at least 2 records; got ${cap}`);
  }

  /** Adds a record; one whose step is not after the newest one is ignored. */
  push(r: MetricRecord): void {
    if (this.latest && r.step <= this.latest.step) return;
    this.latest = r;
    if (this.kept.length && ++this.sinceKept < this.stride) return;
    this.sinceKept = 0;
    this.kept.push(r);
    if (this.kept.length > this.cap) {
      this.kept = this.kept.filter((_, k) => k % 2 === 0);
      this.stride *= 2;
    }
  }

  /** Prepends records of the same run from before the first one held (a late join's history). */
  prepend(older: readonly MetricRecord[]): void {
    const first = this.kept[0]?.step ?? Infinity;
    const before = older.filter((r) => r.step < first);
    if (!before.length) return;
    const all = [...before, ...this.records()];
    this.clear();
    for (const r of all) this.push(r);
  }

  /** The kept records in order, ending with the newest one. */
  records(): MetricRecord[] {
    const last = this.kept[this.kept.length - 1];
    return this.latest && this.latest !== last ? [...this.kept, this.latest] : [...this.kept];
  }

  clear(): void {
    this.kept = [];
    this.latest = null;
    this.stride = 1;
    this.sinceKept = 0;
  }
}
