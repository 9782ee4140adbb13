/**
 * What a record's P³M energy costs against one velocity evaluation (issue #19: "an energy value
 * costs no more than one velocity evaluation on the same backend"), on the aggregation scenes'
 * clouds: median ms of, per state (each call sees a new state, so no pass is reused),
 *   velocity  — the step's velocity alone;
 *   energy    — the record's value (it computes the state's velocity in the same passes);
 *   e+v       — the value and then the velocity of the same state (a record and its next step);
 *   old pairs — the generic JavaScript energy pair sum the value used to add (shortRangeSums).
 * Backends: ts (the JavaScript loops) and auto (the SIMD kernel; over the row pool from
 * N ≥ MIN_POOL_PARTICLES with this machine's threads).
 *
 *   npx tsx bench/p3m-energy.ts [N …]      (default 16384 65536)
 */
import { availableParallelism } from 'node:os';
import { ParticleMeasure, Rng, logRepulsionKernel, newtonRepulsionKernel } from '../engine/index.ts';
import { CellList } from '../engine/particles/cell-list.ts';
import { splitKernel } from '../engine/particles/mesh/kernel-split.ts';
import { MeshInteraction } from '../engine/particles/mesh/mesh-interaction.ts';
import { shortRangeSums } from '../engine/particles/mesh/short-range.ts';
import { loadWatAssembler } from '../engine/wasm/assembler.ts';
import { startRowPool } from '../node/backend/row-pool.ts';

function ball(n: number, d: number, seed: number): ParticleMeasure {
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; ) {
    let r2 = 0;
    for (let k = 0; k < d; k++) r2 += (x[i * d + k] = 2 * rng.uniform() - 1) ** 2;
    if (r2 <= 1) i++;
  }
  return new ParticleMeasure(x, d);
}

function median(f: () => void, reps: number): number {
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[reps >> 1];
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const assembler = await loadWatAssembler();
const threads = availableParallelism();
const pool = await startRowPool(threads, assembler);
console.log(`threads ${threads}; median ms of 7 (each on a new state)`);
console.log('case                      backend  velocity   energy      e+v  old pairs');
for (const n of sizes.length ? sizes : [16384, 65536])
  for (const [label, W, d] of [['2D log (aggregation-disk)', logRepulsionKernel, 2], ['3D Coulomb (aggregation-ball)', newtonRepulsionKernel, 3]] as const) {
    const m = ball(n, d, 1);
    let bump = 0;
    const touch = () => (m.x[0] += (bump++ % 2 ? -1 : 1) * 1e-12); // a new state, the same geometry
    for (const backend of ['ts', 'auto'] as const) {
      const I = new MeshInteraction(W(), 'p3m', backend === 'auto' ? { assembler, rows: pool } : {});
      const v = new Float64Array(n * d);
      I.evaluate(m, v, true); // compile, allocate, Green's function
      const velocity = median(() => (touch(), I.evaluate(m, v, false)), 7);
      const energy = median(() => (touch(), I.evaluate(m, null, true)), 7);
      const both = median(() => (touch(), I.evaluate(m, null, true), I.evaluate(m, v, false)), 7);
      // The generic JavaScript energy pair sum the value used to run beside the velocity's pairs.
      const split = splitKernel(W(), 1.5 * I.lastGeometry!.h, undefined);
      const cl = new CellList().build(m.x, n, d, split.cutoff, 2);
      const ws = cl.sorted(m.w, 1);
      const old = median(() => shortRangeSums(cl, ws, split.short!, null, true, !split.singular), 3);
      console.log(`${label.padEnd(30)} ${backend.padEnd(5)} ${velocity.toFixed(1).padStart(8)} ${energy.toFixed(1).padStart(8)} ${both.toFixed(1).padStart(8)} ${old.toFixed(1).padStart(9)}   N = ${n}`);
    }
  }
pool.close();
