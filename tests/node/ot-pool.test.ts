import { describe, expect, it } from 'vitest';
import { LsePool, MIN_PAIRS_FOR_THREADS } from '../../node/ot-pool.ts';
import { PointCloudGeometry } from '../../engine/ot/point-cloud-geometry.ts';
import { uniformCloud } from '../engine/ot/clouds.ts';

describe('LsePool (online kernel on worker threads)', () => {
  it('gives the same bits as one thread, above the threading threshold', () => {
    // Every row is one thread's sequential sum, whatever the split: equality is exact.
    const n = 1100;
    const m = 1000;
    expect(n * m).toBeGreaterThan(MIN_PAIRS_FOR_THREADS);
    const x = uniformCloud(70, n, 2);
    const y = uniformCloud(71, m, 2);
    const pool = new LsePool(3);
    try {
      const one = new PointCloudGeometry(x, y, 2);
      const many = new PointCloudGeometry(x, y, 2, 2, pool);
      const h = uniformCloud(72, m, 1);
      const hT = uniformCloud(73, n, 1);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      one.logApply(0.003, h, a);
      many.logApply(0.003, h, b);
      expect(Array.from(b)).toEqual(Array.from(a));
      const c = new Float64Array(m);
      const e = new Float64Array(m);
      one.logApplyT(0.003, hT, c);
      many.logApplyT(0.003, hT, e);
      expect(Array.from(e)).toEqual(Array.from(c));
    } finally {
      pool.close();
    }
  });
});
