/**
 * Everything the server sends to one WebSocket client goes through its channel: a
 * bounded queue with one message handed to the socket at a time (the next waits for
 * the socket to flush it), so a client that stops reading holds at most one message in
 * the socket's user-space buffer, and this queue is all the server keeps for it.
 *
 * - JSON messages (and the run's reference/weights arrays) go first, in order. A message
 *   with a key replaces an unsent one of the same key (the latest status, hello, history
 *   of a run: state, not events), so their number is bounded by the set of keys. Messages
 *   without a key (replies to this client's own requests) count against `maxQueuedBytes`;
 *   a client over it is disconnected.
 * - Frames have a latest-frame slot below the queue: a newer frame replaces a pending one,
 *   and a frame leaves only when the queue is empty, so control and status messages never
 *   wait behind more than the one frame already being written. Frames are also paced to
 *   `frameBytesPerSecond` (a frame of B bytes delays the next by B/rate): 10⁶ particles
 *   (8 MB) stream at a reduced rate instead of saturating the link.
 */
export interface Outlet {
  /** Writes one message; `done` once the socket has flushed it (or failed). */
  send(data: string | ArrayBuffer, done: (err?: Error) => void): void;
  /** Drops the connection at once. */
  terminate(): void;
}

export interface ChannelOptions {
  maxQueuedBytes: number;
  frameBytesPerSecond: number;
  now: () => number;
}

interface Item {
  data: string | ArrayBuffer;
  key?: string;
  bytes: number;
}

const sizeOf = (d: string | ArrayBuffer) => (typeof d === 'string' ? d.length : d.byteLength);

export class ClientChannel {
  private readonly queue: Item[] = [];
  /** Bytes of unkeyed messages waiting (the part a client could grow). */
  private unkeyedBytes = 0;
  private frame: ArrayBuffer | null = null;
  private inFlight: 'frame' | 'message' | null = null;
  private nextFrameAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  closed = false;
  /** Set when the client was dropped for leaving too much unread. */
  overflowed = false;
  framesSent = 0;
  framesDropped = 0;

  constructor(
    private readonly out: Outlet,
    private readonly opts: ChannelOptions,
  ) {}

  /** Queues a JSON text or a binary array; a keyed one replaces its unsent predecessor. */
  message(data: string | ArrayBuffer, key?: string): void {
    if (this.closed) return;
    if (key !== undefined) {
      const i = this.queue.findIndex((q) => q.key === key);
      if (i >= 0) this.queue.splice(i, 1);
    }
    const bytes = sizeOf(data);
    this.queue.push({ data, key, bytes });
    if (key === undefined) {
      this.unkeyedBytes += bytes;
      if (this.unkeyedBytes > this.opts.maxQueuedBytes) {
        this.overflowed = true;
        return this.close();
      }
    }
    this.pump();
  }

  /** Offers the newest frame: it replaces a pending one (that one is dropped). */
  offerFrame(buf: ArrayBuffer): void {
    if (this.closed) return;
    if (this.frame) this.framesDropped++;
    this.frame = buf;
    this.pump();
  }

  /** Drops a pending frame (a new run started: it would be stale). */
  clearFrame(): void {
    this.frame = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.frame = null;
    if (this.timer) clearTimeout(this.timer);
    this.out.terminate();
  }

  get queuedBytes(): number {
    return this.queue.reduce((s, q) => s + q.bytes, 0);
  }

  get queuedFrames(): number {
    return (this.inFlight === 'frame' ? 1 : 0) + (this.frame ? 1 : 0);
  }

  private pump(): void {
    if (this.closed || this.inFlight) return;
    const item = this.queue.shift();
    if (item) {
      if (item.key === undefined) this.unkeyedBytes -= item.bytes;
      return this.write(item.data, 'message');
    }
    if (!this.frame) return;
    const t = this.opts.now();
    if (t < this.nextFrameAt) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.nextFrameAt - t);
      return;
    }
    const f = this.frame;
    this.frame = null;
    // The byte budget: this frame's bytes are paid for before the next one may start.
    this.nextFrameAt = Math.max(t, this.nextFrameAt) + (1000 * f.byteLength) / this.opts.frameBytesPerSecond;
    this.framesSent++;
    this.write(f, 'frame');
  }

  private write(data: string | ArrayBuffer, kind: 'frame' | 'message'): void {
    this.inFlight = kind;
    this.out.send(data, (err) => {
      this.inFlight = null;
      if (err) return this.close();
      this.pump();
    });
  }
}
