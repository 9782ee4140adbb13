import type { ClientMessage, ServerMessage } from '../../protocol.ts';
import { dispatch, type Source, type SourceHandlers } from './source.ts';

/** A live run streamed by `wgf view` over a WebSocket at /ws (binary frames, JSON control). */
export class LiveSource implements Source {
  private ws: WebSocket | null = null;
  private queue: string[] = [];

  constructor(private readonly url: string) {}

  start(h: SourceHandlers): void {
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      for (const q of this.queue) ws.send(q);
      this.queue = [];
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        let m: ServerMessage;
        try {
          m = JSON.parse(ev.data) as ServerMessage;
        } catch {
          h.error('server sent a message that is not JSON');
          return;
        }
        dispatch(m, h);
      } else dispatch(ev.data as ArrayBuffer, h);
    };
    ws.onclose = () => h.error('connection to the wgf view server closed');
    this.ws = ws;
  }

  send(m: ClientMessage): void {
    const text = JSON.stringify(m);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }
}
