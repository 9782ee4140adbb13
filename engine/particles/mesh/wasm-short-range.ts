import type { CellList } from '../cell-list.ts';
import { compileWat, type WatAssembler } from '../../wasm/assembler.ts';
import type { PairForceTable } from './pair-force-table.ts';
import type { RowExecutor, RowKernel } from '../../core/row-kernel.ts';

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
 * per partner: a masked partner gets +0; t + 1 past the end of the run is not written at
 * all, since it may belong to cells another thread writes). Iterations where neither lane
 * is kept skip the arithmetic. The memory is imported (plain for a call in one thread,
 * shared for a row pool): [table | stencil runs per strip | cellStart | xs | ws | vs], the
 * glue copies the cell list in and vs out (O(n) per call against O(n·pairs)). The strips
 * and their two phases (wasmShortRangeVelocity) fix the order of every sum, so the bits do
 * not depend on the thread count.
 *
 * A variant with an energy kind (EnergyKind, wasmShortRangeEnergy) also sums the pair
 * potential S from the energy table at the same index and fraction (a record's energy in the
 * velocity's pass, issue #19: before, the energy ran the generic JavaScript pair sum beside it).
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

/**
 * What the kernel sums beside the velocity: nothing ('none'), or the pair potential
 * Σ_{i<j} w_i w_j S(r_ij) from the energy table (pair-force-table.ts PairEnergyTable) of a
 * kernel finite at 0 ('p0': S = Ψ, coincident pairs add S(0) as shortRangeSums does),
 * of Coulomb ('p1': S = Ψ/r) or of the 2D log ('log': S = Ψ + c·ln r²).
 */
export type EnergyKind = 'none' | 'p0' | 'p1' | 'log';

/** The energy kind of a table (none without one). */
export function energyKind(F: PairForceTable): EnergyKind {
  const E = F.energy;
  if (!E) return 'none';
  if (E.log !== 0) return E.power === 0 ? 'log' : 'none';
  return E.power === 0 ? 'p0' : 'p1';
}

/** Intervals of the ln m table on m ∈ [1, 2] (Hermite error ≤ Δ⁴·6/384 ≈ 1.4e−14). */
const LN_INTERVALS = 1024;

/** The ln m table, interleaved [ln m_j, Δ/m_j] at m_j = 1 + jΔ (the Hermite form on the unit interval). */
const lnTable = (() => {
  const t = new Float64Array(2 * (LN_INTERVALS + 1));
  for (let j = 0; j <= LN_INTERVALS; j++) {
    const m = 1 + j / LN_INTERVALS;
    t[2 * j] = Math.log(m);
    t[2 * j + 1] = 1 / (m * LN_INTERVALS);
  }
  return t;
})();

/** The cubic Hermite value at fraction U from the node values/derivatives V0, H0, V1, H1 (the JavaScript loops' form). */
const hermite = (U: string) =>
  `(f64x2.add ${g('V0')} (f64x2.mul ${g(U)} (f64x2.add ${g('H0')} (f64x2.mul ${g(U)}
             (f64x2.add (f64x2.sub (f64x2.sub (f64x2.mul ${g('THREE')} (f64x2.sub ${g('V1')} ${g('V0')})) (f64x2.mul ${g('TWO')} ${g('H0')})) ${g('H1')})
               (f64x2.mul ${g(U)} (f64x2.add (f64x2.add (f64x2.mul ${g('TWO')} (f64x2.sub ${g('V0')} ${g('V1')})) ${g('H0')}) ${g('H1')})))))))`;

/** Loads the two nodes of each lane's interval (lane indices in the i32x4 local I) from an interleaved table at base into V0, H0, V1, H1. */
const loadNodes = (base: string, I: string) => `
           (local.set $pa (i32.add ${g(base)} (i32.shl (i32x4.extract_lane 0 ${g(I)}) (i32.const 4))))
           (local.set $pb (i32.add ${g(base)} (i32.shl (i32x4.extract_lane 1 ${g(I)}) (i32.const 4))))
           (local.set $A (v128.load ${g('pa')}))
           (local.set $B (v128.load ${g('pb')}))
           (local.set $V0 (i8x16.shuffle ${pick(0, 0)} ${g('A')} ${g('B')}))
           (local.set $H0 (i8x16.shuffle ${pick(1, 1)} ${g('A')} ${g('B')}))
           (local.set $A (v128.load offset=16 ${g('pa')}))
           (local.set $B (v128.load offset=16 ${g('pb')}))
           (local.set $V1 (i8x16.shuffle ${pick(0, 0)} ${g('A')} ${g('B')}))
           (local.set $H1 (i8x16.shuffle ${pick(1, 1)} ${g('A')} ${g('B')}))`;

/**
 * The WAT text of the kernel for dimension d ∈ {2, 3}, force power p (pair-force-table.ts)
 * and energy kind (EnergyKind: with one, each strip's Σ w_s w_t S goes to f64 at $oA).
 *
 * ln r² (kind 'log') has no WebAssembly instruction: r² = 2^e·m with e and m ∈ [1, 2) read
 * from its bits, ln r² = e·ln 2 + ln m, ln m from a 1024-interval Hermite table (the force's
 * form); r² below 2^−1000 (subnormal territory) is scaled by 2^200 first.
 */
export function wasmShortRangeWat(d: 2 | 3, power: 0 | 1 | 2 | 3, shared = false, energy: EnergyKind = 'none'): string {
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
  const scatterBoth =
    d === 2
      ? `(v128.store ${g('pv')} (f64x2.add (v128.load ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 0)} ${g('FX')} ${g('FY')}))))
         (v128.store offset=16 ${g('pv')} (f64x2.add (v128.load offset=16 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(1, 1)} ${g('FX')} ${g('FY')}))))`
      : `(v128.store ${g('pv')} (f64x2.add (v128.load ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 0)} ${g('FX')} ${g('FY')}))))
         (v128.store offset=16 ${g('pv')} (f64x2.add (v128.load offset=16 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(0, 1)} ${g('FZ')} ${g('FX')}))))
         (v128.store offset=32 ${g('pv')} (f64x2.add (v128.load offset=32 ${g('pv')}) (f64x2.mul ${g('WI')} (i8x16.shuffle ${pick(1, 1)} ${g('FY')} ${g('FZ')}))))`;
  // t's velocity alone (lane 0), the same f64 operations as lane 0 of scatterBoth.
  const scatterFirst = axes
    .map((a, k) => `(f64.store offset=${8 * k} ${g('pv')} (f64.add (f64.load offset=${8 * k} ${g('pv')}) (f64.mul (f64x2.extract_lane 0 ${g('WI')}) (f64x2.extract_lane 0 ${g(`F${a.toUpperCase()}`)}))))`)
    .join('\n           ');
  // Σ_t w_t S(r_st) of s in two lanes (ES): Ψ from the energy table at the force's index and fraction.
  const lnR2 = `
           (local.set $TM (f64x2.lt ${g('r2')} ${g('TINY')}))
           (local.set $Q (v128.bitselect (f64x2.mul ${g('r2')} ${g('BIG')}) ${g('r2')} ${g('TM')}))
           (local.set $IL (i32x4.shr_u ${g('Q')} (i32.const 20)))
           (local.set $LE (f64x2.convert_low_i32x4_s (i32x4.sub (i8x16.shuffle 4 5 6 7 12 13 14 15 4 5 6 7 12 13 14 15 ${g('IL')} ${g('IL')}) ${g('BIAS')})))
           (local.set $UL (f64x2.mul (f64x2.sub (v128.or (v128.and ${g('Q')} ${g('MANT')}) ${g('ONEB')}) ${g('ONE')}) ${g('LNN')}))
           (local.set $IL (i32x4.trunc_sat_f64x2_s_zero ${g('UL')}))
           (local.set $UL (f64x2.sub ${g('UL')} (f64x2.convert_low_i32x4_s ${g('IL')})))
           ${loadNodes('oL', 'IL')}
           ;; ln r² = e ln 2 + ln m (− 200 ln 2 where scaled)
           (local.set $LN (f64x2.sub (f64x2.add (f64x2.mul ${g('LE')} ${g('LN2')}) ${hermite('UL')}) (v128.and ${g('C200')} ${g('TM')})))`;
  const energyBody =
    energy === 'none'
      ? ''
      : `${energy === 'log' ? lnR2 : ''}
           ${loadNodes('oE', 'I')}
           (local.set $E ${hermite('U')})
           ${energy === 'p1' ? `(local.set $E (f64x2.div ${g('E')} ${g('r')}))` : ''}
           ${energy === 'log' ? `(local.set $E (f64x2.add ${g('E')} (f64x2.mul ${g('ELOG')} ${g('LN')})))` : ''}
           (local.set $ES (f64x2.add ${g('ES')} (f64x2.mul ${g('WT')} (v128.and ${g('E')} ${energy === 'p0' ? g('ME') : g('M')}))))`;
  const pairBody = `
         (local.set $pt (i32.add ${g('oX')} (i32.mul ${g('t')} (i32.const ${8 * d}))))
         ${loadPositions}
         ${axes.map((a) => `(local.set $Z${a} (f64x2.sub ${g(`I${a}`)} ${g(a.toUpperCase())}))`).join('\n         ')}
         (local.set $r2 ${axes.map((a) => `(f64x2.mul ${g(`Z${a}`)} ${g(`Z${a}`)})`).reduce((acc, v) => `(f64x2.add ${acc} ${v})`)})
         (local.set $RM (select ${g('BOTH')} ${g('FIRST')} (i32.lt_u (i32.add ${g('t')} (i32.const 1)) ${g('t1')})))
         (local.set $M (v128.and (v128.and (f64x2.lt ${g('r2')} ${g('CUT2')}) (f64x2.gt ${g('r2')} ${g('ZERO')})) ${g('RM')}))
         ${energy === 'p0' ? `(local.set $ME (v128.and (f64x2.lt ${g('r2')} ${g('CUT2')}) ${g('RM')}))` : ''}
         (if (v128.any_true ${energy === 'p0' ? g('ME') : g('M')}) (then
           (local.set $r (f64x2.sqrt ${g('r2')}))
           (local.set $U (f64x2.pmin (f64x2.mul ${g('r')} ${g('SCALE')}) ${g('UMAX')}))
           (local.set $I (i32x4.trunc_sat_f64x2_s_zero ${g('U')}))
           (local.set $U (f64x2.sub ${g('U')} (f64x2.convert_low_i32x4_s ${g('I')})))
           ${loadNodes('oT', 'I')}
           ;; Φ = v0 + u(d0 + u(3(v1 − v0) − 2d0 − d1 + u(2(v0 − v1) + d0 + d1))), the JavaScript loops' form
           (local.set $P ${hermite('U')})
           (local.set $P (v128.and ${den ? `(f64x2.div ${g('P')} ${den})` : g('P')} ${g('M')}))
           ${axes.map((a) => `(local.set $F${a.toUpperCase()} (f64x2.mul ${g('P')} ${g(`Z${a}`)}))`).join('\n           ')}
           (local.set $WT (v128.load (i32.add ${g('oW')} (i32.shl ${g('t')} (i32.const 3)))))
           ${energyBody}
           ${axes.map((a) => `(local.set $S${a} (f64x2.sub ${g(`S${a}`)} (f64x2.mul ${g('WT')} ${g(`F${a.toUpperCase()}`)})))`).join('\n           ')}
           (local.set $pv (i32.add ${g('oV')} (i32.mul ${g('t')} (i32.const ${8 * d}))))
           ;; t + 1 past the run: only t is written (t + 1 may be another strip's particle, written by
           ;; another thread at this moment: a load and store of it, even adding +0, could lose its update)
           (if (i32.lt_u (i32.add ${g('t')} (i32.const 1)) ${g('t1')}) (then
           ${scatterBoth})
           (else
           ${scatterFirst}))))
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
          ${energy === 'none' ? '' : `(local.set $ES (v128.const i64x2 0 0))`}
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
          ${energy === 'none' ? '' : `(local.set $esum (f64.add ${g('esum')} (f64.mul (f64x2.extract_lane 0 ${g('WI')}) (f64.add (f64x2.extract_lane 0 ${g('ES')}) (f64x2.extract_lane 1 ${g('ES')})))))`}
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
  const v128s = ['A', 'B', 'C', 'X', 'Y', 'Z', 'M', 'RM', 'ME', 'E', 'ES', 'TM', 'Q', 'IL', 'LE', 'UL', 'LN', 'TINY', 'BIG', 'C200', 'BIAS', 'MANT', 'ONEB', 'ONE', 'LNN', 'LN2', 'ELOG', 'U', 'I', 'r2', 'r', 'V0', 'V1', 'H0', 'H1', 'P', 'WT', 'WI', 'CUT2', 'SCALE', 'UMAX', 'ZERO', 'TWO', 'THREE', 'BOTH', 'FIRST',
    ...axes.flatMap((a) => [`I${a}`, `Z${a}`, `F${a.toUpperCase()}`, `S${a}`])];
  return `(module
  (import "m" "memory" (memory 1 ${shared ? `${MAX_PAGES} shared` : ''}))
  (func (export "pairs") (param $row0 i32) (param $row1 i32) (param $D0 i32) (param $D1 i32) (param $D2 i32) (param $k i32)
    (param $oT i32) (param $oR i32) (param $oS i32) (param $oX i32) (param $oW i32) (param $oV i32)
    (param $cut2 f64) (param $scale f64) (param $umax f64) (param $oE i32) (param $oL i32) (param $oA i32) (param $elog f64)
    (local $esum f64)
    ${i32s.map((n) => `(local $${n} i32)`).join(' ')}
    ${[...new Set(v128s)].map((n) => `(local $${n} v128)`).join(' ')}
    (local.set $CUT2 (f64x2.splat ${g('cut2')}))
    (local.set $SCALE (f64x2.splat ${g('scale')}))
    (local.set $UMAX (f64x2.splat ${g('umax')}))
    (local.set $ZERO (v128.const f64x2 0 0))
    (local.set $TWO (v128.const f64x2 2 2))
    (local.set $THREE (v128.const f64x2 3 3))
    (local.set $BOTH (v128.const i64x2 -1 -1))
    (local.set $TINY (v128.const f64x2 0x1p-1000 0x1p-1000))
    (local.set $BIG (v128.const f64x2 0x1p200 0x1p200))
    (local.set $C200 (f64x2.splat (f64.const ${200 * Math.LN2})))
    (local.set $LN2 (f64x2.splat (f64.const ${Math.LN2})))
    (local.set $BIAS (v128.const i32x4 1023 1023 1023 1023))
    (local.set $MANT (v128.const i64x2 0x000fffffffffffff 0x000fffffffffffff))
    (local.set $ONEB (v128.const i64x2 0x3ff0000000000000 0x3ff0000000000000))
    (local.set $ONE (v128.const f64x2 1 1))
    (local.set $LNN (v128.const f64x2 ${LN_INTERVALS} ${LN_INTERVALS}))
    (local.set $ELOG (f64x2.splat ${g('elog')}))
    (local.set $FIRST (v128.const i64x2 -1 0))
    (local.set $cx ${g('row0')})
    (block $cx_end (loop $cx_loop
      (br_if $cx_end (i32.ge_s ${g('cx')} ${g('row1')}))
      ${inner}
      (local.set $cx (i32.add ${g('cx')} (i32.const 1)))
      (br $cx_loop)))
    ${energy === 'none' ? '' : `(f64.store ${g('oA')} ${g('esum')})`}))`;
}


/** Pages of a shared memory's maximum (4 GiB, all a wasm32 memory addresses; a shared memory must declare one). */
const MAX_PAGES = 65536;

/**
 * Fewest particles for which the pairs are split over a row pool: each of the two phases is
 * one pool call (a round trip of ~0.1 ms), against ~0.4 µs of pairs per particle.
 */
export const MIN_POOL_PARTICLES = 16384;

type PairsFn = (...args: number[]) => void;

/** Compiled kernels per assembler, by `${d}|${power}|${shared}|${energy}` (null: no SIMD, or none could be built). */
const modules = new WeakMap<WatAssembler, Map<string, WebAssembly.Module | null>>();

/** The kernel for (d, power) on a plain or a shared memory, compiled once per assembler; null without SIMD. */
function moduleFor(d: 2 | 3, power: 0 | 1 | 2 | 3, shared: boolean, assembler: WatAssembler | null | undefined, energy: EnergyKind = 'none'): WebAssembly.Module | null {
  if (!assembler) return null;
  let byKey = modules.get(assembler);
  if (!byKey) modules.set(assembler, (byKey = new Map()));
  const key = `${d}|${power}|${shared}|${energy}`;
  if (!byKey.has(key)) {
    let mod: WebAssembly.Module | null = null;
    try {
      mod = compileWat(wasmShortRangeWat(d, power, shared, energy), assembler);
    } catch {
      mod = null; // e.g. no shared memories in this runtime
    }
    byKey.set(key, mod);
  }
  return byKey.get(key) ?? null;
}

/** Whether the kernel for (d, power) compiles with `assembler` (compiled now and kept). */
export function wasmShortRangeReady(d: 2 | 3, power: 0 | 1 | 2 | 3, assembler: WatAssembler | null | undefined): boolean {
  return moduleFor(d, power, false, assembler) !== null;
}

/** A memory of this thread's calls: `id` tells a pool's threads which memory a call runs on. */
interface KernelMemory {
  memory: WebAssembly.Memory;
  id: number;
}

let memoryIds = 0;
/** This thread's memories: a plain one (calls in this thread) and a shared one (calls over a row pool). */
const memories: { plain: KernelMemory | null; shared: KernelMemory | null } = { plain: null, shared: null };

/** This thread's plain or shared memory with at least `bytes` bytes (grown in place). */
function memoryFor(shared: boolean, bytes: number): KernelMemory {
  const pages = Math.ceil(bytes / 65536);
  const key = shared ? 'shared' : 'plain';
  let m = memories[key];
  if (!m) memories[key] = m = { memory: new WebAssembly.Memory(shared ? { initial: pages, maximum: MAX_PAGES, shared: true } : { initial: pages }), id: ++memoryIds };
  const have = m.memory.buffer.byteLength / 65536;
  if (pages > have) m.memory.grow(pages - have);
  return m;
}

/**
 * One call of the kernel over the strips of one phase, as named arguments (a row kernel's):
 * the memory (and its id), the kernel (d, power), the phase and strip width, the cell grid,
 * byte offsets of the layout, and the cutoff and table scalars. Row j of the call is strip
 * 2j + phase: first-axis cells [width·(2j + phase), width·(2j + phase + 1)).
 */
export type ShortRangeArgs = {
  memory: WebAssembly.Memory;
  memoryId: number;
  d: number;
  power: number;
  phase: number;
  width: number;
  D0: number;
  D1: number;
  D2: number;
  reach: number;
  oT: number;
  /** Stencil-run scratch of strip row j at oR + j·runsBytes (each strip its own: threads never share one). */
  oR: number;
  runsBytes: number;
  oS: number;
  oX: number;
  oW: number;
  oV: number;
  cut2: number;
  scale: number;
  umax: number;
  /** What is summed beside the velocity (EnergyKind); with one, strip i's energy goes to f64 at oA + 8i. */
  energy: EnergyKind;
  oE: number;
  oL: number;
  oA: number;
  elog: number;
};

/** Runs strip rows [j0, j1) of one phase with `pairs` (an instance of the kernel on the call's memory). */
function runStrips(pairs: PairsFn, a: ShortRangeArgs, j0: number, j1: number): void {
  for (let j = j0; j < j1; j++) {
    const row0 = (2 * j + a.phase) * a.width;
    const row1 = Math.min(a.D0, row0 + a.width);
    pairs(row0, row1, a.D0, a.D1, a.D2, a.reach, a.oT, a.oR + j * a.runsBytes, a.oS, a.oX, a.oW, a.oV, a.cut2, a.scale, a.umax, a.oE, a.oL, a.oA + 8 * (2 * j + a.phase), a.elog);
  }
}

/** A thread's instances of the kernel, by (memory, d, power): made on first use. */
function instances(shared: boolean, assembler: WatAssembler | null | undefined): (a: ShortRangeArgs) => PairsFn {
  const made = new Map<string, PairsFn>();
  return (a) => {
    const key = `${a.memoryId}|${a.d}|${a.power}|${a.energy}`;
    let f = made.get(key);
    if (!f) {
      const mod = moduleFor(a.d as 2 | 3, a.power as 0 | 1 | 2 | 3, shared, assembler, a.energy);
      if (!mod) throw new Error('the P³M short-range pairs need the SIMD kernel (no assembler in this thread)');
      f = new WebAssembly.Instance(mod, { m: { memory: a.memory } }).exports.pairs as PairsFn;
      if (made.size > 8) made.clear();
      made.set(key, f);
    }
    return f;
  };
}

/**
 * The pairs of one phase as a row kernel of a row pool (node/backend/row-kernels.ts): rows are
 * the phase's strips, the memory is shared (every thread's instance runs on the one copy of
 * the cell list), and the velocity is written in place there (no outputs to copy back).
 */
export const SHORT_RANGE_ROWS: RowKernel<ShortRangeArgs> = {
  name: 'p3m-short-range',
  outputs: [],
  create(env) {
    const get = instances(true, env.assembler);
    return (a, j0, j1) => runStrips(get(a), a, j0, j1);
  },
  prepare(env, a) {
    moduleFor(a.d as 2 | 3, a.power as 0 | 1 | 2 | 3, true, env.assembler, a.energy);
  },
};

/** This thread's instances on its plain memory. */
const local = new WeakMap<WatAssembler, (a: ShortRangeArgs) => PairsFn>();

/**
 * Adds the short-range velocity into the sorted `vs` ([n, d]) with the SIMD kernel, as
 * shortRangeVelocity does with the JavaScript loops. Returns false (and changes nothing)
 * where the kernel cannot run: no assembler, no WebAssembly SIMD, or d ∉ {2, 3}.
 *
 * Threads: the cells are cut along the first axis into strips `reach` cells wide. A strip's
 * pairs (each particle of its cells with its half stencil, which reaches `reach` cells further
 * on the first axis) write the velocities of its own cells and of the next strip's only, so the
 * strips of one parity never write the same particle: the even strips run (in any order, on any
 * threads), then the odd ones. Each particle's velocity thus receives its terms in one fixed
 * order — the strips below it of one parity, then those of the other, each strip's terms in
 * sequence — whatever the thread count: the same bits on one thread (`rows` null, a browser) as
 * on a pool of any size. With `rows` (the accelerator's row pool, more than one thread) and
 * at least MIN_POOL_PARTICLES particles, each phase is one call of SHORT_RANGE_ROWS over the
 * pool on a shared memory; otherwise this thread runs the same strips on a plain memory.
 * Returns the number of threads the pairs were split over (0: not run).
 */
export function wasmShortRangeVelocity(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, assembler: WatAssembler | null | undefined, rows: RowExecutor | null = null): number {
  return shortRangePass(cl, ws, F, vs, assembler, rows, 'none')?.threads ?? 0;
}

/**
 * Adds the short-range velocity into the sorted `vs` as wasmShortRangeVelocity does and, in
 * the same pair pass, returns Σ_{i<j} w_i w_j S(|x_i − x_j|) over the same pairs (with S(0)
 * for coincident pairs of a kernel finite at 0), as shortRangeSums(…, energy = true) does:
 * S from F's energy table (pair-force-table.ts, the force's index and fraction), so the
 * energy agrees with shortRangeSums to the tables' error and the order of summation.
 * Each strip sums its own pairs; the strips' sums are added in strip order, so the bits do
 * not depend on the thread count either. Returns null (and changes nothing) where the kernel
 * cannot run or F has no energy table.
 */
export function wasmShortRangeEnergy(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, assembler: WatAssembler | null | undefined, rows: RowExecutor | null = null): number | null {
  const kind = energyKind(F);
  if (kind === 'none') return null;
  return shortRangePass(cl, ws, F, vs, assembler, rows, kind)?.energy ?? null;
}

/** One pass of the kernel (energy kind `kind`): the threads it ran on and the energy (0 for 'none'), or null (not run). */
function shortRangePass(cl: CellList, ws: Float64Array, F: PairForceTable, vs: Float64Array, assembler: WatAssembler | null | undefined, rows: RowExecutor | null, kind: EnergyKind): { threads: number; energy: number } | null {
  const d = cl.d;
  if (!assembler || (d !== 2 && d !== 3)) return null;
  const n = cl.n;
  let pooled = rows !== null && rows.threads > 1 && n >= MIN_POOL_PARTICLES && moduleFor(d, F.power, true, assembler, kind) !== null;
  if (!pooled && !moduleFor(d, F.power, false, assembler, kind)) return null;
  const { v, dv } = F.table;
  const cells = cl.cellStart.length;
  const [D0, D1, D2] = [cl.dims[0], cl.dims[1], d === 3 ? cl.dims[2] : 1];
  const k = cl.reach;
  const width = k;
  const strips = Math.ceil(D0 / width);
  const perPhase = Math.ceil(strips / 2);
  // [force table (Φ_i, Φ′_iΔ) | energy table (Ψ_i, Ψ′_iΔ) | ln m table | strip energies | runs of each strip of a phase | cellStart | xs (+d) | ws (+1) | vs (+d)], each 16-byte aligned.
  const align = (b: number) => Math.ceil(b / 16) * 16;
  const runsBytes = align(4 * (2 + 2 * (d === 2 ? k : k + k * (2 * k + 1))));
  const E = kind === 'none' ? null : F.energy!;
  const oT = 0;
  const oE = align(oT + 16 * v.length + 16);
  const oL = E ? align(oE + 16 * E.table.v.length + 16) : oE;
  const oA = kind === 'log' ? align(oL + 8 * lnTable.length + 16) : oL;
  const oR = align(oA + (E ? 8 * (strips + 1) : 0));
  const oS = oR + runsBytes * perPhase;
  const oX = align(oS + 4 * cells);
  const oW = align(oX + 8 * (n + 1) * d);
  const oV = align(oW + 8 * (n + 1));
  const end = oV + 8 * (n + 1) * d;
  let mem: KernelMemory;
  try {
    mem = memoryFor(pooled, end);
  } catch (e) {
    if (!pooled) throw e;
    pooled = false; // no shared memory of that size here: this thread
    if (!moduleFor(d, F.power, false, assembler, kind)) return null;
    mem = memoryFor(false, end);
  }
  const buf = mem.memory.buffer;
  const interleave = (at: number, tv: Float64Array, td: Float64Array) => {
    const table = new Float64Array(buf, at, 2 * tv.length);
    for (let i = 0; i < tv.length; i++) {
      table[2 * i] = tv[i];
      table[2 * i + 1] = td[i];
    }
  };
  interleave(oT, v, dv);
  if (E) {
    if (E.table.v.length !== v.length || E.table.step !== F.table.step) throw new Error('the energy table must lie on the force table\'s nodes');
    interleave(oE, E.table.v, E.table.dv);
    new Float64Array(buf, oA, strips).fill(0);
  }
  if (kind === 'log') new Float64Array(buf, oL, lnTable.length).set(lnTable);
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
  const args: ShortRangeArgs = {
    memory: mem.memory, memoryId: mem.id, d, power: F.power, phase: 0, width, D0, D1, D2, reach: k,
    oT, oR, runsBytes, oS, oX, oW, oV, cut2: cl.cutoff * cl.cutoff, scale: F.invAlpha * F.table.inv, umax: F.table.last + 0.5,
    energy: kind, oE, oL, oA, elog: E ? E.log : 0,
  };
  for (const phase of [0, 1]) {
    const count = Math.ceil((strips - phase) / 2);
    if (count <= 0) continue;
    args.phase = phase;
    if (pooled) rows!.run(SHORT_RANGE_ROWS, args, count);
    else {
      let get = local.get(assembler);
      if (!get) local.set(assembler, (get = instances(false, assembler)));
      runStrips(get(args), args, 0, count);
    }
  }
  vs.set(new Float64Array(mem.memory.buffer, oV, n * d));
  let energy = 0;
  if (E) {
    const sums = new Float64Array(mem.memory.buffer, oA, strips);
    for (let i = 0; i < strips; i++) energy += sums[i];
  }
  return { threads: pooled ? rows!.threads : 1, energy };
}
