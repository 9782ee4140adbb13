import { ParamError, resolveParams, type RawParams } from '../../engine/core/params.ts';
import type { SceneDefinition, Simulation } from '../../engine/core/simulation.ts';
import { Runner, standardGuards } from '../../engine/run/runner.ts';
import type { Accelerator } from '../../engine/core/accelerator.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';
import { encodeBinary, maskRuns, type ClientMessage, type ControlStatus, type ServerMessage, type ViewInfo } from '../protocol.ts';
import { FrameStream } from './frame-stream.ts';

/** How a driver talks to its clients (a worker thread's or a Web Worker's postMessage). */
export interface DriverPort {
  send(msg: ServerMessage): void;
  /** Binary frames; the buffer may be transferred (not used after the call). */
  sendBinary(buf: ArrayBuffer): void;
}

export interface DriverOptions {
  mode: 'live' | 'local';
  raw?: RawParams;
  /** Hot-loop backend request, ts | gpu | auto (as `wgf run --backend`), for the thread that builds the accelerator. */
  backend?: string;
  /**
   * Where the scene's hot loops run (engine/core/accelerator.ts), made by the thread that
   * hosts the driver; every build binds its loops to it. Absent: the float64 reference.
   */
  accelerator?: Accelerator;
  stepsPerFrame?: number;
  maxFps?: number;
  /** Frame bytes per second produced at most (large states are streamed at a reduced rate). */
  maxBytesPerSecond?: number;
  /** Start paused (tests and screenshots). */
  paused?: boolean;
}

/** A grid's obstacle mask, drawn by the viewer: it cannot tell a wall from an empty cell by the density. */
/** Steps played when a scene has no `steps` parameter. */
const UNBOUNDED_STEPS = 1e9;

/**
 * Plays one scene interactively: play, pause, single step, reset, speed and
 * parameter changes, streaming frames through a `FrameStream` callback. Each run
 * (a build of the scene) has one `Runner` for its whole life: a control message
 * sets `interrupt`, the runner's `advance` returns at the next step boundary, and
 * the loop goes on with the new settings — the guards keep their state (the energy
 * baseline is step 0's, not the last pause's). Reset and new parameters build a new
 * run. Isomorphic: the same driver runs in a Node worker thread (`wgf view`) and in
 * a browser Web Worker (the static site).
 */
export class SimDriver {
  private sim!: Simulation;
  private runner!: Runner;
  /** Stream every step while single-stepping, else every `stepsPerFrame` steps. */
  private singleStepping = false;
  private values: Record<string, number | string | boolean> = {};
  private runId = 0;
  private interrupt = false;
  private pendingSteps = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  /** The run whose initial frame has been sent. */
  private announcedRun = -1;
  private stream!: FrameStream;
  readonly status: ControlStatus;
  private readonly accelerator: Accelerator;

  constructor(
    private readonly def: SceneDefinition<any>,
    private readonly port: DriverPort,
    private readonly opts: DriverOptions,
  ) {
    this.accelerator = opts.accelerator ?? referenceAccelerator();
    this.status = { paused: opts.paused ?? false, stepsPerFrame: opts.stepsPerFrame ?? 1, targetSteps: 0, state: 'running' };
    this.rebuild(opts.raw ?? {});
  }

  /** Validates `raw` against the scene schema and (re)builds the simulation. */
  private rebuild(raw: RawParams): void {
    const params = resolveParams(this.def.params, raw);
    const sim = this.def.build(params, { accelerator: this.accelerator });
    this.sim = sim;
    this.values = params as Record<string, number | string | boolean>;
    this.runId++;
    this.pendingSteps = 0;
    this.stream = new FrameStream((b) => this.port.sendBinary(b), this.runId, this.opts.maxFps ?? 60, () => (this.singleStepping ? 1 : this.status.stepsPerFrame), this.opts.maxBytesPerSecond);
    this.runner = new Runner(sim, { guards: standardGuards(this.stream.schedule), outputs: [this.stream], recordSchedule: this.stream.schedule });
    this.status.targetSteps = typeof params.steps === 'number' && params.steps > 0 ? params.steps : UNBOUNDED_STEPS;
    this.status.state = this.status.paused ? 'paused' : 'running';
    delete this.status.message;
    delete this.status.hint;
    delete this.status.idle; // a new run: its loop has not stopped yet
    delete this.status.frameStep;
    this.announce();
  }

