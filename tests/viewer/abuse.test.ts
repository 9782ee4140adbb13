/**
 * Issue #11 (viewer server) and #17 (large frames), end to end: a real `wgf view`
 * process attacked by real sockets. Memory is the server process's resident set
 * (/proc/PID/status), printed for the report; the assertions are bounds, never times.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openClient, rawRequest, startWgfView, upgradeRequest, type ViewProcess } from './wgf-view-process.ts';
import { waitFor } from '../cli-harness.ts';

const report = (what: string, mib: Record<string, number>) =>
  console.log(`[abuse] ${what}: ${Object.entries(mib).map(([k, v]) => `${k} ${v.toFixed(0)} MiB`).join(', ')}`);

describe('wgf view under abuse', () => {
  let view: ViewProcess | null = null;
  afterEach(async () => {
    await view?.stop();
    view = null;
  });

  it('answers 400 to any malformed request target, WebSocket upgrades included, and stays up', async () => {
    view = await startWgfView(['fokker-planck', '--set', 'n=50', '--paused']);
    const host = `127.0.0.1:${view.port}`;
    for (const target of ['//', '///', '//[', '//:99999', '//evil.example/ws', 'http://evil.example/ws', '*', '/ws%zz']) {
      expect(await rawRequest(view.port, upgradeRequest(target, host)), target).toMatch(/^HTTP\/1\.1 400/);
      expect(await rawRequest(view.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`), target).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(view.alive()).toBe(true);
    expect((await fetch(view.url + 'api/session')).status).toBe(200);
  });

  it('refuses Hosts that do not name the server (DNS rebinding) and foreign Origins, scheme included', async () => {
    view = await startWgfView(['fokker-planck', '--set', 'n=50', '--paused']);
    const p = view.port;
    const get = (path: string, host: string) => rawRequest(p, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    for (const path of ['/', '/api/session', '/app.js']) {
      expect(await get(path, `evil.example:${p}`), path).toMatch(/^HTTP\/1\.1 403/);
      expect(await get(path, `127.0.0.1.evil.example:${p}`), path).toMatch(/^HTTP\/1\.1 403/);
      expect(await get(path, '127.0.0.1'), `${path} without the port`).toMatch(/^HTTP\/1\.1 403/);
    }
    expect(await rawRequest(p, upgradeRequest('/ws', `evil.example:${p}`, `http://evil.example:${p}`))).toMatch(/^HTTP\/1\.1 403/);
    expect(await rawRequest(p, upgradeRequest('/ws', `127.0.0.1:${p}`, `https://127.0.0.1:${p}`))).toMatch(/^HTTP\/1\.1 403/);
    expect(await rawRequest(p, upgradeRequest('/ws', `127.0.0.1:${p}`, 'null'))).toMatch(/^HTTP\/1\.1 403/);
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`, `[::1]:${p}`]) {
      expect(await get('/api/session', host), host).toMatch(/^HTTP\/1\.1 200/);
      expect(await rawRequest(p, upgradeRequest('/ws', host, `http://${host}`)), host).toMatch(/^HTTP\/1\.1 101/);
    }
  });

  it('a client that floods errors and never reads gets bounded replies, not a growing server', async () => {
    view = await startWgfView(['fokker-planck', '--set', 'n=50', '--paused']);
    const c = await openClient(view.url);
    await c.until(() => c.json.some((m) => m.type === 'hello'), 'hello');
    const before = view.rssMiB();
    // Stop reading: whatever the server answers piles up on its side.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // 10 000 messages of 16 000 bytes whose unknown type an echoing reply would repeat: 160 MB.
    const bad = JSON.stringify({ type: 'x'.repeat(16_000) });
    let sent = 0;
    for (let k = 0; k < 10_000 && c.ws.readyState === c.ws.OPEN; k++) {
      c.ws.send(bad);
      sent++;
      if (c.ws.bufferedAmount > 8 << 20) await new Promise((r) => setTimeout(r, 5));
    }
    // Every message has reached the server (or the server closed this client).
    await waitFor(() => c.ws.bufferedAmount === 0 || c.ws.readyState !== c.ws.OPEN, 'the flood to be sent');
    // A request round trip: the server has handled everything before it.
    expect((await fetch(view.url + 'api/session')).status).toBe(200);
    const after = view.rssMiB();
    report(`${sent} unread 16 kB error floods`, { before, after });
    expect(after - before).toBeLessThan(64);
    c.ws.terminate();
  });

  it('refuses parameter messages whose estimate exceeds the limits, naming the parameter and the limit', async () => {
    view = await startWgfView(['aggregation-disk', '--set', 'n=100', '--paused']);
    const c = await openClient(view.url);
    await c.until(() => c.json.some((m) => m.type === 'hello'), 'hello');
    const before = view.rssMiB();
    // Direct pair sums at 10⁶ (auto would take P³M, which fits the limits).
    c.ws.send(JSON.stringify({ type: 'params', values: { n: 1_000_000, interaction: 'direct' } }));
    await c.until(() => c.json.some((m) => m.type === 'paramError'), 'a refusal');
    const refusal: string = c.json.find((m) => m.type === 'paramError')!.message;
    expect(refusal).toMatch(/^aggregation-disk with n=1000000, interaction=direct needs about 2\.4e13 operations per step \(limit 1\.0e11\)/);
    expect(refusal).toMatch(/--max-work/);
    // The run goes on with its parameters: a reset is answered by a hello with n = 100.
    c.json.length = 0;
    c.ws.send(JSON.stringify({ type: 'reset' }));
    await c.until(() => c.json.some((m) => m.type === 'hello'), 'the reset');
    expect(c.json.find((m) => m.type === 'hello')!.values.n).toBe(100);
    report('refused n=1e6 on aggregation-disk', { before, after: view.rssMiB() });
    c.ws.close();
  });

  it('a flood of resets from 100 clients that never read costs bounded memory, and the server stays responsive', async () => {
    view = await startWgfView(['fokker-planck', '--set', 'n=200', '--paused']);
    const observer = await openClient(view.url);
    await observer.until(() => observer.json.some((m) => m.type === 'hello'), 'hello');
    observer.json.length = 0;
    const before = view.rssMiB();
    const clients: Awaited<ReturnType<typeof openClient>>[] = [];
    for (let i = 0; i < 100; i++) clients.push(await openClient(view.url));
    for (const c of clients) (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, view!.rssMiB())), 50);
    for (let round = 0; round < 100; round++) for (const c of clients) c.ws.send('{"type":"reset"}');
    await waitFor(() => clients.every((c) => c.ws.bufferedAmount === 0 || c.ws.readyState !== c.ws.OPEN), 'the resets to be sent');
    expect((await fetch(view.url + 'api/session')).status).toBe(200);
    // The simulation thread takes control messages in order: once it has applied this speed change, it has
    // seen every reset the server let through.
    observer.ws.send('{"type":"speed","stepsPerFrame":7}');
    try {
      await observer.until(() => observer.json.some((m) => m.type === 'status' && m.status.stepsPerFrame === 7), 'the observer to be answered');
    } finally {
      clearInterval(sampler);
      report('resets from 100 unread clients, until answered', { before, peak });
    }
    const after = view.rssMiB();
    peak = Math.max(peak, after);
    const hellos = observer.json.filter((m) => m.type === 'hello').length;
    report(`10 000 resets from 100 unread clients (the observer saw ${hellos} new runs)`, { before, peak, after });
    expect(peak - before).toBeLessThan(64);
    for (const c of clients) c.ws.terminate();
    observer.ws.close();
  });

  it('streams 10⁶-particle frames within the byte budget, and control messages are answered meanwhile', async () => {
    view = await startWgfView(['viewer/synthetic/rotating-cloud.ts', '--set', 'n=1000000', '--set', 'd=2', '--stream-rate', '16MiB']);
    const c = await openClient(view.url);
    await c.until(() => c.frames.length >= 2, 'two frames');
    const t0 = performance.now(), f0 = c.frames.length;
    await c.until(() => c.frames.length >= f0 + 4, 'four more frames');
    const seconds = (performance.now() - t0) / 1000;
    const bytes = c.frames.slice(f0).reduce((s, f) => s + f.byteLength, 0);
    expect(c.frames[f0].byteLength).toBeGreaterThan(8e6);
    // Four 8 MB frames at 16 MiB/s take at least (4 − 1) frame periods: the server never sends faster.
    expect(bytes - c.frames[f0].byteLength).toBeLessThanOrEqual(16 * 2 ** 20 * seconds * 1.05);
    const before = view.rssMiB();
    // A message the server answers itself (an error reply): it waits behind at most the frame being
    // written and one already handed to the kernel, never behind a queue of frames.
    c.json.length = 0;
    const framesAtSend = c.frames.length;
    c.ws.send('{"type":"explode"}');
    await c.until(() => c.json.some((m) => m.type === 'error'), 'the error reply');
    expect(c.frames.length - framesAtSend).toBeLessThanOrEqual(2);
    // And the simulation thread answers a control message while it streams.
    c.ws.send('{"type":"speed","stepsPerFrame":3}');
    await c.until(() => c.json.some((m) => m.type === 'status' && m.status.stepsPerFrame === 3), 'the speed status');
    expect((await fetch(view.url + 'api/session')).status).toBe(200);
    report('10⁶ particles streamed at 16 MiB/s', { before, after: view.rssMiB() });
    c.ws.close();
  });
});

describe('wgf view with a step that blocks (gated scene file)', () => {
  let dir: string, gate: string, view: ViewProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgf-gate-'));
    gate = join(dir, 'gate');
    writeFileSync(gate, '1'); // step 0 may run; step 1 blocks
    view = await startWgfView(['tests/viewer/fixtures/gated-scene.ts'], { WGF_TEST_GATE: gate });
  });
  afterAll(async () => {
    writeFileSync(gate, '1000000000');
    await view.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers pause and new parameters while the simulation is inside a step', async () => {
    const c = await openClient(view.url);
    await c.until(() => c.json.some((m) => m.type === 'hello'), 'hello');
    const firstRun: number = c.json.find((m) => m.type === 'hello')!.runId;
    // The first client starts the run: step 0 passes the gate, step 1 blocks inside advance().
    await c.until(() => c.json.some((m) => m.type === 'status' && m.status.state === 'running'), 'the run to start');
    await waitFor(() => {
      try {
        return readFileSync(`${gate}.at`, 'utf8') === '1';
      } catch {
        return false;
      }
    }, 'the thread to block in step 1');
    c.json.length = 0;
    c.ws.send('{"type":"pause"}');
    await c.until(() => c.json.some((m) => m.type === 'status' && m.status.paused), 'a paused status');
    const status = c.json.find((m) => m.type === 'status')!.status;
    expect(status.state).toBe('pausing');
    expect(status.message).toMatch(/after the current step/);
    c.ws.send('{"type":"params","values":{"n":7}}');
    await c.until(() => c.json.some((m) => m.type === 'hello'), 'the new run');
    const hello = c.json.find((m) => m.type === 'hello')!;
    expect(hello.values.n).toBe(7);
    expect(hello.runId).toBeGreaterThan(firstRun);
    // All of this while the gate stayed shut: the old thread never finished its step.
    expect(readFileSync(gate, 'utf8')).toBe('1');
    // The restarted run keeps the paused state asked for.
    await c.until(() => c.json.some((m) => m.type === 'status' && m.runId === hello.runId), 'the new run status');
    expect(c.json.filter((m) => m.type === 'status' && m.runId === hello.runId).pop()!.status.paused).toBe(true);
    // Over the memory limit: refused by the server before any thread sees it.
    c.json.length = 0;
    c.ws.send(JSON.stringify({ type: 'params', values: { bytes: 1e12 } }));
    await c.until(() => c.json.some((m) => m.type === 'paramError'), 'the refusal');
    expect(c.json.find((m) => m.type === 'paramError')!.message).toMatch(/^gated with bytes=1000000000000 needs about 931 GiB of memory \(limit 2\.00 GiB\)/);
    c.ws.close();
  });
});
