import type { WatAssembler } from '../../wasm/assembler.ts';
import { ModuleCache } from '../../wasm/module-instances.ts';
import { whileLoop } from '../../wasm/wat.ts';

/**
 * The float64 ReLU forward pass in R³ (relu-kernels.ts reluPredict3) as a WebAssembly SIMD
 * kernel on f64x2 lanes over the data points, written as WAT text (assembled by
 * engine/wasm/assembler.ts):
 *
 *   f[n] = Σ_i c_i (z_in + |z_in|),   c_i = (0.5 ω_i) a_i,   z_in = ((b_i + w_i0 x_n0) + w_i1 x_n1) + w_i2 x_n2
 *
 * It runs the JavaScript loop's IEEE operations in its order for every f[n]: f = +0, then for
 * each pair of neurons in order f ← f + (c (z + |z|) + c' (z' + |z'|)), the odd last neuron
 * alone f ← f + c (z + |z|). WebAssembly has no fused multiply–add and f64x2 lanes round as
 * f64 does, so every f[n] has the JavaScript kernel's bits (tests/engine/models/mlp/wasm-relu.test.ts):
 * a record's training risk, and the step's residuals where the velocity runs in float64,
 * are unchanged, only faster. The loop nest is the JavaScript one (pairs of neurons outside,
 * the points inside, the pair's ten parameters splatted in v128 locals), two points per v128.
 * Measured at m = N = 512 (2-core AMD EPYC, node 20, min and median of 7, load 0.8–3):
 * 0.39–0.62 ms in JavaScript, 0.14–0.21 ms here with the copies in and out (2.7–3.0×); at
 * m = 4096, N = 2048 14–20 ms and 4.5–6.6 ms (3.1–3.3×). In `wgf run mlp-mean-field` (2000
 * steps, 200 records) the forward pass of every float64 velocity and record went from ~1 s
 * to ~0.36 s of CPU. Variants measured and not kept (same bits): two v128 per trip (no
 * faster), points outside with f in a register and the neurons inside (one or two v128 of
 * points, one or two pairs per trip: up to 1.6× slower than this).
 *
 * Layout in the instance's memory (bytes): P [m, 5] rows (c, w0, w1, w2, b) at 0, then
 * X0 | X1 | X2 [np] each (np = N rounded up to even, padded with 0: the padded lane's f is
 * not copied out), then f [np]; every start 16-byte aligned.
 */
export function wasmReluPredictWat(): string {
  const g = (x: string) => `(local.get $${x})`;
  const P = ['c', 'w0', 'w1', 'w2', 'b'];
  /** The pair's parameters (suffix '' or '2', byte offset in P), splatted. */
  const setP = (s: string, off: number) => P.map((q, k) => `(local.set $${q}${s} (v128.load64_splat offset=${off + 8 * k} ${g('p')}))`).join(' ');
  const z = (s: string) => `(f64x2.add (f64x2.add (f64x2.add ${g('b' + s)} (f64x2.mul ${g('w0' + s)} ${g('x0')})) (f64x2.mul ${g('w1' + s)} ${g('x1')})) (f64x2.mul ${g('w2' + s)} ${g('x2')}))`;
  /** c (z + |z|) of the local z. */
  const relu = (s: string, zl: string) => `(f64x2.mul ${g('c' + s)} (f64x2.add ${g(zl)} (f64x2.abs ${g(zl)})))`;
  const loadX = `(local.set $x0 (v128.load (i32.add ${g('oX')} ${g('n')})))
       (local.set $x1 (v128.load (i32.add ${g('px1')} ${g('n')})))
       (local.set $x2 (v128.load (i32.add ${g('px2')} ${g('n')})))`;
  const fAt = `(i32.add ${g('oF')} ${g('n')})`;
  const next = `(local.set $n (i32.add ${g('n')} (i32.const 16)))`;
  const overPoints = (label: string, body: string) => `(local.set $n (i32.const 0))
     ${whileLoop(label, `(i32.ge_u ${g('n')} ${g('s')})`, `${body}
       ${next}`)}`;
  return `(module
  (memory (export "memory") 1)
  ;; m neurons, np points (even), byte offsets of P, X0 and f
  (func (export "predict") (param $m i32) (param $np i32) (param $oP i32) (param $oX i32) (param $oF i32)
    (local $n i32) (local $s i32) (local $p i32) (local $pe i32) (local $px1 i32) (local $px2 i32)
    ${[...P, ...P.map((q) => q + '2'), 'x0', 'x1', 'x2', 'z', 'zz'].map((q) => `(local $${q} v128)`).join(' ')}
    (local.set $s (i32.shl ${g('np')} (i32.const 3)))
    (local.set $px1 (i32.add ${g('oX')} ${g('s')}))
    (local.set $px2 (i32.add ${g('px1')} ${g('s')}))
    ;; f = +0
    ${overPoints('zero', `(v128.store ${fAt} (v128.const i64x2 0 0))`)}
    ;; pairs of neurons: f ← f + (c (z + |z|) + c' (z' + |z'|))
    (local.set $p ${g('oP')})
    (local.set $pe (i32.add ${g('oP')} (i32.mul (i32.shr_u ${g('m')} (i32.const 1)) (i32.const 80))))
    ${whileLoop('pairs', `(i32.ge_u ${g('p')} ${g('pe')})`, `${setP('', 0)}
     ${setP('2', 40)}
     ${overPoints('points', `${loadX}
       (local.set $z ${z('')})
       (local.set $zz ${z('2')})
       (v128.store ${fAt} (f64x2.add (v128.load ${fAt}) (f64x2.add ${relu('', 'z')} ${relu('2', 'zz')})))`)}
     (local.set $p (i32.add ${g('p')} (i32.const 80)))`)}
    ;; the odd last neuron alone: f ← f + c (z + |z|)
    (if (i32.and ${g('m')} (i32.const 1)) (then
     ${setP('', 0)}
     ${overPoints('last', `${loadX}
       (local.set $z ${z('')})
       (v128.store ${fAt} (f64x2.add (v128.load ${fAt}) ${relu('', 'z')}))`)})))
)`;
}

