import { describe, expect, it } from 'vitest';
import { sinkhorn } from '../../../engine/ot/sinkhorn.ts';
import { uniformCloud } from './clouds.ts';

describe('memory of the online solver', () => {
  it('allocates O(n + m) for n = m = 5,000 (no n×m buffer)', () => {
    // Every Float64Array constructed during the solve is counted through a Proxy on the
    // global constructor; an n×m buffer would be 2.5·10⁷ doubles (200 MB), 1250× the 2n
    // allowed. n = 5,000 is above the size where auto keeps a kernel (2^21 entries), and one
    // solve is one synchronous call: at n = 20,000 (16× the pairs) it blocked the test
    // worker for 16 s on a loaded machine (tests/worker-blocking.ts). A large ε (the
    // kernel is nearly flat) and a budget of 1 iteration keep this short. Typed-array
    // methods (map, slice) allocate through the original constructor: the arrayBuffers
    // growth check covers them.
    const n = 5_000;
    const x = uniformCloud(50, n, 2);
    const y = uniformCloud(51, n, 2);
    const Original = globalThis.Float64Array;
    let total = 0;
    let largest = 0;
    globalThis.Float64Array = new Proxy(Original, {
      construct(target, args: unknown[]) {
        const arr = Reflect.construct(target, args) as Float64Array;
        total += arr.length;
        largest = Math.max(largest, arr.length);
        return arr;
      },
    });
    const before = process.memoryUsage().arrayBuffers;
    let r;
    try {
      r = sinkhorn(x, y, 2, { eps: 10, maxIter: 1, scaling: false });
    } finally {
      globalThis.Float64Array = Original;
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(r.mode).toBe('online');
    expect(r.iterations).toBe(1);
    expect(largest).toBeLessThanOrEqual(2 * n); // the centred copies [n, 2]
    expect(total).toBeLessThan(40 * n);
    expect(grown).toBeLessThan(64 * 8 * n); // bytes still held: well under one n×m row block
  });
});
