import { expRange } from './exp-range.ts';
import { convolveAxisEdges, interiorOutput } from './separable-convolution.ts';
import { wasmConvolution, type WasmConvolution } from './wasm-convolution.ts';

/** wasm32 memory tops out at 4 GiB; stay well below it. */
const MAX_BYTES = 2 ** 31;

/**
 * K u on a grid with the interior of every axis pass in WebAssembly SIMD
 * (wasm-convolution.ts) and the edges in JavaScript, on two work buffers that live
 * in the module's memory: u is copied in, the passes ping-pong, the result is
 * copied out. Same bits as the JavaScript path (same operations in the same order).
 * `create` returns null where SIMD is unavailable or the grid is too large.
 */
export class WasmSeparable {
  private readonly views: Float64Array[];
  private readonly tapsAt: number[];
  private readonly bufAt: [number, number];

  private constructor(
    private readonly wasm: WasmConvolution,
    private readonly shape: readonly number[],
    private readonly taps: Float64Array[],
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    let at = 0;
    this.tapsAt = taps.map((t) => {
      const here = at;
      at += t.length * 8;
      return here;
    });
    at = Math.ceil(at / 16) * 16;
    this.bufAt = [at, at + size * 8];
    const need = at + 2 * size * 8;
    const have = wasm.memory.buffer.byteLength;
    if (need > have) wasm.memory.grow(Math.ceil((need - have) / 65536));
    const buf = wasm.memory.buffer;
    this.views = [new Float64Array(buf, this.bufAt[0], size), new Float64Array(buf, this.bufAt[1], size)];
    const all = new Float64Array(buf);
    taps.forEach((t, k) => all.set(t, this.tapsAt[k] / 8));
  }

  static create(shape: readonly number[], taps: Float64Array[]): WasmSeparable | null {
    const size = shape.reduce((a, b) => a * b, 1);
    if (2 * size * 8 + 4096 > MAX_BYTES) return null;
    const wasm = wasmConvolution();
    if (!wasm) return null;
    try {
      return new WasmSeparable(wasm, shape, taps);
    } catch {
      return null; // memory.grow refused
    }
  }

  /** out = K u, one pass per axis from the last (contiguous) one; out may alias u. */
  apply(u: Float64Array, out: Float64Array): void {
    const d = this.shape.length;
    this.views[0].set(u);
    let from = 0;
    for (let k = d - 1; k >= 0; k--) {
      this.pass(from, 1 - from, k);
      from = 1 - from;
    }
    out.set(this.views[from]);
  }

  /**
   * out = shift + log(K e^{h − shift}) (the plain form of the soft C-transform,
   * gibbs-geometry.ts), with exp and log in SIMD too (wasm-exp-log.ts); out may alias h.
   */
  logApplyShifted(h: Float64Array, shift: number, out: Float64Array): void {
    const d = this.shape.length;
    const x = this.views[0];
    const size = x.length, quad = size & ~3; // the SIMD loops take 4 values per iteration
    x.set(h);
    this.wasm.exp(this.bufAt[0], this.bufAt[0], quad * 8, shift);
    for (let i = quad; i < size; i++) x[i] = expRange(x[i] - shift);
    let from = 0;
    for (let k = d - 1; k >= 0; k--) {
      this.pass(from, 1 - from, k, k === 0 ? shift : undefined); // the log rides on the last pass
      from = 1 - from;
    }
    out.set(this.views[from]);
  }

  /** One axis pass; with `logShift`, dst = logShift + log(K-pass) (axis 0 only: the last pass). */
  private pass(from: number, to: number, axis: number, logShift?: number): void {
    const { shape } = this;
    const src = this.views[from], dst = this.views[to];
    const taps = this.taps[axis];
    const w = taps.length - 1;
    const n = shape[axis];
    let inner = 1;
    for (let k = axis + 1; k < shape.length; k++) inner *= shape[k];
    const outer = src.length / (n * inner);
    convolveAxisEdges(src, dst, shape, axis, taps);
    const count = (n - 2 * w) * inner; // interior outputs of one slab, contiguous in memory
    const pairs = count > 0 ? count >> 1 : 0;
    const srcAt = this.bufAt[from], dstAt = this.bufAt[to];
    for (let o = 0; o < outer && count > 0; o++) {
      const first = (o * n + w) * inner;
      if (logShift === undefined) this.wasm.conv(srcAt, dstAt, first * 8, (first + 2 * pairs) * 8, inner * 8, w, this.tapsAt[axis]);
      else this.wasm.convLog(srcAt, dstAt, first * 8, (first + 2 * pairs) * 8, inner * 8, w, this.tapsAt[axis], logShift);
      if (count & 1) {
        interiorOutput(src, dst, first + count - 1, inner, taps);
        if (logShift !== undefined) dst[first + count - 1] = logShift + Math.log(dst[first + count - 1]);
      }
    }
    if (logShift === undefined) return;
    // Outputs left to JavaScript: the edge rows (axis 0 is outermost, so outer = 1).
    const a = Math.min(w, n) * inner, b = Math.max(Math.min(w, n), n - w) * inner;
    for (let i = 0; i < a; i++) dst[i] = logShift + Math.log(dst[i]);
    for (let i = b; i < n * inner; i++) dst[i] = logShift + Math.log(dst[i]);
  }
}
