import { ParamError, type RawParams } from '../../engine/core/params.ts';
import type { SceneDefinition } from '../../engine/core/simulation.ts';
import type { DriverOptions } from '../driver/sim-driver.ts';
import type { ClientMessage, ControlStatus, ServerMessage } from '../protocol.ts';
import { checkParamChange, DEFAULT_LIMITS, type SceneLimits } from './scene-limits.ts';
import { simThreadEntry, spawnSimThread, type SimThread } from './worker-source.ts';

/** A live run as the server sees it: messages out, control messages in. */
export interface LiveSource {
  /** Resolves when the simulation is built (first hello); rejects with its one-line error otherwise. */
  ready?: Promise<void>;
  onMessage(cb: (m: ServerMessage | ArrayBuffer) => void): void;
  /** A validated control message; `reply` answers its sender only (e.g. a refused parameter change). */
  send(m: ClientMessage, reply?: (m: ServerMessage) => void): void;
  close(): Promise<void>;
}

export interface LiveRunOptions {
  /** Catalogue id or scene file, as the thread loads it. */
  scene: string;
  /** The same scene's definition, to check parameter changes here before the thread sees them. */
  def: SceneDefinition<any>;
  driver: DriverOptions;
  limits?: SceneLimits;
  /**
   * A control message the thread has not applied after this long (it is inside a long
   * step) is answered by the server itself, and a reset or parameter change restarts
   * the thread. Default 500 ms, so that every control message is answered within a second.
   */
  ackMs?: number;
}

type Status = Extract<ServerMessage, { type: 'status' }>;

/**
 * Supervises the simulation thread of `wgf view` and holds the authoritative control
 * state (paused, steps per frame, the parameter values asked for), so that control
 * messages are answered within a second whatever the simulation is doing:
 *
 * - a reset or parameter change is checked here (schema and `--max-memory/--max-work`
 *   limits against the scene's estimate), then posted to the thread; if the thread does
 *   not apply it within `ackMs` (it is inside a long step), the thread is terminated and
 *   a new one builds the run with the new values. Changes that arrive meanwhile are
 *   coalesced into one rebuild, so a flood of resets costs at most one rebuild at a time;
 * - pause, play, step and speed are posted and, when not applied within `ackMs`, answered
 *   with a status saying they take effect after the current step (a pause never kills
 *   the thread: the run's progress is kept).
 *
 * Run ids stay increasing across thread restarts (each thread's ids are offset).
 */
export class LiveRun implements LiveSource {
  readonly ready: Promise<void>;
  private thread: SimThread;
  private readonly listeners: ((m: ServerMessage | ArrayBuffer) => void)[] = [];
  /** Messages before the first listener (the server subscribes once the run is ready) are kept for it. */
  private backlog: (ServerMessage | ArrayBuffer)[] | null = [];
  private readonly limits: SceneLimits;
  private readonly ackMs: number;
  private readonly control: { paused: boolean; stepsPerFrame: number };
  /** The values the run has (its last hello), and those it will have once the pending rebuild is applied. */
  private current: RawParams;
  private wanted: RawParams;
  private rebuildPosted = false;
  private rebuildQueued = false;
  private lastStatus: ControlStatus | null = null;
  private runBase = 0;
  private lastRunId = 0;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  /** A control message arrived since the last status: it is owed an answer. */
  private owed = false;
  private closed = false;

