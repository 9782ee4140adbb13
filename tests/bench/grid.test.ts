import { describe, expect, it } from 'vitest';
import { interleave, sinkhornIterationRows } from '../../bench/grid.ts';
import { pythonHas, startPeer, type PeerServer } from '../../bench/harness.ts';

/**
 * bench/grid.ts: the plain Sinkhorn iteration timed interleaved with numpy's (issue #18).
 * No wall-clock assertions: the protocol, the rounds and the rows' shape.
 */
describe('bench grid: interleaved timing against a peer server', () => {
  it('alternates our block of k iterations with the peer\'s block of k, at least minRounds rounds', async () => {
    const sent: unknown[] = [];
    let calls = 0;
    const peer: PeerServer = {
      pid: process.pid,
      async request<T>(command: unknown): Promise<T> {
        sent.push(command);
        return { ms: 2 * (command as { iters: number }).iters } as T;
      },
      async close() {},
    };
    const r = await interleave(() => void calls++, peer, 1, { blockMs: 7, minRounds: 4, maxRounds: 6, gapMs: 0 });
    expect(r.k).toBe(7);
    expect(r.rounds).toBeGreaterThanOrEqual(4);
    expect(r.rounds).toBeLessThanOrEqual(6);
    // one untimed round first, then one peer block per timed round, each of k iterations after one untimed
    expect(sent).toEqual(Array.from({ length: r.rounds + 1 }, () => ({ iters: 7, warm: 1 })));
    expect(calls).toBe(8 * (r.rounds + 1));
    expect(r.peerMs).toBe(2);
    expect(r.ratios).toHaveLength(r.rounds);
    for (const x of r.ratios) expect(x).toBeGreaterThan(0);
    expect(r.oursCpuInPeer).toBeGreaterThanOrEqual(0);
    if (r.peerCpuInOurs !== null) expect(r.peerCpuInOurs).toBeGreaterThanOrEqual(0);
  });

  it('stops at maxRounds when the blocks are too short to reach minTotalMs', async () => {
    const peer: PeerServer = { pid: process.pid, request: async <T,>() => ({ ms: 0 }) as T, close: async () => {} };
    const r = await interleave(() => {}, peer, 1, { blockMs: 1, minRounds: 2, maxRounds: 5, minTotalMs: 1e9, budgetMs: 1e9, gapMs: 0 });
    expect(r.rounds).toBe(5);
  });

  it('the numpy peer answers in server mode, rejects unknown commands and ends on quit', async () => {
    if (!pythonHas('numpy')) {
      console.warn('tests/bench/grid.test.ts: numpy not found for /usr/bin/python3: the peer protocol is not checked');
      return;
    }
    const peer = await startPeer('grid_sinkhorn.py', { n: 16, eps: 0.01 });
    expect(peer).not.toBeNull();
    try {
      const a = await peer!.request<{ ms: number }>({ iters: 3, warm: 1 });
      expect(a.ms).toBeGreaterThan(0);
      await expect(peer!.request({ nonsense: 1 })).rejects.toThrow(/unknown command/);
      const b = await peer!.request<{ ms: number }>({ iters: 1 }); // still serving
      expect(b.ms).toBeGreaterThan(0);
    } finally {
      await peer!.close();
    }
    await expect(peer!.request({ iters: 1 })).rejects.toThrow(/ended/);
  });

  it('the sinkhorn-iter rows keep their shape; ts-plain carries the interleaved fields when numpy is there', async () => {
    const rows = await sinkhornIterationRows([24], { gapMs: 1 });
    const hasNumpy = pythonHas('numpy');
    expect(rows.map((r) => `${r.case} ${r.ours}`)).toEqual([
      'sinkhorn-iter jko ts-plain', 'sinkhorn-iter jko ts-log-shifted', 'sinkhorn-iter jko ts-log-block',
      'sinkhorn-iter wide ts-plain', 'sinkhorn-iter wide ts-log-shifted', 'sinkhorn-iter wide ts-log-block',
      ...rows.filter((r) => r.ours === 'ts-plain-truncated').map((r) => `${r.case} ${r.ours}`),
    ]);
    for (const r of rows) {
      expect(r.suite).toBe('grid');
      expect(r.size).toBe('24x24');
      expect(r.ours_ms).toBeGreaterThan(0);
      for (const k of ['eps', 'w', 'trunc_err', 'passes', 'threads']) expect(r.extra, k).toHaveProperty(k);
      if (hasNumpy) {
        expect(r.peer).toBe('numpy-dense');
        expect(r.speedup).toBeCloseTo(r.peer_ms! / r.ours_ms, 12);
      } else expect(r.peer).toBeUndefined();
    }
    for (const r of rows.filter((x) => x.ours === 'ts-plain')) {
      if (!hasNumpy) {
        expect(r.extra).not.toHaveProperty('rounds');
        continue;
      }
      const e = r.extra!;
      for (const k of ['alone_ms', 'rounds', 'block_iters', 'round_ratio_median', 'round_ratio_min', 'round_ratio_max', 'gap_ms', 'ours_cpu_in_peer']) expect(typeof e[k], k).toBe('number');
      expect(e.rounds).toBeGreaterThanOrEqual(9);
      expect(e.gap_ms).toBe(1);
      expect(e.round_ratio_min).toBeLessThanOrEqual(e.round_ratio_median as number);
      expect(e.round_ratio_median).toBeLessThanOrEqual(e.round_ratio_max as number);
    }
  }, 120_000);
});
