import type { MetricRecord } from '../../../engine/run/record.ts';
import { decodeBinary, type BinaryMessage, type ClientMessage, type ControlStatus, type ServerMessage } from '../../protocol.ts';

export type Hello = Extract<ServerMessage, { type: 'hello' }> | ReplayHello;

/** A replayed run introduces itself like a live one, plus its timeline. */
export interface ReplayHello {
  type: 'hello';
  mode: 'replay';
  scene: { id: string; title: string; description: string; params: Record<string, never> };
  values: Record<string, number | string | boolean>;
  info: Extract<ServerMessage, { type: 'hello' }>['info'];
  runId: number;
}

/** What a source tells the app. */
export interface SourceHandlers {
  hello(h: Hello): void;
  status(s: ControlStatus, runId: number): void;
  binary(m: BinaryMessage): void;
  /** A late join's chart history: the run's metric records before this client came. */
  history?(runId: number, records: MetricRecord[]): void;
  paramError(message: string): void;
  error(message: string): void;
  /** Replay of a run still being written: more frames and records arrived. */
  grown?(): void;
}

/** Where frames come from: a live server (WebSocket), a run directory (HTTP), or a Web Worker in the page. */
export interface Source {
  start(h: SourceHandlers): void;
  send(m: ClientMessage): void;
  /** Replay only: the recorded steps, and moving to the i-th frame. */
  timeline?: { steps: number[]; seek(i: number): void; position(): number };
}

/** Routes one message from a server or worker to the handlers. */
export function dispatch(m: ServerMessage | ArrayBuffer, h: SourceHandlers): void {
  if (m instanceof ArrayBuffer) {
    let b: BinaryMessage;
    try {
      b = decodeBinary(m);
    } catch (e) {
      h.error(`bad frame: ${(e as Error).message}`);
      return;
    }
    h.binary(b);
    return;
  }
  switch (m.type) {
    case 'hello':
      h.hello(m);
      break;
    case 'status':
      h.status(m.status, m.runId);
      break;
    case 'history':
      h.history?.(m.runId, m.records);
      break;
    case 'paramError':
      h.paramError(m.message);
      break;
    case 'error':
      h.error(m.message);
      break;
  }
}