  constructor(
    private readonly entry: URL,
    private readonly opts: LiveRunOptions,
  ) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.ackMs = opts.ackMs ?? 500;
    this.control = { paused: opts.driver.paused ?? false, stepsPerFrame: opts.driver.stepsPerFrame ?? 1 };
    this.current = this.wanted = { ...opts.driver.raw };
    this.thread = this.spawn(this.wanted);
    this.ready = this.thread.ready;
  }

  onMessage(cb: (m: ServerMessage | ArrayBuffer) => void): void {
    this.listeners.push(cb);
    const waiting = this.backlog ?? [];
    this.backlog = null;
    waiting.forEach(cb);
  }

  send(m: ClientMessage, reply: (m: ServerMessage) => void = () => {}): void {
    if (this.closed) return;
    this.owed = true;
    switch (m.type) {
      case 'params':
        try {
          this.wanted = checkParamChange(this.opts.def, this.wanted, m.values, this.limits);
        } catch (e) {
          if (!(e instanceof ParamError)) throw e;
          return reply({ type: 'paramError', message: e.message });
        }
        return this.rebuild();
      case 'reset':
        return this.rebuild();
      case 'pause':
      case 'step':
        this.control.paused = true;
        break;
      case 'play':
        this.control.paused = false;
        break;
      case 'speed':
        this.control.stepsPerFrame = m.stepsPerFrame;
        break;
    }
    if (this.thread.exited) return this.restart();
    void this.thread.post(m);
    this.arm();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    await this.thread.terminate();
  }

  private spawn(raw: RawParams): SimThread {
    const thread = spawnSimThread(this.entry, this.opts.scene, { ...this.opts.driver, raw, paused: this.control.paused, stepsPerFrame: this.control.stepsPerFrame });
    thread.onMessage((m) => {
      if (thread === this.thread) this.fromThread(m);
    });
    return thread;
  }

  /** One rebuild at a time goes to the thread; later requests wait, merged into `wanted`. */
  private rebuild(): void {
    if (this.thread.exited) return this.restart();
    if (this.rebuildPosted) {
      this.rebuildQueued = true;
      return this.arm();
    }
    this.rebuildPosted = true;
    const thread = this.thread;
    void thread.post({ type: 'params', values: this.wanted }).then(() => {
      if (thread !== this.thread) return;
      this.rebuildPosted = false;
      if (this.rebuildQueued) {
        this.rebuildQueued = false;
        this.rebuild();
      }
    });
    this.arm();
  }

  /** Ends the current thread wherever it is and builds the wanted run in a new one. */
  private restart(): void {
    const old = this.thread;
    this.rebuildPosted = this.rebuildQueued = false;
    this.runBase = this.lastRunId;
    this.answer('restarting', `the simulation did not take the change within ${this.ackMs} ms (a long step or build): restarting its thread`);
    this.thread = this.spawn(this.wanted);
    void old.terminate();
  }

  private arm(): void {
    this.watchdog ??= setTimeout(() => this.check(), this.ackMs);
  }

  private check(): void {
    this.watchdog = null;
    if (this.closed) return;
    const since = this.thread.pendingSince();
    if (since === null) return;
    const late = performance.now() - since;
    if (late < this.ackMs) {
      this.watchdog = setTimeout(() => this.check(), this.ackMs - late);
      return;
    }
    if (this.rebuildPosted || this.rebuildQueued) return this.restart();
    if (this.owed) {
      const secs = (late / 1000).toFixed(1);
      const effect = this.control.paused ? 'pausing after the current step' : 'the change applies after the current step';
      this.answer(this.control.paused ? 'pausing' : 'busy', `${effect} (running for ${secs} s); Reset or new parameters restart at once`);
    }
    this.watchdog = setTimeout(() => this.check(), this.ackMs);
  }

  /** A status from the server itself, built on the thread's last one. */
  private answer(state: string, message: string): void {
    this.owed = false;
    // Sent while the thread is inside a step or a build: not idle, whatever its last status said.
    const { idle: _idle, frameStep: _frameStep, ...base } = this.lastStatus ?? { paused: true, stepsPerFrame: 1, targetSteps: 0, state };
    const status: ControlStatus = { ...base, paused: this.control.paused, stepsPerFrame: this.control.stepsPerFrame, state, message };
    this.emit({ type: 'status', status, runId: this.lastRunId } satisfies Status);
  }

  private fromThread(m: ServerMessage | ArrayBuffer): void {
    if (m instanceof ArrayBuffer) {
      // A transferred buffer: ours to relabel with the run id offset of this thread.
      const view = new DataView(m);
      view.setUint32(12, view.getUint32(12, true) + this.runBase, true);
      return this.emit(m);
    }
    if (m.type === 'hello' || m.type === 'status') {
      m = { ...m, runId: m.runId + this.runBase };
      this.lastRunId = Math.max(this.lastRunId, m.runId);
    }
    if (m.type === 'hello') {
      this.current = { ...m.values };
      if (!this.rebuildPosted && !this.rebuildQueued) this.wanted = this.current;
    }
    // The scene's builder refused the combination: the run goes on with the values it has.
    if (m.type === 'paramError' && !this.rebuildQueued) this.wanted = this.current;
    if (m.type === 'status') {
      this.lastStatus = m.status;
      if (this.thread.pendingSince() === null) this.owed = false;
      // The thread's own state (e.g. paused at 'done') is authoritative unless newer requests are on their way to it.
      if (this.thread.pendingSince() === null) {
        this.control.paused = m.status.paused;
        this.control.stepsPerFrame = m.status.stepsPerFrame;
      }
    }
    this.emit(m);
  }

  private emit(m: ServerMessage | ArrayBuffer): void {
    if (this.backlog) return void this.backlog.push(m);
    for (const l of this.listeners) l(m);
  }
}

/** Starts the simulation thread of a live run under supervision. */
export async function startLiveRun(opts: LiveRunOptions): Promise<LiveRun> {
  return new LiveRun(await simThreadEntry(), opts);
}