/** One instance of the kernel (its own memory) and the views of its current layout. */
export class WasmReluForward {
  private readonly run: (m: number, np: number, oP: number, oX: number, oF: number) => void;
  private readonly memory: WebAssembly.Memory;
  /** Capacities (neurons, padded points) of the layout, its byte offsets and views. */
  private capM = -1;
  private capN = -1;
  private oX = 0;
  private oF = 0;
  private P = new Float64Array(0);
  private X = new Float64Array(0);
  private F = new Float64Array(0);

  constructor(mod: WebAssembly.Module) {
    const ex = new WebAssembly.Instance(mod, {}).exports;
    this.run = ex.predict as WasmReluForward['run'];
    this.memory = ex.memory as WebAssembly.Memory;
  }

  /**
   * reluPredict3 (relu-kernels.ts) with the same bits: f[n] = Σ_i ω_i a_i max(w_i·x_n + b_i, 0),
   * n < N, θ [m, 5], Xt [3, N] (overwrites f[0, N)). Copies the parameters (c_i computed
   * here as there) and the inputs in, f out: O((m + N)) next to the O(m N) pass.
   */
  predict(theta: Float64Array, omega: Float64Array, Xt: Float64Array, N: number, f: Float64Array): void {
    const m = omega.length;
    const np = N + (N & 1);
    if (m > this.capM || np > this.capN || this.P.buffer !== this.memory.buffer) this.layout(Math.max(m, this.capM), Math.max(np, this.capN));
    const P = this.P, X = this.X;
    for (let i = 0; i < m; i++) {
      const o = 5 * i;
      P[o] = 0.5 * omega[i] * theta[o];
      P[o + 1] = theta[o + 1];
      P[o + 2] = theta[o + 2];
      P[o + 3] = theta[o + 3];
      P[o + 4] = theta[o + 4];
    }
    // X0 | X1 | X2 at stride np (the kernel's; the capacity is 3 capN ≥ 3 np), each padded with one 0 when N is odd.
    for (let k = 0; k < 3; k++) {
      X.set(Xt.subarray(k * N, (k + 1) * N), k * np);
      if (np > N) X[k * np + N] = 0;
    }
    this.run(m, np, 0, this.oX, this.oF);
    f.set(this.F.subarray(0, N));
  }

  private layout(m: number, np: number): void {
    const pBytes = 8 * 5 * m;
    this.oX = Math.ceil(pBytes / 16) * 16;
    this.oF = this.oX + 3 * 8 * np;
    const bytes = this.oF + 8 * np;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
    const buf = this.memory.buffer;
    this.P = new Float64Array(buf, 0, 5 * m);
    this.X = new Float64Array(buf, this.oX, 3 * np);
    this.F = new Float64Array(buf, this.oF, np);
    this.capM = m;
    this.capN = np;
  }
}

const modules = new ModuleCache();
const instances = new WeakMap<WebAssembly.Module, WasmReluForward>();

/**
 * This thread's instance of the kernel, or null: no assembler (the JavaScript loop runs),
 * or a runtime without WebAssembly SIMD. Assembled once per assembler.
 */
export function wasmReluForward(assembler: WatAssembler | null | undefined): WasmReluForward | null {
  const mod = modules.get(assembler, 'relu-predict3', wasmReluPredictWat);
  if (!mod) return null;
  let w = instances.get(mod);
  if (!w) instances.set(mod, (w = new WasmReluForward(mod)));
  return w;
}
