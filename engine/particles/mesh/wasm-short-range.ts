import type { CellList } from '../cell-list.ts';
import { compileWat, type WatAssembler } from '../../wasm/assembler.ts';
import type { PairForceTable } from './pair-force-table.ts';

/**
 * The P³M short-range velocity (short-range.ts pairForces2/pairForces3) as a WebAssembly
 * SIMD kernel on f64x2 lanes: two partners t, t + 1 of a particle s per iteration.
 * Same cells, same half stencil, same pairs (0 < r² < r_c²), same tabulated force
 * ∇S = z Φ(r/α)/r^p with the same cubic Hermite formula on the same table; only the
 * order of summation differs (the partners of s accumulate in two lanes, added at the
 * end), so the velocity agrees with the JavaScript loops to round-off
 * (tests/engine/particles/wasm-short-range.test.ts).
 *
 * Per pair of partners: positions deinterleaved by shuffles, r² and the keep mask
 * (r² < r_c² and r² > 0, and t + 1 inside the run), √r², the table index (clamped, so
 * that far candidates read inside the table; their force is masked to +0), two 32-byte
 * loads of the interleaved table [Φ_i, Φ′_iΔ, Φ_{i+1}, Φ′_{i+1}Δ] per lane, the Hermite
 * cubic, the mask, then s's two accumulators and t's velocity (a load, an add, a store
 * per partner: a masked partner gets +0). Iterations where neither lane is kept skip
 * the arithmetic. Memory of the instance: [table | stencil runs | cellStart | xs | ws | vs],
 * the glue copies the cell list in and vs out (O(n) per call against O(n·pairs)).
 *
 * Why: the JavaScript loop costs ~14 ns per kept pair at 10⁶ particles (bounds checks,
 * one lane), most of a P³M step; WebAssembly spec: SIMD (v128, f64x2, i32x4.trunc_sat_f64x2_s_zero).
 */

/** Byte offset of the lanes of f64 lane la of a and lane lb of b in an i8x16.shuffle. */
function pick(la: number, lb: number): string {
  const bytes: number[] = [];
  for (let k = 0; k < 8; k++) bytes.push(8 * la + k);
  for (let k = 0; k < 8; k++) bytes.push(16 + 8 * lb + k);
  return bytes.join(' ');
}

const g = (x: string) => `(local.get $${x})`;

