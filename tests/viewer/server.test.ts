import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeBinary, MAX_CLIENT_MESSAGE_BYTES, type ClientMessage, type ServerMessage } from '../../viewer/protocol.ts';
import { indexRunDir } from '../../viewer/server/run-index.ts';
import { startViewServer, type ViewServer } from '../../viewer/server/view-server.ts';
import type { LiveSource } from '../../viewer/server/live-run.ts';
import { waitFor } from '../cli-harness.ts';

/** A live source driven by the test: it publishes what the test says and records control messages. */
function fakeSource() {
  let emit: (m: ServerMessage | ArrayBuffer) => void = () => {};
  const received: ClientMessage[] = [];
  const source: LiveSource = { onMessage: (cb) => (emit = cb), send: (m) => void received.push(m), close: async () => {} };
  return { source, received, emit: (m: ServerMessage | ArrayBuffer) => emit(m) };
}

const hello: ServerMessage = {
  type: 'hello', mode: 'live', runId: 1, values: { n: 4 },
  scene: { id: 'fake', title: 'Fake', description: '', params: {} },
  info: { kind: 'particles', dim: 2, shape: [4, 2], dt: 0.1, gradientFlow: true },
};

const assets = new Map([['/', { type: 'text/html', body: new TextEncoder().encode('<html>viewer</html>') }], ['/app.js', { type: 'text/javascript', body: new TextEncoder().encode('1') }]]);

