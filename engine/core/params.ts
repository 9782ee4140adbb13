/**
 * Scene parameter schemas: typed defaults, ranges and allowed values, so that the
 * CLI, the viewer's parameter panel and `wgf list` all read the same description,
 * and every bad value is rejected with a message naming the parameter and what is
 * allowed.
 */
export type ParamSpec =
  | { type: 'number'; default: number; min?: number; max?: number; minExclusive?: boolean; description: string }
  | { type: 'integer'; default: number; min?: number; max?: number; description: string }
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'choice'; default: string; values: readonly string[]; description: string };

/** A scene's parameters by name. */
export type ParamSchema = Record<string, ParamSpec>;

/** The value type of a parameter: boolean, string (choice) or number. */
export type ParamValue<S extends ParamSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'choice' }
    ? string
    : number;

/** Resolved values of a schema, typed by it (what `build` receives). */
export type ParamValues<S extends ParamSchema> = { [K in keyof S]: ParamValue<S[K]> };

/** Unvalidated overrides (`--set k=v`, the viewer's panel), checked by `resolveParams`. */
export type RawParams = Record<string, string | number | boolean>;

/** A bad parameter value: the message names the parameter and its allowed values. */
export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

/** Human-readable allowed range, e.g. "a number in (0, 1]". */
export function describeAllowed(spec: ParamSpec): string {
  switch (spec.type) {
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${spec.values.join(', ')}`;
    case 'integer':
    case 'number': {
      const kind = spec.type === 'integer' ? 'an integer' : 'a number';
      const lo = spec.min === undefined ? '(-inf' : `${spec.type === 'number' && spec.minExclusive ? '(' : '['}${spec.min}`;
      const hi = spec.max === undefined ? 'inf)' : `${spec.max}]`;
      if (spec.min === undefined && spec.max === undefined) return kind;
      return `${kind} in ${lo}, ${hi}`;
    }
  }
}

/** A decimal number as written on a command line: `12`, `-0.5`, `.5`, `1e-3`, `+2.`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;


function parseOne(name: string, spec: ParamSpec, raw: string | number | boolean): number | string | boolean {
  const bad = () => new ParamError(`parameter '${name}' must be ${describeAllowed(spec)}; got '${raw}'`);
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (s === 'true' || s === '1' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'no') return false;
      throw bad();
    }
    case 'choice': {
      const s = String(raw);
      if (!spec.values.includes(s)) throw bad();
      return s;
    }
    case 'integer':
    case 'number': {
      // Decimal notation only: Number() would also take '0x10', '0b11', '0o7' (and '' as 0).
      const v = typeof raw === 'number' ? raw : DECIMAL.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      if (!Number.isFinite(v)) throw bad();
      if (spec.type === 'integer' && !Number.isInteger(v)) throw bad();
      if (spec.min !== undefined && (v < spec.min || (spec.type === 'number' && spec.minExclusive && v === spec.min))) throw bad();
      if (spec.max !== undefined && v > spec.max) throw bad();
      return v;
    }
  }
}

/**
 * Resolves raw overrides (strings from the command line, or typed values) against a
 * schema: unknown names and invalid values throw a ParamError.
 */
export function resolveParams<S extends ParamSchema>(schema: S, raw: RawParams = {}): ParamValues<S> {
  const out: Record<string, unknown> = {};
  // Own properties only: 'constructor', 'toString' or '__proto__' are not parameters.
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(schema, name)) {
      throw new ParamError(`unknown parameter '${name}' (allowed: ${Object.keys(schema).join(', ')})`);
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    out[name] = Object.hasOwn(raw, name) ? parseOne(name, spec, raw[name]) : spec.default;
  }
  return out as ParamValues<S>;
}

/**
 * Parses `k=v` strings (the CLI's `--set`). Keys are defined as own properties, so
 * that `__proto__=…` is a key like any other (refused by resolveParams as unknown),
 * never a change of the object's prototype.
 */
export function parseAssignments(items: readonly string[]): RawParams {
  const out: RawParams = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ParamError(`--set expects key=value; got '${item}'`);
    Object.defineProperty(out, item.slice(0, eq).trim(), { value: item.slice(eq + 1).trim(), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
