import type { WebSocket } from 'ws';
import type { MetricRecord } from '../../engine/run/record.ts';
import { decodeBinary, parseClientMessage, type ClientMessage, type ServerMessage } from '../protocol.ts';
import { RecordHistory } from '../record-history.ts';

/** A client that lets this many bytes pile up in its socket (control messages only) is dropped. */
const MAX_BUFFERED_BYTES = 32 << 20;

/**
 * One watcher's frame slot: at most one frame in flight (handed to the socket,
 * not yet flushed) and one pending, which a newer frame replaces. A slow client
 * therefore gets the latest frame, never a growing queue.
 */
class ClientSlot {
  private inFlight = false;
  private pending: ArrayBuffer | null = null;
  dropped = 0;
  sent = 0;

  constructor(readonly ws: WebSocket) {}

  push(frame: ArrayBuffer): void {
    if (this.inFlight) {
      if (this.pending) this.dropped++;
      this.pending = frame;
      return;
    }
    this.write(frame);
  }

  /** Drops a pending frame (a new run started: its frames would be stale). */
  clear(): void {
    this.pending = null;
  }

  private write(frame: ArrayBuffer): void {
    this.inFlight = true;
    this.sent++;
    // The callback fires once the socket has flushed the frame to the kernel.
    this.ws.send(frame, { binary: true }, (err) => {
      this.inFlight = false;
      if (err) return;
      const next = this.pending;
      this.pending = null;
      if (next) this.write(next);
    });
  }

  get queuedFrames(): number {
    return (this.inFlight ? 1 : 0) + (this.pending ? 1 : 0);
  }
}

export interface HubStats {
  clients: number;
  /** Frames waiting in all slots (in flight + pending): at most 2 per client. */
  queuedFrames: number;
  /** Bytes buffered by ws in user space, over all clients. */
  bufferedBytes: number;
  droppedFrames: number;
}

/**
 * Fans one run out to every connected client: JSON control/status messages are
 * sent to all and the latest of each is replayed to newcomers; binary frames go
 * through per-client latest-frame slots. Control messages from clients are
 * validated; a malformed one gets an 'error' reply, never a crash.
 */
export class WsHub {
  private readonly slots = new Set<ClientSlot>();
  private hello: ServerMessage | null = null;
  private status: ServerMessage | null = null;
  /** The simulation's last error (e.g. it could not start), shown to newcomers too. */
  private error: ServerMessage | null = null;
  private reference: ArrayBuffer | null = null;
  private weights: ArrayBuffer | null = null;
  private lastFrame: ArrayBuffer | null = null;
  /** The current run's frame records (at most 2000, evenly thinned): a late client's chart starts at step 0. */
  private readonly history = new RecordHistory(2000);

  constructor(private readonly control: (m: ClientMessage) => void) {}

  /** A message from the simulation (JSON object or binary frame). */
  publish(m: ServerMessage | ArrayBuffer): void {
    if (m instanceof ArrayBuffer) {
      const type = new DataView(m).getUint8(4);
      if (type === 2) this.reference = m;
      else if (type === 3) this.weights = m;
      else this.lastFrame = m;
      if (type === 1 && this.hello?.type === 'hello' && new DataView(m).getUint32(12, true) === this.hello.runId) this.history.push(decodeBinary(m).meta as unknown as MetricRecord);
      for (const s of this.slots) {
        if (type === 1) s.push(m);
        else this.sendRaw(s, m);
      }
      return;
    }
    if (m.type === 'hello') {
      this.hello = m;
      this.error = null;
      this.reference = this.weights = this.lastFrame = null;
      this.history.clear();
      for (const s of this.slots) s.clear();
    }
    if (m.type === 'status') this.status = m;
    if (m.type === 'error') this.error = m;
    const text = JSON.stringify(m);
    for (const s of this.slots) this.sendRaw(s, text);
  }

  private sendRaw(s: ClientSlot, data: string | ArrayBuffer): void {
    if (s.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      s.ws.terminate();
      return;
    }
    s.ws.send(data);
  }

  /** Adopts a new WebSocket: catches it up with the run's latest state. */
  add(ws: WebSocket): void {
    const slot = new ClientSlot(ws);
    this.slots.add(slot);
    for (const m of [this.hello, this.status, this.error]) if (m) ws.send(JSON.stringify(m));
    if (this.hello?.type === 'hello') ws.send(JSON.stringify({ type: 'history', runId: this.hello.runId, records: this.history.records() } satisfies ServerMessage));
    for (const b of [this.reference, this.weights]) if (b) ws.send(b);
    if (this.lastFrame) slot.push(this.lastFrame);
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) throw new Error('binary messages are not accepted from clients (send JSON control messages)');
        this.control(parseClientMessage(data.toString()));
      } catch (e) {
        ws.send(JSON.stringify({ type: 'error', message: (e as Error).message } satisfies ServerMessage));
      }
    });
    ws.on('close', () => this.slots.delete(slot));
    ws.on('error', () => this.slots.delete(slot));
  }

  stats(): HubStats {
    let queuedFrames = 0, bufferedBytes = 0, droppedFrames = 0;
    for (const s of this.slots) {
      queuedFrames += s.queuedFrames;
      bufferedBytes += s.ws.bufferedAmount;
      droppedFrames += s.dropped;
    }
    return { clients: this.slots.size, queuedFrames, bufferedBytes, droppedFrames };
  }

  closeAll(): void {
    for (const s of this.slots) s.ws.terminate();
    this.slots.clear();
  }
}
