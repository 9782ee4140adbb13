import { describe, expect, it } from 'vitest';
import { pythonHas, startPeer } from '../../bench/harness.ts';

/** bench/harness.ts startPeer: a peer script kept running between requests (its protocol: tests/bench/grid.test.ts). */
describe('bench harness: startPeer', () => {
  it('gives null, with a notice, for a peer that ends before it is ready', async () => {
    if (!pythonHas('numpy')) {
      console.warn('tests/bench/harness.test.ts: numpy not found for /usr/bin/python3: the peer start failure is not checked');
      return;
    }
    expect(await startPeer('grid_sinkhorn.py', { eps: 0.01 })).toBeNull(); // no n: the script fails
  });

  it('gives null for a script that is not there', async () => {
    if (!pythonHas()) {
      console.warn('tests/bench/harness.test.ts: no /usr/bin/python3: the missing-script case is not checked');
      return;
    }
    expect(await startPeer('no_such_peer.py', {})).toBeNull();
  });
});
