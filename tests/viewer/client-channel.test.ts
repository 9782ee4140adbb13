import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientChannel, type Outlet } from '../../viewer/server/client-channel.ts';

/** A socket that flushes only when the test says so. */
function fakeOutlet() {
  const written: (string | ArrayBuffer)[] = [];
  const unflushed: ((err?: Error) => void)[] = [];
  let terminated = false;
  const out: Outlet = {
    send: (data, done) => {
      written.push(data);
      unflushed.push(done);
    },
    terminate: () => (terminated = true),
  };
  return {
    out,
    written,
    /** The socket finishes writing the message in flight. */
    flush: () => unflushed.shift()?.(),
    inFlight: () => unflushed.length,
    terminated: () => terminated,
  };
}

const frame = (bytes: number, tag: number) => {
  const b = new ArrayBuffer(bytes);
  new DataView(b).setUint32(0, tag);
  return b;
};
const tagOf = (d: string | ArrayBuffer) => (typeof d === 'string' ? d : new DataView(d).getUint32(0));

describe('ClientChannel (what the server keeps for one client)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const opts = (o: Partial<ConstructorParameters<typeof ClientChannel>[1]> = {}) => ({ maxQueuedBytes: 1000, frameBytesPerSecond: Infinity, now: () => Date.now(), ...o });

  it('hands one message at a time to the socket, JSON before pending frames', () => {
    const s = fakeOutlet();
    const c = new ClientChannel(s.out, opts());
    c.offerFrame(frame(100, 1));
    c.offerFrame(frame(100, 2));
    c.message('status-a', 'status');
    c.message('reply-1');
    expect(s.inFlight()).toBe(1);
    expect(s.written.map(tagOf)).toEqual([1]);
    s.flush();
    s.flush();
    s.flush();
    // Frame 2 waited below the JSON messages (it replaced nothing: frame 1 was already being written).
    expect(s.written.map(tagOf)).toEqual([1, 'status-a', 'reply-1', 2]);
  });

  it('keeps only the latest message of a key, and only the newest frame', () => {
    const s = fakeOutlet();
    const c = new ClientChannel(s.out, opts());
    c.message('busy'); // in flight: everything below waits
    for (let k = 0; k < 100; k++) c.message(`status-${k}`, 'status');
    c.message('hello-1', 'hello');
    c.message('status-100', 'status');
    for (let k = 0; k < 50; k++) c.offerFrame(frame(10, k));
    expect(c.queuedBytes).toBe('hello-1'.length + 'status-100'.length);
    expect(c.framesDropped).toBe(49);
    for (let k = 0; k < 4; k++) s.flush();
    expect(s.written.map(tagOf)).toEqual(['busy', 'hello-1', 'status-100', 49]);
  });

  it('disconnects a client whose unread replies exceed the cap; keyed state never counts against it', () => {
    const s = fakeOutlet();
    const c = new ClientChannel(s.out, opts({ maxQueuedBytes: 1000 }));
    c.message('x'.repeat(10)); // in flight, never flushed
    for (let k = 0; k < 1000; k++) c.message('s'.repeat(100), 'status');
    expect(s.terminated()).toBe(false);
    for (let k = 0; k < 10; k++) c.message('r'.repeat(100));
    expect(s.terminated()).toBe(false);
    c.message('r');
    expect(s.terminated()).toBe(true);
    expect(c.overflowed).toBe(true);
    expect(c.queuedBytes).toBe(0);
  });

  it('paces frames to the byte budget: a frame of B bytes delays the next by B/rate, newer frames replace waiting ones', () => {
    const s = fakeOutlet();
    // 800 kB frames at 1.6 MB/s (as 10⁶ particles, 8 MB, at 16 MB/s): one frame every 0.5 s.
    const c = new ClientChannel(s.out, opts({ frameBytesPerSecond: 1.6e6 }));
    const sentAt: number[] = [];
    const t0 = Date.now();
    for (let k = 0; k < 100; k++) {
      c.offerFrame(frame(8e5, k));
      while (s.inFlight()) {
        sentAt.push(Date.now() - t0);
        s.flush();
      }
      vi.advanceTimersByTime(50); // a new frame every 50 ms: 10× the budget
    }
    // 5 s of frames: one every 500 ms, each the newest at its time (the last one leaves at 5 s).
    expect(sentAt).toEqual(Array.from({ length: 10 }, (_, i) => 500 * i));
    expect(s.written.map(tagOf)).toEqual([0, 9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
    expect(c.framesSent).toBe(11);
    expect(c.framesDropped).toBe(89);
    // Control messages are not held by the budget: one goes out as soon as the socket is free.
    s.flush();
    c.offerFrame(frame(8e5, 100));
    c.message('status');
    expect(s.written[s.written.length - 1]).toBe('status');
  });
});
