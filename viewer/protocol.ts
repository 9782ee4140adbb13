/**
 * The viewer's wire format, shared by the Node server, the simulation workers
 * (Node worker thread and browser Web Worker) and the three.js client.
 *
 * State travels as binary messages, never as JSON arrays:
 *
 *     offset  size  field
 *     0       4     magic 0x31464757 ("WGF1", little-endian u32)
 *     4       1     type: 1 frame, 2 reference, 3 weights
 *     5       1     rank r of the array (1..4)
 *     6       2     m: byte length of the UTF-8 JSON meta (u16)
 *     8       4     step (u32)
 *     12      4     run id (u32): frames of an earlier run are dropped by the client
 *     16      8     t (f64)
 *     24      4r    shape (u32 each)
 *     24+4r   m     meta JSON (the frame's metric record, the reference's label), then
 *                   zero padding to a multiple of 4 bytes
 *     ...     4·Πshape  data (float32, row-major of `shape`)
 *     ...     4·Πc      a frame's companion series (a comparison's particles [n, d]), when
 *                       the meta holds its shape c as `$companion` (removed on decoding)
 *
 * Control messages (client → server, server → client) are small JSON texts,
 * validated by `parseClientMessage`; anything else is rejected with one line.
 */
import type { RawParams } from '../engine/core/params.ts';
import type { SceneDefinition, SimulationInfo } from '../engine/core/simulation.ts';
import type { MetricRecord, RunSummary } from '../engine/run/record.ts';

export const FRAME_MAGIC = 0x31464757;
export const HEADER_BYTES = 24;
export const MAX_RANK = 4;

export type BinaryKind = 'frame' | 'reference' | 'weights';
const KIND_CODE: Record<BinaryKind, number> = { frame: 1, reference: 2, weights: 3 };
const CODE_KIND: Record<number, BinaryKind> = { 1: 'frame', 2: 'reference', 3: 'weights' };

/** A decoded binary message: a float32 array of `shape` plus its metadata. */
export interface BinaryMessage {
  kind: BinaryKind;
  step: number;
  t: number;
  shape: number[];
  /** Which run (reset / parameter change) the message belongs to. */
  runId: number;
  /** Frame: the metric record; reference: { label }; weights: {}. */
  meta: Record<string, unknown>;
  data: Float32Array;
  /** A frame's companion series (a comparison run's particle cloud [n, d]), drawn over the state. */
  companion?: { shape: number[]; data: Float32Array };
}

