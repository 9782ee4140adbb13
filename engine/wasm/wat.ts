/**
 * Small pieces shared by the WAT generators of the SIMD kernels: data segments and the
 * constants table. WebAssembly text format: WebAssembly Core Specification §6.
 */

/** A WAT string literal holding the little-endian bytes of `values` (f64). */
export function f64Data(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  return `"${Array.from(bytes, (b) => '\\' + b.toString(16).padStart(2, '0')).join('')}"`;
}

/** A WAT f64 literal with the exact bits of v (hex float: no decimal round trip). */
export function f64(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0x0p+0' : '0x0p+0';
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  const bits = dv.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & 0xfffffffffffffn).toString(16).padStart(13, '0');
  return exp === 0 ? `${sign}0x0.${mant}p-1022` : `${sign}0x1.${mant}p${exp - 1023}`;
}

/**
 * The constants of a module's kernels, held in a table at the start of its memory and
 * loaded into v128 locals once per call (`v128.load64_splat`). An inline
 * `f64x2.splat (f64.const c)` is rebuilt by V8 at every use (a move of the bits to an
 * integer register, to a vector register, a broadcast); the exp and log polynomials use
 * some twenty constants per pair of values, so those moves, not the arithmetic, were much
 * of the loop (loading them once made the exp sweep ~1.7× faster, measured). Values
 * loaded from memory cannot be folded back: V8 keeps them in registers or spill slots.
 */
export class ConstantTable {
  private readonly values: number[] = [];
  private readonly at = new Map<string, number>();
  /** Lookup tables, placed first: [byte address, values]. */
  private readonly blocks: [number, ArrayLike<number>][] = [];
  /** Byte address of the first constant (after the blocks). */
  private first = 0;

  /** Byte address (16-aligned) of a lookup table of doubles; place them before any constant. */
  block(values: ArrayLike<number>): number {
    if (this.values.length) throw new Error('ConstantTable: place lookup tables before constants');
    const a = Math.ceil(this.first / 16) * 16;
    this.blocks.push([a, values]);
    this.first = a + 8 * values.length;
    return a;
  }

  /** Byte address of the slot holding v (by its bits: −0 and 0 differ). */
  slot(v: number): number {
    const key = f64(v);
    let a = this.at.get(key);
    if (a === undefined) {
      a = this.first + 8 * this.values.length;
      this.values.push(v);
      this.at.set(key, a);
    }
    return a;
  }

  /** Bytes the table occupies from address 0 (kernels' buffers start after them). */
  get bytes(): number {
    return this.first + 8 * this.values.length;
  }

  /** The data segments that fill the table. */
  data(): string {
    const segs = this.blocks.map(([a, v]) => `(data (i32.const ${a}) ${f64Data(v)})`);
    if (this.values.length) segs.push(`(data (i32.const ${this.first}) ${f64Data(this.values)})`);
    return segs.join('\n');
  }

  /** A fresh set of v128 locals for one function. */
  locals(): V128Constants {
    return new V128Constants(this);
  }
}

/**
 * One function's v128 constants: `c(v, name)` is a `local.get` of a local holding v in both
 * lanes, named `$name` (default: the value, e.g. `$0.5`, `$-inf`).
 */
export class V128Constants {
  private readonly used = new Map<number, string>(); // table address → local name

  constructor(private readonly table: ConstantTable) {}

  readonly c = (v: number, name?: string): string => {
    const a = this.table.slot(v);
    let local = this.used.get(a);
    if (local === undefined) {
      local = `$${name ?? (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan')}`;
      if ([...this.used.values()].includes(local)) local += `_${this.used.size}`;
      this.used.set(a, local);
    }
    return `(local.get ${local})`;
  };

  /** The local declarations. */
  decls(): string {
    return [...this.used.values()].map((n) => `(local ${n} v128)`).join(' ');
  }

  /** The code that fills the locals: put it before the loops. */
  init(): string {
    return [...this.used].map(([a, n]) => `(local.set ${n} (v128.load64_splat offset=${a} (i32.const 0)))`).join('\n');
  }
}

/** `block $out; loop $next; br_if $out (cond); body; br $next` — a while loop (labels must be unique in their function). */
export function whileLoop(label: string, exitWhen: string, body: string): string {
  return `(block $${label}_end (loop $${label}
  (br_if $${label}_end ${exitWhen})
  ${body}
  (br $${label})))`;
}
