import { get, set, simd, uleb } from './wasm-encoding.ts';

/**
 * Constants of the hand-emitted kernels. v128 constants are held in a table at the start of the module's
 * memory (a data segment) and loaded into locals once per call. An inline `splat`
 * (f64.const; f64x2.splat) — or a local set from one, which V8 folds back into a
 * constant — is rebuilt by V8 at every use: a move of the bits into an integer
 * register, then into a vector register, then a broadcast. The exp and log
 * polynomials use some twenty constants per pair of values, so those moves, not the
 * arithmetic, were much of the loop (hoisting them made the exp sweep ~1.7× faster,
 * measured). Values loaded from memory cannot be folded: V8
 * keeps them in registers or reads them from its spill slots. The values, and so the
 * bits of every result, are those of the inline form.
 */
export class ConstantTable {
  private readonly slots = new Map<string, number>();
  private readonly bytes: number[] = [];

  /** Byte address of the table slot holding v (allocated on first use). */
  slot(v: number | bigint): number {
    const dv = new DataView(new ArrayBuffer(8));
    if (typeof v === 'bigint') dv.setBigUint64(0, v, true);
    else dv.setFloat64(0, v, true);
    const key = dv.getBigUint64(0, true).toString(16); // the bits: −0 and 0 differ
    let at = this.slots.get(key);
    if (at === undefined) {
      at = this.bytes.length;
      this.slots.set(key, at);
      this.bytes.push(...new Uint8Array(dv.buffer));
    }
    return at;
  }

  /** Byte address (16-aligned) of a block of raw bytes placed in the table (a lookup table). */
  block(bytes: number[]): number {
    while (this.bytes.length % 16) this.bytes.push(0);
    const at = this.bytes.length;
    this.bytes.push(...bytes);
    return at;
  }

  /** Bytes the table occupies from address 0. */
  get size(): number {
    return this.bytes.length;
  }

  /** The data section (id 11) that puts the table at address 0. */
  section(): number[] {
    const seg = [0x00, 0x41, 0x00, 0x0b, ...uleb(this.bytes.length), ...this.bytes];
    return [11, ...uleb(1 + seg.length), 1, ...seg];
  }
}

/** i32.const of any value (signed LEB128). */
export function i32const(v: number): number[] {
  const out = [0x41];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** Emits a v128 constant with both lanes equal to v (its bits when a BigInt): inline `splat` or V128Constants.k. */
export type V128Const = (v: number | bigint) => number[];

/** One function's constants: locals numbered from `first` in order of first use. */
export class V128Constants {
  private readonly locals = new Map<number, number>(); // table slot → local

  constructor(
    private readonly table: ConstantTable,
    private readonly first: number,
  ) {}

  /** get of the local holding v in both lanes. */
  readonly k = (v: number | bigint): number[] => {
    const at = this.table.slot(v);
    let local = this.locals.get(at);
    if (local === undefined) {
      local = this.first + this.locals.size;
      this.locals.set(at, local);
    }
    return get(local);
  };

  /** How many locals were used (declare them as v128). */
  get count(): number {
    return this.locals.size;
  }

  /** The code that fills the locals (v128.load64_splat from the table): put it before the loop. */
  init(): number[] {
    return [...this.locals].flatMap(([at, local]) => [0x41, 0x00, ...simd(0x0a), 3, ...uleb(at), ...set(local)]);
  }
}
