import type { ClientMessage, ServerMessage } from '../../protocol.ts';
import { dispatch, type Source, type SourceHandlers } from './source.ts';

/** Messages the page sends to its simulation Web Worker: control, or "switch to this scene". */
export type LocalCommand = ClientMessage | { type: 'scene'; id: string };

/**
 * A catalogue scene run by a Web Worker inside the page (the static site: no
 * server). A classic worker: the site opens from file://, where module workers
 * are refused.
 */
export class WorkerSource implements Source {
  private worker: Worker | null = null;

  constructor(
    private readonly url: string,
    private readonly sceneId: string,
  ) {}

  start(h: SourceHandlers): void {
    this.worker = new Worker(this.url);
    this.worker.onmessage = (ev: MessageEvent<ServerMessage | ArrayBuffer>) => dispatch(ev.data, h);
    this.worker.onerror = (ev) => h.error(`simulation worker failed: ${ev.message}`);
    this.post({ type: 'scene', id: this.sceneId });
  }

  post(m: LocalCommand): void {
    this.worker?.postMessage(m);
  }

  send(m: ClientMessage): void {
    this.post(m);
  }
}
