import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScene } from '../../cli/scene-loader.ts';
import { decodeBinary, type ServerMessage } from '../../viewer/protocol.ts';
import { startLiveRun, type LiveRun } from '../../viewer/server/live-run.ts';
import { waitFor } from '../cli-harness.ts';

const SCENE = 'tests/viewer/fixtures/gated-scene.ts';

describe('LiveRun (the supervised simulation thread of wgf view)', () => {
  let dir: string, gate: string, run: LiveRun;
  const json: ServerMessage[] = [];
  const frames: { runId: number; step: number }[] = [];
  const hellos = () => json.filter((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello');
  const blockedAt = () => (existsSync(`${gate}.at`) ? readFileSync(`${gate}.at`, 'utf8') : '');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgf-liverun-'));
    gate = join(dir, 'gate');
    writeFileSync(gate, '1'); // step 0 may run; step 1 blocks
    process.env.WGF_TEST_GATE = gate; // a worker thread gets a copy of the environment when it starts
    const { def } = await loadScene(SCENE);
    run = await startLiveRun({ scene: SCENE, def, driver: { mode: 'live', paused: true }, ackMs: 200 });
    await run.ready;
    run.onMessage((m) => {
      if (m instanceof ArrayBuffer) {
        const b = decodeBinary(m);
        if (b.kind === 'frame') frames.push({ runId: b.runId, step: b.step });
      } else json.push(m);
    });
  });
  afterAll(async () => {
    writeFileSync(gate, '1000000000');
    await run.close();
    delete process.env.WGF_TEST_GATE;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a flood of resets during a blocked step with one restart, and run ids keep increasing (frames included)', async () => {
    expect(hellos().map((h) => h.runId)).toEqual([1]);
    run.send({ type: 'play' });
    await waitFor(() => blockedAt() === '1', 'the thread to block in step 1');
    for (let k = 0; k < 20; k++) run.send({ type: 'reset' });
    await waitFor(() => hellos().length === 2, 'the restarted run');
    const restarted = json.find((m) => m.type === 'status' && m.status.state === 'restarting');
    expect(restarted).toMatchObject({ runId: 1, status: { paused: false } });
    expect(hellos()[1].runId).toBe(2);
    // The new thread plays (the server's state says so) into the gate again, with frames of run 2.
    await waitFor(() => frames.some((f) => f.runId === 2 && f.step === 1), 'a frame of run 2');
    expect(readFileSync(gate, 'utf8')).toBe('1');
    const afterRestart = frames.slice(frames.findIndex((f) => f.runId === 2));
    expect(afterRestart.every((f) => f.runId === 2)).toBe(true);
    // Twenty resets, one rebuild: the others were merged into it.
    expect(hellos()).toHaveLength(2);
  });

  it('answers a refused parameter change to its sender only', async () => {
    const replies: ServerMessage[] = [];
    const before = json.length;
    run.send({ type: 'params', values: { bytes: 1e12 } }, (m) => replies.push(m));
    expect(replies).toEqual([{ type: 'paramError', message: expect.stringMatching(/^gated with bytes=1000000000000 needs about 931 GiB of memory \(limit 2\.00 GiB\)/) }]);
    run.send({ type: 'params', values: { n: 0 } }, (m) => replies.push(m));
    expect(replies[1]).toEqual({ type: 'paramError', message: "parameter 'n' must be an integer in [1, 1000]" });
    expect(json.slice(before).some((m) => m.type === 'paramError')).toBe(false);
  });

  it('lets the thread answer for itself once its step ends', async () => {
    writeFileSync(gate, '1000000000');
    const before = json.length;
    run.send({ type: 'pause' });
    await waitFor(() => json.slice(before).some((m) => m.type === 'status' && m.status.state === 'paused'), 'the thread to pause');
    const n = hellos().length;
    run.send({ type: 'params', values: { n: 9 } });
    await waitFor(() => hellos().length === n + 1, 'the new run');
    expect(hellos()[n]).toMatchObject({ runId: 3, values: { n: 9 } });
  });
});