/** Encodes a binary message; `data` is converted to float32 when it is not already. */
export function encodeBinary(
  kind: BinaryKind,
  data: ArrayLike<number>,
  shape: readonly number[],
  meta: object = {},
  step = 0,
  t = 0,
  runId = 0,
  companion?: { data: ArrayLike<number>; shape: readonly number[] } | null,
): ArrayBuffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length < 1 || shape.length > MAX_RANK) throw new Error(`frame rank must be 1..${MAX_RANK}; got ${shape.length}`);
  if (count !== data.length) throw new Error(`frame shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const extra = companion ? companion.shape.reduce((a, b) => a * b, 1) : 0;
  if (companion && extra !== companion.data.length) throw new Error(`companion shape [${companion.shape.join(', ')}] holds ${extra} values, data has ${companion.data.length}`);
  const metaBytes = new TextEncoder().encode(JSON.stringify(companion ? { ...meta, $companion: [...companion.shape] } : meta, finiteOrNull));
  if (metaBytes.length > 0xffff) throw new Error(`frame meta is ${metaBytes.length} bytes (at most 65535)`);
  const metaStart = HEADER_BYTES + 4 * shape.length;
  const dataStart = metaStart + Math.ceil(metaBytes.length / 4) * 4;
  const buf = new ArrayBuffer(dataStart + 4 * (count + extra));
  const view = new DataView(buf);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, KIND_CODE[kind]);
  view.setUint8(5, shape.length);
  view.setUint16(6, metaBytes.length, true);
  view.setUint32(8, step >>> 0, true);
  view.setUint32(12, runId >>> 0, true);
  view.setFloat64(16, t, true);
  shape.forEach((s, i) => view.setUint32(HEADER_BYTES + 4 * i, s, true));
  new Uint8Array(buf, metaStart, metaBytes.length).set(metaBytes);
  const out = new Float32Array(buf, dataStart, count);
  if (data instanceof Float32Array) out.set(data);
  else for (let i = 0; i < count; i++) out[i] = data[i];
  if (companion) {
    const c = new Float32Array(buf, dataStart + 4 * count, extra);
    for (let i = 0; i < extra; i++) c[i] = companion.data[i];
  }
  return buf;
}

/** JSON has no NaN/Infinity: they travel as null (the chart skips them). */
function finiteOrNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** Decodes a binary message; throws one line naming what is wrong. */
export function decodeBinary(buf: ArrayBuffer): BinaryMessage {
  if (buf.byteLength < HEADER_BYTES) throw new Error(`binary message of ${buf.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(buf);
  if (view.getUint32(0, true) !== FRAME_MAGIC) throw new Error('binary message does not start with the WGF1 magic');
  const kind = CODE_KIND[view.getUint8(4)];
  if (!kind) throw new Error(`unknown binary message type ${view.getUint8(4)} (allowed: 1 frame, 2 reference, 3 weights)`);
  const rank = view.getUint8(5);
  if (rank < 1 || rank > MAX_RANK) throw new Error(`binary message rank ${rank} is outside 1..${MAX_RANK}`);
  const metaLen = view.getUint16(6, true);
  const metaStart = HEADER_BYTES + 4 * rank;
  const dataStart = metaStart + Math.ceil(metaLen / 4) * 4;
  if (buf.byteLength < dataStart) throw new Error('binary message is truncated inside its header');
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(HEADER_BYTES + 4 * i, true));
  const count = shape.reduce((a, b) => a * b, 1);
  const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, metaStart, metaLen))) as Record<string, unknown>;
  const cshape = meta.$companion;
  delete meta.$companion;
  const valid = Array.isArray(cshape) && cshape.length >= 1 && cshape.length <= MAX_RANK && cshape.every((v) => Number.isInteger(v) && v >= 0);
  if (cshape !== undefined && !valid) throw new Error('binary message names a companion whose shape is not a list of 1..4 counts');
  const extra = valid ? (cshape as number[]).reduce((a, b) => a * b, 1) : 0;
  if (buf.byteLength !== dataStart + 4 * (count + extra)) {
    throw new Error(`binary message of shape [${shape.join(', ')}]${valid ? ` with a companion [${(cshape as number[]).join(', ')}]` : ''} needs ${dataStart + 4 * (count + extra)} bytes; got ${buf.byteLength}`);
  }
  const out: BinaryMessage = { kind, step: view.getUint32(8, true), runId: view.getUint32(12, true), t: view.getFloat64(16, true), shape, meta, data: new Float32Array(buf, dataStart, count) };
  if (valid) out.companion = { shape: [...(cshape as number[])], data: new Float32Array(buf, dataStart + 4 * count, extra) };
  return out;
}

/**
 * What the client needs to lay out a run (sent as JSON when a run starts): the
 * simulation's own description (engine/core/simulation.ts `SimulationInfo`), with `dim` and
 * `shape` those of the view projection when the scene has one.
 */
export type ViewInfo = Pick<SimulationInfo, 'kind' | 'dim' | 'shape' | 'bounds' | 'sphere' | 'dt' | 'mainMetric' | 'gradientFlow'> & {
  /** A grid's obstacle mask (cells where no mass may go), run-length encoded by `maskRuns`. */
  mask?: number[];
};

/**
 * Run-length code of a 0/1 mask (row-major like the grid): lengths of alternating
 * runs of free (0) and blocked (≠ 0) cells, starting with free (a leading run may be 0).
 * A wall or a pillar is a handful of runs per row, so the mask travels in the JSON hello.
 */
export function maskRuns(mask: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let current = 0, length = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 1 : 0;
    if (v !== current) {
      runs.push(length);
      current = v;
      length = 0;
    }
    length++;
  }
  runs.push(length);
  return runs;
}