  /** hello + reference + weights + status + the initial frame, for a new run. */
  private announce(): void {
    const { sim, def } = this;
    const i = sim.info;
    // The client lays out what the frames hold: the scene's view of the state when it has one.
    const info: ViewInfo = { kind: i.kind, dim: i.view ? i.view.shape[1] : i.dim, shape: i.view?.shape ?? i.shape, bounds: i.bounds, sphere: i.sphere, dt: i.dt, mainMetric: i.mainMetric, gradientFlow: i.gradientFlow };
    const mask = sim.obstacles();
    if (mask) info.mask = maskRuns(mask);
    const scene = { id: def.id, title: def.title, description: def.description, params: def.params };
    this.port.send({ type: 'hello', mode: this.opts.mode, scene, values: this.values, info, runId: this.runId });
    const ref = sim.reference();
    if (ref) this.port.sendBinary(encodeBinary('reference', ref.data, ref.shape, { label: ref.label }, 0, 0, this.runId));
    const w = sim.weights();
    if (w && w.some((v) => Math.abs(v - w[0]) > 1e-15)) this.port.sendBinary(encodeBinary('weights', w, [w.length], {}, 0, 0, this.runId));
    this.sendStatus();
  }

  private sendStatus(): void {
    this.port.send({ type: 'status', status: { ...this.status }, runId: this.runId });
  }

  /** Applies a control message (already validated by `parseClientMessage`). */
  handle(msg: ClientMessage): void {
    if (this.status.state === 'error' || this.status.state === 'diverged') {
      // A failed run only restarts (Reset, or new parameters), and the restart plays.
      if (msg.type !== 'reset' && msg.type !== 'params') return this.sendStatus();
      this.status.paused = false;
    }
    switch (msg.type) {
      case 'play':
        if (this.runner.step >= this.status.targetSteps) this.status.targetSteps += Math.max(1, Number(this.values.steps) || 100);
        this.status.paused = false;
        this.status.state = 'running';
        break;
      case 'pause':
        this.status.paused = true;
        this.status.state = 'paused';
        break;
      case 'step':
        this.status.paused = true;
        this.status.state = 'paused';
        this.pendingSteps++;
        break;
      case 'speed':
        this.status.stepsPerFrame = msg.stepsPerFrame;
        break;
      case 'reset':
        this.rebuild(this.values);
        break;
      case 'params':
        try {
          this.rebuild({ ...this.values, ...msg.values });
        } catch (e) {
          // A bad value (ParamError) or a combination the scene's builder refuses: the run goes on unchanged.
          const message = e instanceof ParamError ? e.message : `the scene refused these parameters: ${(e as Error).message.split('\n')[0]}`;
          this.port.send({ type: 'paramError', message });
          return;
        }
        break;
    }
    this.interrupt = true;
    // The play loop wakes: it is no longer known to be idle (it says so again when it is).
    delete this.status.idle;
    delete this.status.frameStep;
    this.sendStatus();
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.interrupt = true;
    this.wake?.();
  }

  /**
   * The play loop; resolves when `close()` is called. A simulation that throws
   * (other than diverging) stops with state 'error' and its message; Reset or a
   * parameter change starts a new run.
   */
  async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.play();
      } catch (e) {
        this.status.paused = true;
        this.status.state = 'error';
        this.status.message = (e as Error).message.split('\n')[0];
        this.sendStatus();
        const failed = this.runId;
        while (!this.closed && this.runId === failed) {
          await new Promise<void>((r) => (this.wake = r));
          this.wake = null;
        }
      }
    }
  }

  private async play(): Promise<void> {
    while (!this.closed) {
      this.interrupt = false;
      const { runner } = this;
      if (this.announcedRun !== this.runId) {
        // The initial state of a new run, even while paused (the stream is due at the start).
        this.announcedRun = this.runId;
        const stop = await runner.start();
        if (stop) this.stopped(stop);
      }
      const single = this.status.paused && this.pendingSteps > 0;
      if ((this.status.paused && !single) || this.status.state === 'diverged' || this.status.state === 'error') {
        if (!this.status.idle) {
          // Stopped, its last frame sent: say so (clients and tests wait for this, not for a while).
          this.status.idle = true;
          this.status.frameStep = this.stream.sentStep;
          this.sendStatus();
        }
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      const target = single ? runner.step + 1 : this.status.targetSteps;
      if (runner.step >= target) {
        this.status.paused = true;
        this.status.state = 'done';
        this.sendStatus();
        continue;
      }
      const before = runner.step;
      this.singleStepping = single;
      // A single step is only cut short by a new run (or close), not by further control messages.
      const shouldStop = single ? () => this.closed || runner !== this.runner : () => this.interrupt || this.closed;
      const { stop } = await runner.advance(target, shouldStop);
      this.singleStepping = false;
      if (single && runner === this.runner && runner.step > before) this.pendingSteps--;
      if (stop && runner === this.runner) this.stopped(stop);
    }
  }

  /** A guard ended the run (diverged) or a step threw (error): paused, with the message and the hint. */
  private stopped(stop: { status: string; message: string; hint?: { param: string; value: number } }): void {
    this.status.paused = true;
    this.status.state = stop.status === 'diverged' ? 'diverged' : 'error';
    // The browser phrases the remedy itself (a button in the HUD), never a command-line flag.
    this.status.message = stop.message;
    if (stop.hint) this.status.hint = { ...stop.hint, cause: stop.message };
    this.sendStatus();
  }
}
