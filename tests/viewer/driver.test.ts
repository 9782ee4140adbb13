import { describe, expect, it } from 'vitest';
import { defineScene, Simulation, type SceneDefinition } from '../../engine/index.ts';
import { SimDriver } from '../../viewer/driver/sim-driver.ts';
import { decodeBinary, type BinaryMessage, type ServerMessage } from '../../viewer/protocol.ts';
import gridScene from '../../viewer/synthetic/grid-scene.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';
import { waitFor } from '../cli-harness.ts';

/** A driver on a scene, recording what it sends. */
function drive(def: SceneDefinition<any> = gridScene, raw = {}, paused = false) {
  const json: ServerMessage[] = [];
  const frames: BinaryMessage[] = [];
  const driver = new SimDriver(def, { send: (m) => json.push(m), sendBinary: (b) => frames.push(decodeBinary(b)) }, { mode: 'live', raw, paused, maxFps: 1000 });
  const done = driver.run();
  const lastStatus = () => [...json].reverse().find((m) => m.type === 'status') as Extract<ServerMessage, { type: 'status' }>;
  return { driver, json, frames, done, lastStatus };
}

describe('SimDriver (the play loop behind wgf view and the static site)', () => {
  it('starts with hello, reference and the initial frame, then streams frames with increasing steps', async () => {
    const d = drive(gridScene, { dim: 2, grid: 8 });
    await waitFor(() => d.frames.filter((f) => f.kind === 'frame').length >= 5, 'five frames');
    expect(d.json[0].type).toBe('hello');
    const hello = d.json[0] as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.info).toMatchObject({ kind: 'grid', dim: 2, shape: [8, 8], bounds: [[-4, 4], [-4, 4]] });
    expect(hello.values.grid).toBe(8);
    expect(d.frames[0].kind).toBe('reference');
    const steps = d.frames.filter((f) => f.kind === 'frame').map((f) => f.step);
    expect(steps.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    const f = d.frames.find((x) => x.kind === 'frame' && x.step === 3)!;
    expect(f.shape).toEqual([8, 8]);
    expect(f.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // cell masses
    expect(f.meta).toMatchObject({ step: 3, t: 0.03 });
    d.driver.close();
    await d.done;
  });

  it('pause stops the steps, single step advances exactly one, speed sets the stride', async () => {
    const d = drive(gridScene, { dim: 1, grid: 16 });
    await waitFor(() => d.frames.length > 3, 'frames');
    d.driver.handle({ type: 'pause' });
    // The step under way ends (and may send its frame); then the loop says it stopped, with its last frame's step.
    await waitFor(() => d.lastStatus().status.idle === true, 'the loop to stop after pause');
    const n = d.frames.length;
    const last = d.frames[n - 1].step;
    expect(d.lastStatus().status.frameStep).toBe(last);
    d.driver.handle({ type: 'step' });
    expect(d.lastStatus().status.idle).toBeUndefined(); // woken
    await waitFor(() => d.lastStatus().status.idle === true, 'the loop to stop after the step');
    expect(d.frames.length).toBe(n + 1);
    expect(d.frames[n].step).toBe(last + 1);
    expect(d.lastStatus().status.frameStep).toBe(last + 1);
    expect(d.lastStatus().status).toMatchObject({ paused: true, state: 'paused' });
    d.driver.handle({ type: 'speed', stepsPerFrame: 7 });
    d.driver.handle({ type: 'play' });
    await waitFor(() => d.frames.length > n + 6, 'frames at speed 7');
    const later = d.frames.slice(n + 2).map((f) => f.step);
    for (const s of later) expect(s % 7).toBe(0);
    d.driver.close();
    await d.done;
  });

  it('invalid parameters are reported and change nothing; valid ones restart the run', async () => {
    const d = drive(gridScene, { dim: 1, grid: 16 }, true);
    await waitFor(() => d.frames.length >= 1, 'the initial frame');
    d.driver.handle({ type: 'params', values: { grid: '2' } });
    expect(d.json[d.json.length - 1]).toEqual({ type: 'paramError', message: "parameter 'grid' must be an integer in [4, 512]; got '2'" });
    d.driver.handle({ type: 'params', values: { nope: 1 } });
    expect((d.json[d.json.length - 1] as { message: string }).message).toMatch(/unknown parameter 'nope'/);
    d.driver.handle({ type: 'step' });
    d.driver.handle({ type: 'step' });
    await waitFor(() => d.frames.at(-1)!.step === 2, 'two steps ' + JSON.stringify(d.frames.map((f) => [f.kind, f.step])) + JSON.stringify(d.json.map((m) => m.type)));
    d.driver.handle({ type: 'params', values: { grid: '32' } });
    const hello = d.json.filter((m) => m.type === 'hello').at(-1) as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.runId).toBe(2);
    expect(hello.info.shape).toEqual([32]);
    await waitFor(() => d.frames.some((f) => f.kind === 'frame' && f.runId === 2), 'the new run');
    const first = d.frames.find((f) => f.kind === 'frame' && f.runId === 2)!;
    expect(first.step).toBe(0);
    expect(first.shape).toEqual([32]);
    d.driver.handle({ type: 'reset' });
    expect((d.json.filter((m) => m.type === 'hello').at(-1) as { runId: number; values: object }).values).toMatchObject({ grid: 32 });
    d.driver.close();
    await d.done;
  });

  it('a parameter combination the builder refuses is reported; the run goes on', async () => {
    const picky = defineScene({
      id: 'picky', title: 'picky', description: '',
      params: { grid: { type: 'integer', default: 8, min: 4, max: 64, description: 'cells' }, dim: { type: 'integer', default: 1, min: 1, max: 3, description: 'axes' } },
      build: (p) => {
        if (p.grid ** p.dim > 1000) throw new Error(`grid^dim = ${p.grid ** p.dim} cells is over 1000`);
        return gridScene.build({ dim: p.dim, grid: p.grid, dt: 0.01, steps: 100, m0: 1, s0: 0.5 }, { accelerator: referenceAccelerator() });
      },
    });
    const d = drive(picky, {}, true);
    await waitFor(() => d.frames.some((f) => f.kind === 'frame'), 'the initial frame');
    d.driver.handle({ type: 'params', values: { grid: 64, dim: 2 } });
    expect(d.json.at(-1)).toEqual({ type: 'paramError', message: 'the scene refused these parameters: grid^dim = 4096 cells is over 1000' });
    d.driver.handle({ type: 'step' });
    await waitFor(() => d.frames.at(-1)!.step === 1, 'a step of the unchanged run');
    expect(d.frames.at(-1)!.runId).toBe(1);
    d.driver.close();
    await d.done;
  });

  it('stops at the scene steps (done) and reports divergence (diverged, with a hint)', async () => {
    const d = drive(gridScene, { dim: 1, grid: 8, steps: 5 });
    await waitFor(() => d.lastStatus().status.state === 'done', 'done');
    expect(d.frames.at(-1)!.step).toBe(5);
    d.driver.close();
    await d.done;

    let k = 0;
    const blowUp = defineScene({
      id: 'blow-up', title: 'blow up', description: '', params: {},
      build: () =>
        new Simulation({
          info: { kind: 'particles', dim: 2, shape: [1, 2], dt: 0.5, gradientFlow: true },
          scheme: { name: 'blow-up', dt: 0.5, init: (x) => ({ x }), step: (s) => ((s.x[0] = ++k >= 3 ? NaN : k), { tau: 0.5 }) },
          x0: new Float64Array(2),
          energy: () => ({ total: 0, terms: {} }),
        }),
    });
    const e = drive(blowUp);
    await waitFor(() => e.lastStatus().status.state === 'diverged', 'diverged');
    // The browser gets the remedy as data (the HUD offers it as a button), not a CLI flag.
    expect(e.lastStatus().status.message).toMatch(/non-finite at step 3/);
    expect(e.lastStatus().status.message).not.toMatch(/--set/);
    expect(e.lastStatus().status.hint).toMatchObject({ param: 'dt', value: 0.125 });
    e.driver.handle({ type: 'play' }); // a diverged run only restarts
    expect(e.lastStatus().status.state).toBe('diverged');
    e.driver.close();
    await e.done;
  });

  it('a simulation that throws stops with state error; reset starts a new run', async () => {
    let calls = 0;
    const broken = defineScene({
      id: 'broken', title: 'broken', description: '', params: {},
      build: () => {
        const sim = gridScene.build({ dim: 1, grid: 8, dt: 0.01, steps: 100, m0: 1, s0: 0.5 }, { accelerator: referenceAccelerator() });
        const advance = sim.advance.bind(sim);
        sim.advance = () => {
          if (++calls === 3) throw new Error('Sinkhorn did not converge in 1000 iterations');
          return advance();
        };
        return sim;
      },
    });
    const d = drive(broken);
    await waitFor(() => d.lastStatus().status.state === 'error', 'error');
    expect(d.lastStatus().status.message).toBe('step 3 failed: Sinkhorn did not converge in 1000 iterations');
    expect(d.frames.at(-1)!.step).toBe(2);
    d.driver.handle({ type: 'reset' });
    await waitFor(() => d.frames.some((f) => f.runId === 2 && f.step >= 3), 'the new run going past step 3');
    d.driver.close();
    await d.done;
  });
});