/** Inverse of `maskRuns`: the mask of `n` cells; throws when the runs do not add up to n. */
export function maskFromRuns(runs: readonly number[], n: number): Uint8Array {
  const mask = new Uint8Array(n);
  let at = 0;
  runs.forEach((length, k) => {
    if (k % 2 === 1) mask.fill(1, at, Math.min(n, at + length));
    at += length;
  });
  if (at !== n) throw new Error(`mask runs cover ${at} cells; the grid has ${n}`);
  return mask;
}

/** What the client shows of a scene: its catalogue entry less the builder. */
export type SceneMeta = Pick<SceneDefinition, 'id' | 'title' | 'description' | 'params'>;

/** Run state shared by every client watching one run. */
export interface ControlStatus {
  paused: boolean;
  /** Simulation steps between streamed frames. */
  stepsPerFrame: number;
  /** Step the run plays to before pausing by itself. */
  targetSteps: number;
  /** 'running' | 'paused' | 'done' | 'diverged' | the last error. */
  state: string;
  message?: string;
  /** A diverged run's remedy (RunSummary.hint): the viewer offers it in the parameter panel. */
  hint?: RunSummary['hint'];
  /**
   * Set on the status the play loop sends once it has stopped (paused, done) and sent its
   * last frame: no step runs and no frame follows until a control message. `frameStep`
   * is that last frame's step. Absent while the loop runs or may still run.
   */
  idle?: true;
  frameStep?: number;
}

/** Server (or worker) → client JSON messages. */
export type ServerMessage =
  | { type: 'hello'; mode: 'live' | 'local'; scene: SceneMeta; values: Record<string, number | string | boolean>; info: ViewInfo; runId: number }
  | { type: 'status'; status: ControlStatus; runId: number }
  | { type: 'paramError'; message: string }
  /** The run's metric records so far (thinned evenly), sent to a client that joins late. */
  | { type: 'history'; runId: number; records: MetricRecord[] }
  | { type: 'error'; message: string };

/** Client → server control messages. */
export type ClientMessage =
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset' }
  | { type: 'speed'; stepsPerFrame: number }
  | { type: 'params'; values: RawParams };

/** Longest control message accepted (bytes); the WebSocket server's maxPayload. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
export const MAX_STEPS_PER_FRAME = 10_000;
/** A parameter name in a params message: an identifier (schema names are). */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PARAM_STRING = 64;

/**
 * Validates a control message from an untrusted client: returns the message or
 * throws one line naming what was wrong and what is allowed. The line never repeats
 * the client's text (a reply must not grow with what was sent).
 */
export function parseClientMessage(text: string): ClientMessage {
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) throw new Error(`control message of ${text.length} bytes exceeds ${MAX_CLIENT_MESSAGE_BYTES}`);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new Error('control message is not JSON (expected {"type": "play" | "pause" | "step" | "reset" | "speed" | "params", ...})');
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('control message must be a JSON object with a "type"');
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'play':
    case 'pause':
    case 'step':
    case 'reset':
      return { type: o.type };
    case 'speed': {
      const k = o.stepsPerFrame;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_STEPS_PER_FRAME) {
        throw new Error(`speed.stepsPerFrame must be an integer in [1, ${MAX_STEPS_PER_FRAME}]`);
      }
      return { type: 'speed', stepsPerFrame: k };
    }
    case 'params': {
      const v = o.values;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('params.values must be an object of parameter values');
      const values: RawParams = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (!PARAM_NAME.test(k)) throw new Error('params.values has a key that is not a parameter name (letters, digits and _, at most 64)');
        if (typeof x !== 'number' && typeof x !== 'string' && typeof x !== 'boolean') throw new Error('params.values must map each parameter to a number, string or boolean');
        if (typeof x === 'string' && x.length > MAX_PARAM_STRING) throw new Error(`a string in params.values is longer than ${MAX_PARAM_STRING} characters`);
        Object.defineProperty(values, k, { value: x, enumerable: true, writable: true, configurable: true });
      }
      return { type: 'params', values };
    }
    default:
      throw new Error('unknown control message type (allowed: play, pause, step, reset, speed, params)');
  }
}

