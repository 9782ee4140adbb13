/**
 * The state a scheme carries from one step to the next, as a plain record: the
 * measure (positions or cell masses), the RNG state, the current step size, warm
 * potentials, the state of stateful energies. It *is* the checkpoint (JAX-MD keeps an
 * integrator's state as a small record for the same reason): copying it is a
 * snapshot, writing it is a checkpoint, reading it back resumes bit for bit.
 *
 * Values are float64 arrays, finite-or-not numbers, booleans, strings, null, arrays of
 * numbers (e.g. the RNG words) and nested plain records of these.
 */
export type StateValue = Float64Array | number | boolean | string | null | number[] | StateRecord;
/** A plain record of StateValues: a scheme's state, a checkpoint's content. */
export interface StateRecord {
  [key: string]: StateValue | undefined;
}

/** Whether v is a nested record (not an array, typed array or null). */
function isRecord(v: StateValue | undefined): v is StateRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Float64Array);
}

/** A deep copy of a state record (arrays copied, so that the copy survives further steps). */
export function copyState<S extends object>(s: S): S {
  const out: StateRecord = {};
  for (const [k, v] of Object.entries(s as StateRecord)) {
    if (v === undefined) continue;
    out[k] = v instanceof Float64Array ? v.slice() : Array.isArray(v) ? [...v] : isRecord(v) ? copyState(v) : v;
  }
  return out as S;
}

/**
 * Writes `from` into `into` in place (arrays of equal length are overwritten element
 * by element, so views held by a scheme stay valid; everything else is assigned).
 */
export function assignState<S extends object>(into: S, from: S): void {
  const dst = into as StateRecord;
  for (const key of Object.keys(dst)) if (!(key in (from as StateRecord))) delete dst[key];
  for (const [k, v] of Object.entries(from as StateRecord)) {
    const cur = dst[k];
    if (v instanceof Float64Array && cur instanceof Float64Array && cur.length === v.length) cur.set(v);
    else if (isRecord(v) && isRecord(cur)) assignState(cur, v);
    else dst[k] = v instanceof Float64Array ? v.slice() : Array.isArray(v) ? [...v] : isRecord(v) ? copyState(v) : v;
  }
}

/**
 * Splits a record into its float64 arrays (by dotted path) and a JSON tree in which
 * each array is replaced by `{ "$array": path }`: the checkpoint writer stores the
 * arrays as NPY files and the tree as JSON. Non-finite numbers become
 * `{ "$number": "NaN" | "Infinity" | "-Infinity" }` (JSON has none).
 */
export function splitState(s: StateRecord, prefix = ''): { tree: unknown; arrays: Map<string, Float64Array> } {
  const arrays = new Map<string, Float64Array>();
  const walk = (v: StateValue | undefined, path: string): unknown => {
    if (v instanceof Float64Array) {
      arrays.set(path, v);
      return { $array: path };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (isRecord(v)) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = walk(x, path ? `${path}.${k}` : k);
      return o;
    }
    return v;
  };
  return { tree: walk(s, prefix), arrays };
}

/** Inverse of splitState: `array(path)` returns the stored array (throws a one-line message if it is missing). */
export function joinState(tree: unknown, array: (path: string) => Float64Array): StateRecord {
  const walk = (v: unknown): StateValue => {
    if (v === null || typeof v !== 'object') return v as StateValue;
    if (Array.isArray(v)) {
      if (!v.every((x) => typeof x === 'number')) throw new Error('state record: arrays must hold numbers');
      return [...v];
    }
    const o = v as Record<string, unknown>;
    if (typeof o.$array === 'string' && Object.keys(o).length === 1) return array(o.$array);
    if (typeof o.$number === 'string' && Object.keys(o).length === 1) return Number(o.$number);
    const out: StateRecord = {};
    for (const [k, x] of Object.entries(o)) out[k] = walk(x);
    return out;
  };
  const s = walk(tree);
  if (!isRecord(s)) throw new Error('state record: the checkpoint holds no record');
  return s;
}