function get(url: string, rawPath?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // `path` is sent verbatim (no normalisation of ../ as fetch would do).
    const req = request({ host: u.hostname, port: u.port, path: rawPath ?? u.pathname, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; `texts` collects its text messages from the very first one. */
function connect(url: string, texts: string[] = []): Promise<WebSocket> {
  const ws = new WebSocket(url.replace('http', 'ws') + 'ws');
  ws.binaryType = 'arraybuffer';
  ws.on('message', (d, bin) => !bin && texts.push(text(d)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A text message as a string (ws hands text over as bytes with binaryType 'arraybuffer'). */
const text = (d: unknown) => Buffer.from(d as ArrayBuffer).toString('utf8');

/** One turn of the event loop (the server's sockets get to write and read), not a wait on the clock. */
const turn = () => new Promise((r) => setImmediate(r));

/** Stops (or resumes) reading a client's socket, as a stalled browser tab would. */
const reading = (ws: WebSocket, on: boolean) => {
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  if (on) socket.resume();
  else socket.pause();
};

describe('live server', () => {
  let server: ViewServer;
  const fake = fakeSource();

  beforeAll(async () => {
    // No byte budget here: these tests are about the latest-frame slots (the budget has its own tests).
    server = await startViewServer({ assets, live: fake.source, port: 0, hub: { frameBytesPerSecond: Infinity } });
    fake.emit(hello);
  });
  afterAll(() => server.close());

  it('binds loopback by default and serves the bundled page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await get(server.url)).body).toContain('viewer');
    expect(JSON.parse((await get(server.url + 'api/session')).body)).toEqual({ mode: 'live' });
  });

  it('a slow client gets the latest frame, never a growing queue; a fast one sees every run state', async () => {
    const slow = await connect(server.url);
    const fast = await connect(server.url);
    let fastLast = -1, slowFrames = 0, slowLast = -1;
    fast.on('message', (d, bin) => bin && (fastLast = new DataView(d as ArrayBuffer).getUint32(8, true)));
    slow.on('message', (d, bin) => {
      if (!bin) return;
      slowFrames++;
      slowLast = new DataView(d as ArrayBuffer).getUint32(8, true);
    });
    await waitFor(() => server.stats().clients === 2, 'two clients');
    // The slow client stops reading: the kernel buffers fill, then the server must hold back.
    reading(slow, false);
    const frameBytes = 4 << 20; // 1M float32 = 4 MiB per frame
    const state = new Float32Array(frameBytes / 4);
    let maxBuffered = 0, maxQueued = 0;
    const frames = 120;
    for (let k = 0; k < frames; k++) {
      state[0] = k;
      fake.emit(encodeBinary('frame', state, [state.length / 2, 2], { step: k }, k, k * 0.1, 1));
      // Paced by the fast client: the next run state once it has this one.
      await waitFor(() => fastLast === k, `the fast client to get frame ${k}`);
      const s = server.stats();
      maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
      maxQueued = Math.max(maxQueued, s.queuedFrames);
    }
    await waitFor(() => fastLast === frames - 1, 'the fast client to get the last frame');
    const s = server.stats();
    expect(s.clients).toBe(2);
    // Per client at most one frame in flight and one pending; ws's own buffer holds at most ~2 frames in all.
    expect(maxQueued).toBeLessThanOrEqual(4);
    expect(maxBuffered).toBeLessThanOrEqual(3 * frameBytes);
    expect(s.droppedFrames).toBeGreaterThan(frames / 2);
    // Once it reads again, the slow client catches up with the newest frame without replaying the backlog.
    reading(slow, true);
    await waitFor(() => slowLast === frames - 1, 'the slow client to catch up');
    expect(slowFrames).toBeLessThan(frames / 2);
    slow.close();
    fast.close();
  });

  it('rejects malformed and oversized messages without crashing or repeating them, and relays valid ones', async () => {
    const ws = await connect(server.url);
    const replies: string[] = [];
    ws.on('message', (d, bin) => !bin && replies.push(text(d)));
    ws.send('{"type":');
    ws.send('{"type":"rm -rf"}');
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('{"type":"speed","stepsPerFrame":5}');
    await waitFor(() => fake.received.some((m) => m.type === 'speed'), 'the speed message');
    await waitFor(() => replies.filter((r) => JSON.parse(r).type === 'error').length === 3, 'three error replies');
    const errors = replies.map((r) => JSON.parse(r) as ServerMessage).filter((m) => m.type === 'error');
    expect(errors.map((e) => (e as { message: string }).message)).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/^unknown control message type \(allowed: play, pause, step, reset, speed, params\)$/),
      expect.stringMatching(/binary messages are not accepted/),
    ]);
    expect(replies.join('')).not.toContain('rm -rf');
    expect(fake.received).toContainEqual({ type: 'speed', stepsPerFrame: 5 });
    // Oversized: ws closes this socket with 1009 (message too big); the server stays up.
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 10));
    expect(await closed).toBe(1009);
    const texts: string[] = [];
    const again = await connect(server.url, texts);
    await waitFor(() => texts.length >= 2, 'hello and history');
    expect(texts.map((t) => JSON.parse(t).type)).toEqual(['hello', 'history']);
    again.close();
  });

  it('refuses WebSockets opened by other web pages (foreign Origin)', async () => {
    const foreign = new WebSocket(server.url.replace('http', 'ws') + 'ws', { origin: 'http://evil.example' });
    await expect(new Promise((resolve, reject) => (foreign.once('open', resolve), foreign.once('error', reject)))).rejects.toThrow(/403/);
    const own = new WebSocket(server.url.replace('http', 'ws') + 'ws', { origin: server.url.slice(0, -1) });
    await new Promise((resolve, reject) => (own.once('open', resolve), own.once('error', reject)));
    own.close();
  });

  it('serves nothing but the bundled assets: traversal attempts are 404, bad targets 400', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/app.js/../../package.json', '/run/scene.json', '/etc/passwd', '/%00']) {
      expect((await get(server.url, path)).status, path).toBe(404);
    }
    for (const path of ['/%E0%A4%A', '//package.json', '//', '///']) expect((await get(server.url, path)).status, path).toBe(400);
    expect((await get(server.url, '/app.js')).status).toBe(200);
  });

  it('sends a client that joins late the run so far: hello, status, then the metric history', async () => {
    fake.emit({ ...hello, runId: 2 });
    fake.emit({ type: 'status', runId: 2, status: { paused: false, stepsPerFrame: 1, targetSteps: 10, state: 'running' } });
    for (let k = 0; k < 5; k++) fake.emit(encodeBinary('frame', [k, 0], [1, 2], { step: k, t: k / 10, energy: 5 - k }, k, k / 10, 2));
    const texts: string[] = [];
    const late = await connect(server.url, texts);
    await waitFor(() => texts.length >= 3, 'hello, status and history');
    const [h, st, hist] = texts.map((t) => JSON.parse(t));
    expect([h.type, st.type, hist.type]).toEqual(['hello', 'status', 'history']);
    expect(hist.runId).toBe(2);
    expect(hist.records.map((r: { step: number; energy: number }) => [r.step, r.energy])).toEqual([[0, 5], [1, 4], [2, 3], [3, 2], [4, 1]]);
    late.close();
  });
});

