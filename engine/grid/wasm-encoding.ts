/**
 * The few pieces of the WebAssembly binary format that wgflow's hand-emitted SIMD
 * kernels need (WebAssembly Core Specification §5; SIMD opcodes are 0xfd + LEB128).
 */
export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const get = (i: number) => [0x20, i];
export const set = (i: number) => [0x21, i];
export const simd = (op: number) => [0xfd, ...uleb(op)];
/** i32.const of a small non-negative value (< 64: one signed-LEB byte). */
export const i32c = (v: number) => [0x41, v];

/** f64.const with the given value, or with raw IEEE bits (a BigInt) for integer masks. */
export function f64c(v: number | bigint): number[] {
  const dv = new DataView(new ArrayBuffer(8));
  if (typeof v === 'bigint') dv.setBigUint64(0, v, true);
  else dv.setFloat64(0, v, true);
  return [0x44, ...new Uint8Array(dv.buffer)];
}

/** A v128 with both lanes equal to v (value or raw bits). */
export const splat = (v: number | bigint) => [...f64c(v), ...simd(0x14)];

export const op = {
  add: 0x6a, sub: 0x6b, shl: 0x74, geU: 0x4f, gtU: 0x4b,
  v128Load: [...simd(0x00), 3, 0], v128Store: [...simd(0x0b), 3, 0], f64Load: [0x2b, 3, 0],
  f64x2Add: simd(0xf0), f64x2Sub: simd(0xf1), f64x2Mul: simd(0xf2), f64x2Div: simd(0xf3),
  f64x2Lt: simd(0x49), f64x2Gt: simd(0x4a), f64x2Ge: simd(0x4c), f64x2Eq: simd(0x47), f64x2Ne: simd(0x48), f64x2Nearest: simd(0x94), f64x2Splat: simd(0x14),
  v128And: simd(0x4e), v128Or: simd(0x50), bitselect: simd(0x52),
  i64x2Shl: simd(0xcb), i64x2ShrU: simd(0xcd),
};

/** block; loop — closed by `endLoop`. */
export const loopOpen = [0x02, 0x40, 0x03, 0x40];
/** br 0 (continue); end loop; end block. */
export const loopClose = [0x0c, 0, 0x0b, 0x0b];
/** br_if 1: leave the enclosing block when the i32 on the stack is true. */
export const breakIf = [0x0d, 1];
