import { EXP_LOG_PARAMS, expBody, lanes, logBody, logWork } from './wasm-exp-log.ts';
import { F64, I32, V128, get, i32c, name, op, section, set, uleb } from './wasm-encoding.ts';

/**
 * The interior of the separable convolution (separable-convolution.ts) as a tiny
 * WebAssembly SIMD kernel, emitted here byte by byte (no toolchain, no binary file):
 *
 *     for c in [start, end) step 2:  dst[c:c+2] = k_0 src[c:c+2] + Σ_{m=1..w} k_m (src[c−mS : ] + src[c+mS : ])
 *
 * on f64x2 lanes, S the stride of the axis (1 along a line, `inner` across rows).
 * Each lane performs exactly the JavaScript loop's operations in the same order
 * (s = k_0 x; s = s + k_m (a + b)), so both paths give the same bits. Where
 * WebAssembly SIMD is missing (old browsers), `wasmConvolution()` returns null and
 * the JavaScript loops run instead. WebAssembly spec: SIMD proposal (v128, f64x2).
 */
/**
 * Body of conv (params src, dst, start, end, stride, w, taps) or, withLog, of convLog
 * (one more f64 param `shift`, and dst = shift + log(result): the last pass of the
 * plain soft C-transform with its log fused in, wasm-exp-log.ts). Locals: c, m, off
 * (i32), acc (v128), and for convLog the seven v128 lanes of the log.
 */
function convBody(withLog: boolean): number[] {
  const [SRC, DST, START, END, STRIDE, W, TAPS] = [0, 1, 2, 3, 4, 5, 6];
  const SHIFT = 7;
  const first = withLog ? 8 : 7;
  const [C, M, OFF, ACC] = [first, first + 1, first + 2, first + 3];
  const L = lanes(first + 4);
  const { add: ADD, sub: SUB, shl: SHL, geU: GE_U, gtU: GT_U } = op;
  const { v128Load: V128_LOAD, v128Store: V128_STORE, f64Load: F64_LOAD, f64x2Splat: F64X2_SPLAT, f64x2Add: F64X2_ADD, f64x2Mul: F64X2_MUL } = op;
  return [
    2, 3, I32, withLog ? 8 : 1, V128, // locals: 3 × i32, then acc (+ 7 lanes)
    ...get(START), ...set(C),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(C), ...get(END), GE_U, 0x0d, 1, // if c >= end: break
    ...get(SRC), ...get(C), ADD, ...V128_LOAD, ...get(TAPS), ...F64_LOAD, ...F64X2_SPLAT, ...F64X2_MUL, ...set(ACC),
    ...i32c(1), ...set(M), ...get(STRIDE), ...set(OFF),
    0x02, 0x40, 0x03, 0x40,
    ...get(M), ...get(W), GT_U, 0x0d, 1, // if m > w: break
    ...get(ACC),
    ...get(SRC), ...get(C), ADD, ...get(OFF), SUB, ...V128_LOAD,
    ...get(SRC), ...get(C), ADD, ...get(OFF), ADD, ...V128_LOAD,
    ...F64X2_ADD,
    ...get(TAPS), ...get(M), ...i32c(3), SHL, ADD, ...F64_LOAD, ...F64X2_SPLAT,
    ...F64X2_MUL, ...F64X2_ADD, ...set(ACC),
    ...get(OFF), ...get(STRIDE), ADD, ...set(OFF),
    ...get(M), ...i32c(1), ADD, ...set(M),
    0x0c, 0, 0x0b, 0x0b, // br loop; end loop; end block
    ...get(DST), ...get(C), ADD,
    ...(withLog ? [...get(ACC), ...set(L.X), ...logWork(L, SHIFT)] : get(ACC)),
    ...V128_STORE,
    ...get(C), ...i32c(16), ADD, ...set(C),
    0x0c, 0, 0x0b, 0x0b, // br loop; end loop; end block
    0x0b,
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bodies = [convBody(false), expBody(), logBody(), convBody(true)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [3, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0, 0x60, 4, ...EXP_LOG_PARAMS, 0, 0x60, 8, I32, I32, I32, I32, I32, I32, I32, F64, 0]),
    ...section(3, [4, 0, 1, 1, 2]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [5, ...name('conv'), 0x00, 0, ...name('exp'), 0x00, 1, ...name('log'), 0x00, 2, ...name('convLog'), 0x00, 3, ...name('memory'), 0x02, 0]),
    ...section(10, [4, ...bodies.flatMap((b) => [...uleb(b.length), ...b])]),
  ]);
}

export interface WasmConvolution {
  memory: WebAssembly.Memory;
  /** conv(srcByte, dstByte, startByte, endByte, strideBytes, w, tapsByte). */
  conv: (src: number, dst: number, start: number, end: number, stride: number, w: number, taps: number) => void;
  /** dst = e^{src − shift} over bytes [0, end), end a multiple of 32 (wasm-exp-log.ts). */
  exp: (src: number, dst: number, end: number, shift: number) => void;
  /** dst = shift + log(src) over bytes [0, end), end a multiple of 32. */
  log: (src: number, dst: number, end: number, shift: number) => void;
  /** conv with dst = shift + log(result) (the fused last pass of the plain soft C-transform). */
  convLog: (src: number, dst: number, start: number, end: number, stride: number, w: number, taps: number, shift: number) => void;
}

/** The compiled module (undefined: not tried yet; null: WebAssembly SIMD unavailable). */
let compiled: WebAssembly.Module | null | undefined;

/** Compiles the module once; null where WebAssembly SIMD is unavailable. */
export function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A fresh instance (own memory) of the kernels, or null where WebAssembly SIMD is unavailable. */
export function wasmConvolution(): WasmConvolution | null {
  const mod = wasmModule();
  if (!mod) return null;
  const ex = new WebAssembly.Instance(mod, {}).exports;
  return { memory: ex.memory as WebAssembly.Memory, conv: ex.conv as WasmConvolution['conv'], exp: ex.exp as WasmConvolution['exp'], log: ex.log as WasmConvolution['log'], convLog: ex.convLog as WasmConvolution['convLog'] };
}