/** The WAT text of the kernel for dimension d ∈ {2, 3} and force power p (pair-force-table.ts). */
export function wasmShortRangeWat(d: 2 | 3, power: 0 | 1 | 2 | 3): string {
  const axes = d === 2 ? ['x', 'y'] : ['x', 'y', 'z'];
  const den = power === 2 ? g('r2') : power === 3 ? `(f64x2.mul ${g('r2')} ${g('r')})` : power === 1 ? g('r') : null;
  // Positions of t and t + 1 (16·d bytes from pt) as one f64x2 per axis.
  const loadPositions =
    d === 2
      ? `(local.set $A (v128.load ${g('pt')}))
         (local.set $B (v128.load offset=16 ${g('pt')}))
         (local.set $X (i8x16.shuffle ${pick(0, 0)} ${g('A')} ${g('B')}))
         (local.set $Y (i8x16.shuffle ${pick(1, 1)} ${g('A')} ${g('B')}))`
      : `(local.set $A (v128.load ${g('pt')}))
         (local.set $B (v128.load offset=16 ${g('pt')}))
         (local.set $C (v128.load offset=32 ${g('pt')}))
         (local.set $X (i8x16.shuffle ${pick(0, 1)} ${g('A')} ${g('B')}))
         (local.set $Y (i8x16.shuffle ${pick(1, 0)} ${g('A')} ${g('C')}))
         (local.set $Z (i8x16.shuffle ${pick(0, 1)} ${g('B')} ${g('C')}))`;
  // t's and (t + 1)'s velocity += w_s·f, f = (fx, fy[, fz]) of each lane.
  const scatter =
    d === 2
      ? `(v128.store ${g('pv')} (f64x2.add (v128.load ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 0)} ${g('FX')} ${g('FY')}))))
         (v128.store offset=16 ${g('pv')} (f64x2.add (v128.load offset=16 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(1, 1)} ${g('FX')} ${g('FY')}))))`
      : `(v128.store ${g('pv')} (f64x2.add (v128.load ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 0)} ${g('FX')} ${g('FY')}))))
         (v128.store offset=16 ${g('pv')} (f64x2.add (v128.load offset=16 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 1)} ${g('FZ')} ${g('FX')}))))
         (v128.store offset=32 ${g('pv')} (f64x2.add (v128.load offset=32 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(1, 1)} ${g('FY')} ${g('FZ')}))))`;
  const pairBody = `
         (local.set $pt (i32.add ${g('oX')} (i32.mul ${g('t')} (i32.const ${8 * d}))))
         ${loadPositions}
         ${axes.map((a) => `(local.set $Z${a} (f64x2.sub ${g(`I${a}`)} ${g(a.toUpperCase())}))`).join('\n         ')}
         (local.set $r2 ${axes.map((a) => `(f64x2.mul ${g(`Z${a}`)} ${g(`Z${a}`)})`).reduce((acc, v) => `(f64x2.add ${acc} ${v})`)})
         (local.set $M (v128.and (v128.and (f64x2.lt ${g('r2')} ${g('CUT2')}) (f64x2.gt ${g('r2')} ${g('ZERO')}))
           (select ${g('BOTH')} ${g('FIRST')} (i32.lt_u (i32.add ${g('t')} (i32.const 1)) ${g('t1')}))))
         (if (v128.any_true ${g('M')}) (then
           (local.set $r (f64x2.sqrt ${g('r2')}))
           (local.set $U (f64x2.pmin (f64x2.mul ${g('r')} ${g('SCALE')}) ${g('UMAX')}))
           (local.set $I (i32x4.trunc_sat_f64x2_s_zero ${g('U')}))
           (local.set $U (f64x2.sub ${g('U')} (f64x2.convert_low_i32x4_s ${g('I')})))
           (local.set $pa (i32.add ${g('oT')} (i32.shl (i32x4.extract_lane 0 ${g('I')}) (i32.const 4))))
           (local.set $pb (i32.add ${g('oT')} (i32.shl (i32x4.extract_lane 1 ${g('I')}) (i32.const 4))))
           (local.set $A (v128.load ${g('pa')}))
           (local.set $B (v128.load ${g('pb')}))
           (local.set $V0 (i8x16.shuffle ${pick(0, 0)} ${g('A')} ${g('B')}))
           (local.set $H0 (i8x16.shuffle ${pick(1, 1)} ${g('A')} ${g('B')}))
           (local.set $A (v128.load offset=16 ${g('pa')}))
           (local.set $B (v128.load offset=16 ${g('pb')}))
           (local.set $V1 (i8x16.shuffle ${pick(0, 0)} ${g('A')} ${g('B')}))
           (local.set $H1 (i8x16.shuffle ${pick(1, 1)} ${g('A')} ${g('B')}))
           ;; Φ = v0 + u(d0 + u(3(v1 − v0) − 2d0 − d1 + u(2(v0 − v1) + d0 + d1))), the JavaScript loops' form
           (local.set $P (f64x2.add ${g('V0')} (f64x2.mul ${g('U')} (f64x2.add ${g('H0')} (f64x2.mul ${g('U')}
             (f64x2.add (f64x2.sub (f64x2.sub (f64x2.mul ${g('THREE')} (f64x2.sub ${g('V1')} ${g('V0')})) (f64x2.mul ${g('TWO')} ${g('H0')})) ${g('H1')})
               (f64x2.mul ${g('U')} (f64x2.add (f64x2.add (f64x2.mul ${g('TWO')} (f64x2.sub ${g('V0')} ${g('V1')})) ${g('H0')}) ${g('H1')}))))))))
           (local.set $P (v128.and ${den ? `(f64x2.div ${g('P')} ${den})` : g('P')} ${g('M')}))
           ${axes.map((a) => `(local.set $F${a.toUpperCase()} (f64x2.mul ${g('P')} ${g(`Z${a}`)}))`).join('\n           ')}
           (local.set $WT (v128.load (i32.add ${g('oW')} (i32.shl ${g('t')} (i32.const 3)))))
           ${axes.map((a) => `(local.set $S${a} (f64x2.sub ${g(`S${a}`)} (f64x2.mul ${g('WT')} ${g(`F${a.toUpperCase()}`)})))`).join('\n           ')}
           (local.set $pv (i32.add ${g('oV')} (i32.mul ${g('t')} (i32.const ${8 * d}))))
           ${scatter}))
         (local.set $t (i32.add ${g('t')} (i32.const 2)))`;
  // Runs of the half stencil into the scratch at oR (int32 pairs [start, end)), as stencilRuns in short-range.ts; entry 0 is s + 1.
  const startAt = (cell: string) => `(i32.load (i32.add ${g('oS')} (i32.shl ${cell} (i32.const 2))))`;
  const pushRun = (rowBase: string) => `
          (i32.store (i32.add ${g('oR')} (i32.shl ${g('q')} (i32.const 2))) ${startAt(`(i32.add ${rowBase} ${g('lo')})`)})
          (i32.store offset=4 (i32.add ${g('oR')} (i32.shl ${g('q')} (i32.const 2))) ${startAt(`(i32.add (i32.add ${rowBase} ${g('hi')}) (i32.const 1))`)})
          (local.set $q (i32.add ${g('q')} (i32.const 2)))`;
  const runs =
    d === 2
      ? `(local.set $lo (select (i32.sub ${g('cy')} ${g('k')}) (i32.const 0) (i32.gt_s (i32.sub ${g('cy')} ${g('k')}) (i32.const 0))))
        (local.set $hi (select (i32.add ${g('cy')} ${g('k')}) (i32.sub ${g('D1')} (i32.const 1)) (i32.lt_s (i32.add ${g('cy')} ${g('k')}) (i32.sub ${g('D1')} (i32.const 1)))))
        (i32.store offset=4 ${g('oR')} ${startAt(`(i32.add (i32.add (i32.mul ${g('cx')} ${g('D1')}) ${g('hi')}) (i32.const 1))`)})
        (local.set $q (i32.const 2))
        (local.set $j (i32.const 1))
        (block $rj_end (loop $rj
          (br_if $rj_end (i32.or (i32.gt_s ${g('j')} ${g('k')}) (i32.ge_s (i32.add ${g('cx')} ${g('j')}) ${g('D0')})))
          ${pushRun(`(i32.mul (i32.add ${g('cx')} ${g('j')}) ${g('D1')})`)}
          (local.set $j (i32.add ${g('j')} (i32.const 1)))
          (br $rj)))`
      : `(local.set $lo (select (i32.sub ${g('cz')} ${g('k')}) (i32.const 0) (i32.gt_s (i32.sub ${g('cz')} ${g('k')}) (i32.const 0))))
        (local.set $hi (select (i32.add ${g('cz')} ${g('k')}) (i32.sub ${g('D2')} (i32.const 1)) (i32.lt_s (i32.add ${g('cz')} ${g('k')}) (i32.sub ${g('D2')} (i32.const 1)))))
        (i32.store offset=4 ${g('oR')} ${startAt(`(i32.add (i32.add (i32.mul (i32.add (i32.mul ${g('cx')} ${g('D1')}) ${g('cy')}) ${g('D2')}) ${g('hi')}) (i32.const 1))`)})
        (local.set $q (i32.const 2))
        ;; same slab, later rows on the second axis
        (local.set $j (i32.const 1))
        (block $rj_end (loop $rj
          (br_if $rj_end (i32.or (i32.gt_s ${g('j')} ${g('k')}) (i32.ge_s (i32.add ${g('cy')} ${g('j')}) ${g('D1')})))
          ${pushRun(`(i32.mul (i32.add (i32.mul ${g('cx')} ${g('D1')}) (i32.add ${g('cy')} ${g('j')})) ${g('D2')})`)}
          (local.set $j (i32.add ${g('j')} (i32.const 1)))
          (br $rj)))
        ;; the next slabs, every row within reach
        (local.set $i (i32.const 1))
        (block $ri_end (loop $ri
          (br_if $ri_end (i32.or (i32.gt_s ${g('i')} ${g('k')}) (i32.ge_s (i32.add ${g('cx')} ${g('i')}) ${g('D0')})))
          (local.set $j (select (i32.sub ${g('cy')} ${g('k')}) (i32.const 0) (i32.gt_s (i32.sub ${g('cy')} ${g('k')}) (i32.const 0))))
          (block $rj2_end (loop $rj2
            (br_if $rj2_end (i32.or (i32.gt_s ${g('j')} (i32.add ${g('cy')} ${g('k')})) (i32.ge_s ${g('j')} ${g('D1')})))
            ${pushRun(`(i32.mul (i32.add (i32.mul (i32.add ${g('cx')} ${g('i')}) ${g('D1')}) ${g('j')}) ${g('D2')})`)}
            (local.set $j (i32.add ${g('j')} (i32.const 1)))
            (br $rj2)))
          (local.set $i (i32.add ${g('i')} (i32.const 1)))
          (br $ri)))`;
  const cellIndex = d === 2 ? `(i32.add (i32.mul ${g('cx')} ${g('D1')}) ${g('cy')})` : `(i32.add (i32.mul (i32.add (i32.mul ${g('cx')} ${g('D1')}) ${g('cy')}) ${g('D2')}) ${g('cz')})`;
  const particles = `
        (local.set $s ${g('a0')})
        (block $s_end (loop $s_loop
          (br_if $s_end (i32.ge_s ${g('s')} ${g('a1')}))
          (local.set $ps (i32.add ${g('oX')} (i32.mul ${g('s')} (i32.const ${8 * d}))))
          ${axes.map((a, k) => `(local.set $I${a} (f64x2.splat (f64.load offset=${8 * k} ${g('ps')})))`).join('\n          ')}
          (local.set $WI (f64x2.splat (f64.load (i32.add ${g('oW')} (i32.shl ${g('s')} (i32.const 3))))))
          ${axes.map((a) => `(local.set $S${a} (v128.const i64x2 0 0))`).join(' ')}
          (i32.store ${g('oR')} (i32.add ${g('s')} (i32.const 1)))
          (local.set $rq (i32.const 0))
          (block $q_end (loop $q_loop
            (br_if $q_end (i32.ge_s ${g('rq')} ${g('q')}))
            (local.set $t (i32.load (i32.add ${g('oR')} (i32.shl ${g('rq')} (i32.const 2)))))
            (local.set $t1 (i32.load offset=4 (i32.add ${g('oR')} (i32.shl ${g('rq')} (i32.const 2)))))
            (block $t_end (loop $t_loop
              (br_if $t_end (i32.ge_s ${g('t')} ${g('t1')}))
              ${pairBody}
              (br $t_loop)))
            (local.set $rq (i32.add ${g('rq')} (i32.const 2)))
            (br $q_loop)))
          (local.set $pv (i32.add ${g('oV')} (i32.mul ${g('s')} (i32.const ${8 * d}))))
          ${axes.map((a, k) => `(f64.store offset=${8 * k} ${g('pv')} (f64.add (f64.load offset=${8 * k} ${g('pv')}) (f64.add (f64x2.extract_lane 0 ${g(`S${a}`)}) (f64x2.extract_lane 1 ${g(`S${a}`)}))))`).join('\n          ')}
          (local.set $s (i32.add ${g('s')} (i32.const 1)))
          (br $s_loop)))`;
  const cellBody = `
        (local.set $c ${cellIndex})
        (local.set $a0 ${startAt(g('c'))})
        (local.set $a1 ${startAt(`(i32.add ${g('c')} (i32.const 1))`)})
        (if (i32.lt_s ${g('a0')} ${g('a1')}) (then
          ${runs}
          ${particles}))`;
  const loopOver = (v: string, end: string, body: string) => `
      (local.set $${v} (i32.const 0))
      (block $${v}_end (loop $${v}_loop
        (br_if $${v}_end (i32.ge_s ${g(v)} ${end}))
        ${body}
        (local.set $${v} (i32.add ${g(v)} (i32.const 1)))
        (br $${v}_loop)))`;
  const inner = d === 2 ? loopOver('cy', g('D1'), cellBody) : loopOver('cy', g('D1'), loopOver('cz', g('D2'), cellBody));
  const i32s = ['cx', 'cy', 'cz', 'c', 'a0', 'a1', 's', 't', 't1', 'q', 'rq', 'i', 'j', 'lo', 'hi', 'pt', 'pv', 'ps', 'pa', 'pb'];
  const v128s = ['A', 'B', 'C', 'X', 'Y', 'Z', 'M', 'U', 'I', 'r2', 'r', 'V0', 'V1', 'H0', 'H1', 'P', 'WT', 'WI', 'CUT2', 'SCALE', 'UMAX', 'ZERO', 'TWO', 'THREE', 'BOTH', 'FIRST',
    ...axes.flatMap((a) => [`I${a}`, `Z${a}`, `F${a.toUpperCase()}`, `S${a}`])];
  return `(module
  (memory (export "memory") 1)
  (func (export "pairs") (param $row0 i32) (param $row1 i32) (param $D0 i32) (param $D1 i32) (param $D2 i32) (param $k i32)
    (param $oT i32) (param $oR i32) (param $oS i32) (param $oX i32) (param $oW i32) (param $oV i32)
    (param $cut2 f64) (param $scale f64) (param $umax f64)
    ${i32s.map((n) => `(local $${n} i32)`).join(' ')}
    ${[...new Set(v128s)].map((n) => `(local $${n} v128)`).join(' ')}
    (local.set $CUT2 (f64x2.splat ${g('cut2')}))
    (local.set $SCALE (f64x2.splat ${g('scale')}))
    (local.set $UMAX (f64x2.splat ${g('umax')}))
    (local.set $ZERO (v128.const f64x2 0 0))
    (local.set $TWO (v128.const f64x2 2 2))
    (local.set $THREE (v128.const f64x2 3 3))
    (local.set $BOTH (v128.const i64x2 -1 -1))
    (local.set $FIRST (v128.const i64x2 -1 0))
    (local.set $cx ${g('row0')})
    (block $cx_end (loop $cx_loop
      (br_if $cx_end (i32.ge_s ${g('cx')} ${g('row1')}))
      ${inner}
      (local.set $cx (i32.add ${g('cx')} (i32.const 1)))
      (br $cx_loop)))))`;
}

