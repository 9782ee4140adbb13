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
 * not copied out), then f [np]; every start 16-byte aligned (WasmRelu3). The same module
 * holds the velocity's sums (velocityWat), on the same memory and inputs.
 */
export function wasmRelu3Wat(): string {
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
  ${velocityWat()}
)`;
}

/**
 * The velocity's sums of reluVelocity3 (relu-kernels.ts) per neuron, one neuron per f64x2 lane
 * (two per v128), the lane walking the points n in order:
 *
 *   r'_n = r_n (z_n > 0 ? 1 : +0),  gb += r',  g0 += r' x_n0,  g1 += r' x_n1,  g2 += r' x_n2
 *
 * with z_n = ((b + w0 x_n0) + w1 x_n1) + w2 x_n2 and the g's starting at +0: the JavaScript
 * loop's IEEE operations in its order for every neuron (the gate is `r[n] * +(z > 0)`: the
 * compare's mask and-ed with 1.0 gives 1 or +0), so the same bits. The parameters are
 * W0 | W1 | W2 | B [mp] at byte offset oP (mp = m rounded up to even; the padded lane's sums
 * are not read), the points X0 | X1 | X2 at stride np from oX, r [N] at oR, and the sums
 * G0 | G1 | G2 | GB [mp] are stored at oG. The v updates (O(m)) are JavaScript's.
 * Measured (2-core AMD EPYC, node 20, load 1.2, with the copies in and out): m = N = 512
 * 0.80–0.91 ms in JavaScript, 0.26 ms here (3.1–3.5×); m = 4096, N = 2048 29 ms and 7.9–8.0 ms
 * (3.7×). Whole `wgf run mlp-mean-field` (3 alternating pairs, load 1.2–1.4): steps 2.0–2.2 s
 * → 0.82–0.87 s, the process 2.6–2.8 s → 1.4–1.5 s, same final state and metrics bit for bit.
 * Not kept (same bits): two v128 (four neurons) per trip sharing the points' loads, no faster
 * at m = N = 512 and up to 1.25× slower at m = 4096, N = 2048 (measured at load ~12).
 */
function velocityWat(): string {
  const g = (x: string) => `(local.get $${x})`;
  const at = (base: string, k: number) => `(i32.add (i32.add ${g(base)} (i32.mul ${g('sm')} (i32.const ${k}))) ${g('q')})`;
  const z = `(f64x2.add (f64x2.add (f64x2.add ${g('b')} (f64x2.mul ${g('w0')} ${g('x0')})) (f64x2.mul ${g('w1')} ${g('x1')})) (f64x2.mul ${g('w2')} ${g('x2')}))`;
  const acc = (q: string, term: string) => `(local.set $${q} (f64x2.add ${g(q)} ${term}))`;
  return `;; mp neurons (even), N points, the stride np of X, byte offsets of W0, X0, r and G0
  (func (export "velocity") (param $mp i32) (param $np i32) (param $N i32) (param $oP i32) (param $oX i32) (param $oR i32) (param $oG i32)
    (local $q i32) (local $qe i32) (local $sm i32) (local $n i32) (local $ne i32) (local $px1 i32) (local $px2 i32)
    ${['w0', 'w1', 'w2', 'b', 'g0', 'g1', 'g2', 'gb', 'x0', 'x1', 'x2', 'rn', 'one'].map((q) => `(local $${q} v128)`).join(' ')}
    (local.set $one (v128.const f64x2 1 1))
    (local.set $sm (i32.shl ${g('mp')} (i32.const 3)))
    (local.set $px1 (i32.add ${g('oX')} (i32.shl ${g('np')} (i32.const 3))))
    (local.set $px2 (i32.add ${g('px1')} (i32.shl ${g('np')} (i32.const 3))))
    (local.set $ne (i32.shl ${g('N')} (i32.const 3)))
    (local.set $q (i32.const 0))
    (local.set $qe ${g('sm')})
    ${whileLoop('neurons', `(i32.ge_u ${g('q')} ${g('qe')})`, `(local.set $w0 (v128.load ${at('oP', 0)}))
     (local.set $w1 (v128.load ${at('oP', 1)}))
     (local.set $w2 (v128.load ${at('oP', 2)}))
     (local.set $b (v128.load ${at('oP', 3)}))
     ${['g0', 'g1', 'g2', 'gb'].map((q) => `(local.set $${q} (v128.const i64x2 0 0))`).join(' ')}
     (local.set $n (i32.const 0))
     ${whileLoop('points', `(i32.ge_u ${g('n')} ${g('ne')})`, `(local.set $x0 (v128.load64_splat (i32.add ${g('oX')} ${g('n')})))
       (local.set $x1 (v128.load64_splat (i32.add ${g('px1')} ${g('n')})))
       (local.set $x2 (v128.load64_splat (i32.add ${g('px2')} ${g('n')})))
       (local.set $rn (f64x2.mul (v128.load64_splat (i32.add ${g('oR')} ${g('n')})) (v128.and (f64x2.gt ${z} (v128.const i64x2 0 0)) ${g('one')})))
       ${acc('gb', g('rn'))}
       ${acc('g0', `(f64x2.mul ${g('rn')} ${g('x0')})`)}
       ${acc('g1', `(f64x2.mul ${g('rn')} ${g('x1')})`)}
       ${acc('g2', `(f64x2.mul ${g('rn')} ${g('x2')})`)}
       (local.set $n (i32.add ${g('n')} (i32.const 8)))`)}
     (v128.store ${at('oG', 0)} ${g('g0')})
     (v128.store ${at('oG', 1)} ${g('g1')})
     (v128.store ${at('oG', 2)} ${g('g2')})
     (v128.store ${at('oG', 3)} ${g('gb')})
     (local.set $q (i32.add ${g('q')} (i32.const 16)))`)})`;
}

/**
 * One instance of the module (its own memory) and the views of its current layout, shared by
 * the forward pass and the velocity's sums. Layout (bytes, every start 16-byte aligned):
 * P [5 mp] at 0 (the forward pass's rows [m, 5]; the velocity's W0 | W1 | W2 | B at stride mp),
 * X0 | X1 | X2 [np] each, then F [np] (the forward pass's f; the velocity's r), then
 * G0 | G1 | G2 | GB [mp] (the velocity's sums); mp, np: m and N rounded up to even.
 */
export class WasmRelu3 {
  private readonly runPredict: (m: number, np: number, oP: number, oX: number, oF: number) => void;
  private readonly runVelocity: (mp: number, np: number, N: number, oP: number, oX: number, oR: number, oG: number) => void;
  private readonly memory: WebAssembly.Memory;
  /** Capacities (neurons and points, both even) of the layout, its byte offsets and views. */
  private capM = -1;
  private capN = -1;
  private oX = 0;
  private oF = 0;
  private oG = 0;
  private P = new Float64Array(0);
  private X = new Float64Array(0);
  private F = new Float64Array(0);
  private G = new Float64Array(0);

  constructor(mod: WebAssembly.Module) {
    const ex = new WebAssembly.Instance(mod, {}).exports;
    this.runPredict = ex.predict as WasmRelu3['runPredict'];
    this.runVelocity = ex.velocity as WasmRelu3['runVelocity'];
    this.memory = ex.memory as WebAssembly.Memory;
  }

  /**
   * reluPredict3 (relu-kernels.ts) with the same bits: f[n] = Σ_i ω_i a_i max(w_i·x_n + b_i, 0),
   * n < N, θ [m, 5], Xt [3, N] (overwrites f[0, N)). Copies the parameters (c_i computed
   * here as there) and the inputs in, f out: O((m + N)) next to the O(m N) pass.
   */
  predict(theta: Float64Array, omega: Float64Array, Xt: Float64Array, N: number, f: Float64Array): void {
    const m = omega.length;
    const np = this.inputs(m, Xt, N);
    const P = this.P;
    for (let i = 0; i < m; i++) {
      const o = 5 * i;
      P[o] = 0.5 * omega[i] * theta[o];
      P[o + 1] = theta[o + 1];
      P[o + 2] = theta[o + 2];
      P[o + 3] = theta[o + 3];
      P[o + 4] = theta[o + 4];
    }
    this.runPredict(m, np, 0, this.oX, this.oF);
    f.set(this.F.subarray(0, N));
  }

  /**
   * reluVelocity3 (relu-kernels.ts) with the same bits: v_i −= (⟨(w, b), g⟩, a g) for the first
   * m neurons of θ [m, 5], g = Σ_n r_n 1{z_n > 0} (x_n, 1) summed here in SIMD (velocityWat),
   * the updates of v (O(m)) as in the JavaScript loop; `bias` false leaves v_b untouched.
   */
  velocity(theta: Float64Array, Xt: Float64Array, N: number, r: Float64Array, bias: boolean, v: Float64Array, m: number): void {
    const np = this.inputs(m, Xt, N);
    const mp = m + (m & 1);
    const P = this.P, G = this.G;
    for (let i = 0; i < m; i++) {
      const o = 5 * i;
      P[i] = theta[o + 1];
      P[mp + i] = theta[o + 2];
      P[2 * mp + i] = theta[o + 3];
      P[3 * mp + i] = theta[o + 4];
    }
    if (mp > m) for (let k = 0; k < 4; k++) P[k * mp + m] = 0;
    this.F.set(r.subarray(0, N));
    this.runVelocity(mp, np, N, 0, this.oX, this.oF, this.oG);
    for (let i = 0; i < m; i++) {
      const o = 5 * i;
      const a = theta[o], w0 = theta[o + 1], w1 = theta[o + 2], w2 = theta[o + 3], b = theta[o + 4];
      const g0 = G[i], g1 = G[mp + i], g2 = G[2 * mp + i], gb = G[3 * mp + i];
      v[o] -= w0 * g0 + w1 * g1 + w2 * g2 + b * gb;
      v[o + 1] -= a * g0;
      v[o + 2] -= a * g1;
      v[o + 3] -= a * g2;
      if (bias) v[o + 4] -= a * gb;
    }
  }

  /** Lays out room for m neurons and N points and copies the inputs in: X0 | X1 | X2 at stride np, each padded with one 0 when N is odd. Returns np. */
  private inputs(m: number, Xt: Float64Array, N: number): number {
    const mp = m + (m & 1);
    const np = N + (N & 1);
    if (mp > this.capM || np > this.capN || this.P.buffer !== this.memory.buffer) this.layout(Math.max(mp, this.capM), Math.max(np, this.capN));
    const X = this.X;
    for (let k = 0; k < 3; k++) {
      X.set(Xt.subarray(k * N, (k + 1) * N), k * np);
      if (np > N) X[k * np + N] = 0;
    }
    return np;
  }

  private layout(mp: number, np: number): void {
    this.oX = 8 * 5 * mp; // a multiple of 16: mp is even
    this.oF = this.oX + 3 * 8 * np;
    this.oG = this.oF + 8 * np;
    const bytes = this.oG + 4 * 8 * mp;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
    const buf = this.memory.buffer;
    this.P = new Float64Array(buf, 0, 5 * mp);
    this.X = new Float64Array(buf, this.oX, 3 * np);
    this.F = new Float64Array(buf, this.oF, np);
    this.G = new Float64Array(buf, this.oG, 4 * mp);
    this.capM = mp;
    this.capN = np;
  }
}

const modules = new ModuleCache();
const instances = new WeakMap<WebAssembly.Module, WasmRelu3>();

/**
 * This thread's instance of the kernels (forward pass and velocity), or null: no assembler
 * (the JavaScript loops run), or a runtime without WebAssembly SIMD. Assembled once per assembler.
 */
export function wasmRelu3(assembler: WatAssembler | null | undefined): WasmRelu3 | null {
  const mod = modules.get(assembler, 'relu3', wasmRelu3Wat);
  if (!mod) return null;
  let w = instances.get(mod);
  if (!w) instances.set(mod, (w = new WasmRelu3(mod)));
  return w;
}
