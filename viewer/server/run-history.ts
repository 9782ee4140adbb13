import type { MetricRecord } from '../../engine/run/record.ts';

/** The current run's metric records, as the hub needs them for a client that joins late. */
export interface RecordLog {
  push(r: MetricRecord): void;
  /** The kept records in step order, ending with the newest. */
  records(): MetricRecord[];
  clear(): void;
}

/**
 * At most `cap` records of one run, evenly thinned however long the run: a record is
 * kept every `stride` arrivals, and when the list overflows every other one is dropped
 * and the stride doubles. The newest record is always reported. O(cap) memory, so the
 * `history` message a newcomer gets is bounded (about cap × a record's JSON).
 */
export class RunHistory implements RecordLog {
  private kept: MetricRecord[] = [];
  private latest: MetricRecord | null = null;
  private stride = 1;
  private since = 0;

  constructor(readonly cap: number) {
    if (!(cap >= 2)) throw new Error(`a run history needs room for at least 2 records; got ${cap}`);
  }

  push(r: MetricRecord): void {
    if (this.latest && r.step <= this.latest.step) return;
    this.latest = r;
    if (this.kept.length && ++this.since < this.stride) return;
    this.since = 0;
    this.kept.push(r);
    if (this.kept.length > this.cap) {
      this.kept = this.kept.filter((_, k) => k % 2 === 0);
      this.stride *= 2;
    }
  }

  records(): MetricRecord[] {
    const last = this.kept[this.kept.length - 1];
    return this.latest && this.latest !== last ? [...this.kept, this.latest] : [...this.kept];
  }

  clear(): void {
    this.kept = [];
    this.latest = null;
    this.stride = 1;
    this.since = 0;
  }
}