/** One instance of a compiled kernel (own memory), grown as the cell lists grow. */
interface Instance {
  pairs: (...args: number[]) => void;
  memory: WebAssembly.Memory;
}

/** Compiled kernels per assembler, by `${d}|${power}` (null: no SIMD, or none could be built). */
const modules = new WeakMap<WatAssembler, Map<string, WebAssembly.Module | null>>();
const instances = new WeakMap<WebAssembly.Module, Instance>();

/** This thread's instance of the kernel for (d, power), or null without an assembler or WebAssembly SIMD. */
function instanceFor(d: 2 | 3, power: 0 | 1 | 2 | 3, assembler: WatAssembler): Instance | null {
  let byKey = modules.get(assembler);
  if (!byKey) modules.set(assembler, (byKey = new Map()));
  const key = `${d}|${power}`;
  if (!byKey.has(key)) byKey.set(key, compileWat(wasmShortRangeWat(d, power), assembler));
  const mod = byKey.get(key);
  if (!mod) return null;
  let w = instances.get(mod);
  if (!w) {
    const ex = new WebAssembly.Instance(mod, {}).exports;
    instances.set(mod, (w = { pairs: ex.pairs as (...args: number[]) => void, memory: ex.memory as WebAssembly.Memory }));
  }
  return w;
}

