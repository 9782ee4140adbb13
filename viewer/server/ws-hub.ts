import type { WebSocket } from 'ws';
import type { MetricRecord } from '../../engine/run/record.ts';
import { decodeBinary, parseClientMessage, type ClientMessage, type ServerMessage } from '../protocol.ts';
import { ClientChannel } from './client-channel.ts';
import { RecordHistory } from '../record-history.ts';
import { TokenBucket } from './token-bucket.ts';

/** Where a validated control message goes, with a way to answer only its sender. */
export type ControlSink = (m: ClientMessage, reply: (m: ServerMessage) => void) => void;

export interface HubOptions {
  /** Bytes of replies a client may leave unread before it is disconnected. */
  maxQueuedBytes: number;
  /** Frame bytes per second streamed to each client (the latest frame wins in between). */
  frameBytesPerSecond: number;
  /** Control messages per second accepted from one client, and the burst allowed. */
  controlPerSecond: number;
  controlBurst: number;
  /** Metric records of the current run kept for clients that join late. */
  historyRecords: number;
  now: () => number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxQueuedBytes: 1 << 20,
  frameBytesPerSecond: 32 << 20,
  controlPerSecond: 20,
  controlBurst: 40,
  historyRecords: 2000,
  now: () => performance.now(),
};

export interface HubStats {
  clients: number;
  /** Frames in all channels (being written + pending): at most 2 per client. */
  queuedFrames: number;
  /** Bytes waiting in all channels' queues. */
  queuedBytes: number;
  /** Bytes buffered by ws in user space, over all clients. */
  bufferedBytes: number;
  droppedFrames: number;
  /** Clients dropped so far for leaving more than `maxQueuedBytes` unread. */
  overflowed: number;
  /** Control messages refused so far for exceeding a client's rate. */
  rateLimited: number;
}

/** JSON messages that are state (only the latest matters) travel under a key and replace their predecessor. */
const STATE_KEY: Partial<Record<ServerMessage['type'], string>> = { hello: 'hello', status: 'status', error: 'error', paramError: 'paramError', history: 'history' };
const BINARY_KEY: Record<number, string> = { 2: 'reference', 3: 'weights' };

interface Client {
  ws: WebSocket;
  channel: ClientChannel;
  bucket: TokenBucket;
}

/**
 * Fans one run out to every connected client, each through its bounded
 * `ClientChannel`: JSON state (hello, status, the simulation's error) is sent to all
 * and its latest value replayed to newcomers with the run's metric history; frames go
 * to each client's latest-frame slot. Control messages from clients are rate-limited
 * per client and validated; a bad one gets an error reply through the same bounded
 * queue, and no reply ever repeats what the client sent.
 */
export class WsHub {
  private readonly clients = new Set<Client>();
  private readonly opts: HubOptions;
  private hello: Extract<ServerMessage, { type: 'hello' }> | null = null;
  private status: ServerMessage | null = null;
  /** The simulation's last error (e.g. it could not start), shown to newcomers too. */
  private error: ServerMessage | null = null;
  private reference: ArrayBuffer | null = null;
  private weights: ArrayBuffer | null = null;
  private lastFrame: ArrayBuffer | null = null;
  private readonly history: RecordHistory;
  private overflowed = 0;
  private rateLimited = 0;

  constructor(
    private readonly control: ControlSink,
    options: Partial<HubOptions> = {},
  ) {
    this.opts = { ...DEFAULT_HUB_OPTIONS, ...options };
    this.history = new RecordHistory(this.opts.historyRecords);
  }

  /** A message from the simulation (JSON object or binary frame). */
  publish(m: ServerMessage | ArrayBuffer): void {
    if (m instanceof ArrayBuffer) return this.publishBinary(m);
    if (m.type === 'hello') {
      this.hello = m;
      this.error = null;
      this.reference = this.weights = this.lastFrame = null;
      this.history.clear();
      for (const c of this.clients) c.channel.clearFrame();
    }
    if (m.type === 'status') this.status = m;
    if (m.type === 'error') this.error = m;
    const text = JSON.stringify(m);
    for (const c of this.clients) c.channel.message(text, STATE_KEY[m.type]);
  }

  private publishBinary(b: ArrayBuffer): void {
    const type = new DataView(b).getUint8(4);
    if (type === 1) {
      this.lastFrame = b;
      if (this.hello && new DataView(b).getUint32(12, true) === this.hello.runId) this.history.push(decodeBinary(b).meta as unknown as MetricRecord);
      for (const c of this.clients) c.channel.offerFrame(b);
      return;
    }
    if (type === 2) this.reference = b;
    if (type === 3) this.weights = b;
    for (const c of this.clients) c.channel.message(b, BINARY_KEY[type]);
  }

  /** Adopts a new WebSocket: catches it up with the run's latest state, then serves its control messages. */
  add(ws: WebSocket): void {
    const channel = new ClientChannel(
      { send: (data, done) => ws.send(data, { binary: typeof data !== 'string' }, done), terminate: () => ws.terminate() },
      this.opts,
    );
    const client: Client = { ws, channel, bucket: new TokenBucket(this.opts.controlPerSecond, this.opts.controlBurst, this.opts.now) };
    this.clients.add(client);
    for (const m of [this.hello, this.status, this.error]) if (m) channel.message(JSON.stringify(m), STATE_KEY[m.type]);
    if (this.hello) channel.message(JSON.stringify({ type: 'history', runId: this.hello.runId, records: this.history.records() } satisfies ServerMessage), 'history');
    if (this.reference) channel.message(this.reference, BINARY_KEY[2]);
    if (this.weights) channel.message(this.weights, BINARY_KEY[3]);
    if (this.lastFrame) channel.offerFrame(this.lastFrame);
    const reply = (m: ServerMessage) => channel.message(JSON.stringify(m));
    ws.on('message', (data, isBinary) => {
      if (!client.bucket.take()) {
        this.rateLimited++;
        const { controlPerSecond: rate, controlBurst: burst } = this.opts;
        const message = `too many control messages: at most ${rate} per second (bursts of ${burst}); messages over the rate are dropped`;
        return channel.message(JSON.stringify({ type: 'error', message } satisfies ServerMessage), 'rate');
      }
      let m: ClientMessage;
      try {
        if (isBinary) throw new Error('binary messages are not accepted from clients (send JSON control messages)');
        m = parseClientMessage(String(data));
      } catch (e) {
        return reply({ type: 'error', message: (e as Error).message });
      }
      this.control(m, reply);
    });
    const drop = () => {
      if (!this.clients.delete(client)) return;
      if (channel.overflowed) this.overflowed++;
      channel.close();
    };
    ws.on('close', drop);
    ws.on('error', drop);
  }

  stats(): HubStats {
    let queuedFrames = 0, queuedBytes = 0, bufferedBytes = 0, droppedFrames = 0;
    for (const { ws, channel } of this.clients) {
      queuedFrames += channel.queuedFrames;
      queuedBytes += channel.queuedBytes;
      bufferedBytes += ws.bufferedAmount;
      droppedFrames += channel.framesDropped;
    }
    return { clients: this.clients.size, queuedFrames, queuedBytes, bufferedBytes, droppedFrames, overflowed: this.overflowed, rateLimited: this.rateLimited };
  }

  closeAll(): void {
    for (const c of this.clients) c.channel.close();
    this.clients.clear();
  }
}
