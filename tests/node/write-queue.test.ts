import { describe, expect, it } from 'vitest';
import { WriteQueue } from '../../node/write-queue.ts';

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WriteQueue: ordered writes off the calling thread', () => {
  it('runs jobs one at a time in the order they were added, add() returning before they ran', async () => {
    const q = new WriteQueue();
    const log: string[] = [];
    const gate = deferred();
    await q.add(1, async () => {
      log.push('a start');
      await gate.promise;
      log.push('a end');
    });
    await q.add(1, async () => void log.push('b'));
    // Both added; the first is still waiting on its write, the second has not started.
    expect(log).toEqual(['a start']);
    gate.resolve();
    await q.flush();
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('the first failure stops every later job and is thrown by the next add and by flush', async () => {
    const q = new WriteQueue();
    const ran: number[] = [];
    await q.add(1, async () => void ran.push(1));
    await q.add(1, async () => {
      throw new Error('disk full');
    });
    await q.add(1, async () => void ran.push(3));
    await expect(q.flush()).rejects.toThrow('disk full');
    expect(ran).toEqual([1]);
    await expect(q.add(1, async () => void ran.push(4))).rejects.toThrow('disk full');
    await expect(q.flush()).rejects.toThrow('disk full');
    expect(ran).toEqual([1]);
  });

  it('waits when more than maxBytes are queued (a slow disk slows the run, memory stays bounded)', async () => {
    const q = new WriteQueue(10);
    const gate = deferred();
    await q.add(8, () => gate.promise);
    let second = false;
    const p = q.add(8, async () => undefined).then(() => (second = true));
    // 16 bytes wait: the second add holds its caller until the queue has drained.
    await Promise.resolve();
    expect(second).toBe(false);
    gate.resolve();
    await p;
    expect(second).toBe(true);
  });

  it('flush waits for jobs added while it waits', async () => {
    const q = new WriteQueue();
    const log: string[] = [];
    const gate = deferred();
    await q.add(1, () => gate.promise);
    const flushed = q.flush().then(() => log.push('flushed'));
    await q.add(1, async () => void log.push('late job'));
    gate.resolve();
    await flushed;
    expect(log).toEqual(['late job', 'flushed']);
  });
});