/** Whether the kernel for (d, power) compiles with `assembler` (compiled now and kept). */
export function wasmShortRangeReady(d: 2 | 3, power: 0 | 1 | 2 | 3, assembler: WatAssembler | null | undefined): boolean {
  return !!assembler && instanceFor(d, power, assembler) !== null;
}

/** Bytes of the stencil-run scratch (int32 pairs; 3D reach 8 needs 290 entries). */
const RUNS_BYTES = 2048;

/**
 * Adds the short-range velocity into the sorted `vs` ([n, d]) with the SIMD kernel, as
 * shortRangeVelocity does with the JavaScript loops. Returns false (and changes nothing)
 * where the kernel cannot run: no assembler, no WebAssembly SIMD, or d ∉ {2, 3}.
 */
export function wasmShortRangeVelocity(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, assembler: WatAssembler | null | undefined): boolean {
  const d = cl.d;
  if (!assembler || (d !== 2 && d !== 3)) return false;
  const w = instanceFor(d, F.power, assembler);
  if (!w) return false;
  const n = cl.n;
  const { v, dv } = F.table;
  const cells = cl.cellStart.length;
  // [table (Φ_i, Φ′_iΔ) pairs | runs | cellStart | xs (+d) | ws (+1) | vs (+d)], each 16-byte aligned.
  const align = (b: number) => Math.ceil(b / 16) * 16;
  const oT = 0;
  const oR = align(oT + 16 * v.length + 16);
  const oS = oR + RUNS_BYTES;
  const oX = align(oS + 4 * cells);
  const oW = align(oX + 8 * (n + 1) * d);
  const oV = align(oW + 8 * (n + 1));
  const end = oV + 8 * (n + 1) * d;
  const have = w.memory.buffer.byteLength;
  if (end > have) w.memory.grow(Math.ceil((end - have) / 65536));
  const buf = w.memory.buffer;
  const table = new Float64Array(buf, oT, 2 * v.length);
  for (let i = 0; i < v.length; i++) {
    table[2 * i] = v[i];
    table[2 * i + 1] = dv[i];
  }
  new Int32Array(buf, oS, cells).set(cl.cellStart);
  const X = new Float64Array(buf, oX, (n + 1) * d);
  X.set(cl.xs.subarray(0, n * d));
  X.fill(0, n * d);
  const W = new Float64Array(buf, oW, n + 1);
  W.set(ws.subarray(0, n));
  W[n] = 0;
  const V = new Float64Array(buf, oV, (n + 1) * d);
  V.set(vs.subarray(0, n * d));
  V.fill(0, n * d);
  const [D0, D1, D2] = [cl.dims[0], cl.dims[1], d === 3 ? cl.dims[2] : 1];
  w.pairs(0, D0, D0, D1, D2, cl.reach, oT, oR, oS, oX, oW, oV, cl.cutoff * cl.cutoff, F.invAlpha * F.table.inv, F.table.last + 0.5);
  vs.set(V.subarray(0, n * d));
  return true;
}
