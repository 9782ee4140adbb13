import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MetricRecord } from '../../engine/run/record.ts';
import { encodeBinary, type ServerMessage } from '../../viewer/protocol.ts';
import { startViewServer, type ViewServer } from '../../viewer/server/view-server.ts';
import type { LiveSource } from '../../viewer/server/live-run.ts';

const hello = (runId: number): ServerMessage => ({
  type: 'hello', mode: 'live', runId, values: {},
  scene: { id: 'fake', title: 'Fake', description: '', params: {} },
  info: { kind: 'particles', dim: 2, shape: [1, 2], dt: 0.1, gradientFlow: true },
});
const frame = (step: number, runId: number) => encodeBinary('frame', [0, 0], [1, 2], { step, t: step / 10, energy: 1 / (1 + step), energy_terms: {} }, step, step / 10, runId);

/** The history message a newly connected client receives (resolves on its arrival, not after a delay). */
function historyOf(url: string): Promise<{ runId: number; records: MetricRecord[] }> {
  const ws = new WebSocket(url.replace('http', 'ws') + 'ws');
  return new Promise((resolve, reject) => {
    ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(Buffer.from(d as ArrayBuffer).toString('utf8')) as ServerMessage;
      if (m.type !== 'history') return;
      ws.close();
      resolve(m);
    });
    ws.once('error', reject);
  });
}

describe('live server: chart history for clients that join late', () => {
  let server: ViewServer;
  let emit: (m: ServerMessage | ArrayBuffer) => void = () => {};
  const source: LiveSource = { onMessage: (cb) => (emit = cb), send: () => {}, close: async () => {} };

  beforeAll(async () => {
    server = await startViewServer({ assets: new Map(), live: source, port: 0 });
  });
  afterAll(() => server.close());

  it('sends the run so far, at most ~2000 records evenly thinned, from step 0 to the newest', async () => {
    emit(hello(1));
    for (let k = 0; k < 5000; k++) emit(frame(k, 1));
    emit(frame(7, 0)); // a late frame of an earlier run: not part of this run's history
    const h = await historyOf(server.url);
    expect(h.runId).toBe(1);
    expect(h.records.length).toBeLessThanOrEqual(2001);
    expect(h.records.length).toBeGreaterThan(1000);
    expect(h.records[0]).toEqual({ step: 0, t: 0, energy: 1, energy_terms: {} });
    expect(h.records[h.records.length - 1].step).toBe(4999);
    const gaps = new Set(h.records.slice(1, -1).map((r, i) => r.step - h.records[i].step));
    expect([...gaps]).toEqual([4]); // 5000 records in 2000 slots: every 4th
  });

  it('a new run (reset, new parameters) starts an empty history', async () => {
    emit(hello(2));
    emit(frame(0, 2));
    const h = await historyOf(server.url);
    expect(h.runId).toBe(2);
    expect(h.records.map((r) => r.step)).toEqual([0]);
  });
});