describe('live server: per-client limits', () => {
  let server: ViewServer;
  const fake = fakeSource();
  // A frozen clock: the control buckets never refill during the test.
  const now = () => 0;

  beforeAll(async () => {
    server = await startViewServer({ assets, live: fake.source, port: 0, hub: { now, controlBurst: 5, controlPerSecond: 1, maxQueuedBytes: 4096 } });
    fake.emit(hello);
  });
  afterAll(() => server.close());

  it('rate-limits control messages per client: over the burst they are dropped with one notice', async () => {
    const texts: string[] = [];
    const ws = await connect(server.url, texts);
    const before = fake.received.length;
    for (let k = 1; k <= 50; k++) ws.send(JSON.stringify({ type: 'speed', stepsPerFrame: k }));
    await waitFor(() => server.stats().rateLimited === 45, '45 refusals');
    expect(fake.received.slice(before)).toEqual([1, 2, 3, 4, 5].map((k) => ({ type: 'speed', stepsPerFrame: k })));
    await waitFor(() => texts.some((t) => /too many control messages/.test(t)), 'the notice');
    // A second client has its own budget.
    const other = await connect(server.url);
    other.send('{"type":"reset"}');
    await waitFor(() => fake.received.length === before + 6, 'the other client');
    ws.close();
    other.close();
  });

  it('holds only the latest of each state message for a client that never reads', async () => {
    const ws = await connect(server.url);
    await waitFor(() => server.stats().clients >= 1, 'the client');
    reading(ws, false);
    // Large frames fill the kernel's buffers; then everything waits in this client's queue.
    const big = new Float32Array(1 << 20);
    for (let k = 0; k < 8; k++) fake.emit(encodeBinary('frame', big, [big.length / 2, 2], { step: k }, k, 0, 1));
    for (let k = 0; k < 5000; k++) {
      fake.emit({ type: 'status', runId: 1, status: { paused: true, stepsPerFrame: 1, targetSteps: k, state: 'paused' } });
      fake.emit({ type: 'paramError', message: `refused value ${k}` });
    }
    // 10 000 messages of ~100 bytes, but one status and one paramError queued: about 200 bytes.
    expect(server.stats().queuedBytes).toBeLessThan(1024);
    ws.terminate();
  });
});

describe('live server: reply queue cap', () => {
  let server: ViewServer;
  const fake = fakeSource();

  beforeAll(async () => {
    server = await startViewServer({ assets, live: fake.source, port: 0, hub: { controlBurst: 1e6, controlPerSecond: 1e6, maxQueuedBytes: 4096 } });
    fake.emit(hello);
  });
  afterAll(() => server.close());

  it('sends every reply through the bounded per-client queue: a client that never reads them is disconnected', async () => {
    const ws = await connect(server.url);
    await waitFor(() => server.stats().clients === 1, 'the client');
    reading(ws, false);
    const big = new Float32Array(1 << 20);
    let sent = 0;
    // Large frames fill the kernel's buffers; then the error replies wait in the queue, until it exceeds 4 kB.
    for (let k = 0; k < 50 && server.stats().overflowed === 0; k++) {
      fake.emit(encodeBinary('frame', big, [big.length / 2, 2], { step: k }, k, 0, 1));
      for (let j = 0; j < 20; j++, sent++) ws.send('{"type":"explode"}');
      await turn();
      expect(server.stats().queuedBytes).toBeLessThanOrEqual(4096 + 200);
    }
    await waitFor(() => server.stats().overflowed === 1, 'the client to be dropped');
    expect(server.stats().clients).toBe(0);
    // ~100 bytes per reply: the cap was reached after about 40 unread replies, not thousands.
    expect(sent).toBeLessThan(1000);
  });
});

describe('replay server', () => {
  let dir: string, outside: string, server: ViewServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgf-view-run-'));
    outside = mkdtempSync(join(tmpdir(), 'wgf-view-secret-'));
    writeFileSync(join(outside, 'secret.npy'), 'secret');
    writeFileSync(join(dir, 'scene.json'), JSON.stringify({ scene: 'fake', kind: 'particles', dim: 2, shape: [1, 2], dt: 1, params: {} }));
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step":0,"t":0,"energy":1}\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a run file');
    const frames = join(dir, 'frames');
    (await import('node:fs')).mkdirSync(frames);
    writeFileSync(join(frames, '000000.npy'), 'frame0');
    symlinkSync(join(outside, 'secret.npy'), join(frames, '000001.npy'));
    server = await startViewServer({ assets, replay: { dir, index: indexRunDir(dir) }, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves the run directory given at start, and only its run files', async () => {
    expect((await get(server.url, '/run/scene.json')).status).toBe(200);
    expect((await get(server.url, '/run/frames/000000.npy')).body).toBe('frame0');
    const session = JSON.parse((await get(server.url, '/api/session')).body);
    expect(session.mode).toBe('replay');
    expect(session.frames).toEqual([0, 1]);
    for (const path of ['/run/notes.txt', '/run/../package.json', '/run/%2e%2e/%2e%2e/etc/passwd', '/run/frames/../../x', '/run/frames/000001.npy', '/run/frames/000002.npy', '/run/']) {
      expect((await get(server.url, path)).status, path).toBe(404);
    }
  });

  it('has no WebSocket stream in replay mode', async () => {
    await expect(connect(server.url)).rejects.toThrow();
  });
});
