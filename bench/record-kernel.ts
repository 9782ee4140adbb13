/**
 * The record kernel's cost in velocity passes (issue #19): aggregation-disk's Interaction
 * (W = |x|²/2 − log|x|, d = 2, direct pairs) bound to the `auto` accelerator as `wgf run`
 * binds it (gpu.js WebAssembly SIMD over the row pool), then, alternating which comes first,
 * a record (Interaction.value: the record kernel, velocity and the log product in one pass)
 * and a velocity pass (addVelocity: the velocity kernel), each at a fresh state (the particles
 * moved a little, so no pass reuses another's rows). Prints the medians of both and of their
 * per-repetition ratio, with the load.
 *
 *   npx tsx bench/record-kernel.ts [n…]        (default 2000 16384; env REPS, default 15)
 */
import { loadavg } from 'node:os';
import { ParticleMeasure } from '../engine/particles/measure.ts';
import { Interaction } from '../engine/particles/interaction.ts';
import { logRepulsionKernel } from '../engine/particles/radial-kernels.ts';
import { createNodeAccelerator } from '../node/backend/node-accelerator.ts';
import { median } from './harness.ts';

const d = 2;
const reps = Number(process.env.REPS ?? 15);
const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [2000, 16384];
const acc = await createNodeAccelerator({ request: 'auto' });

for (const n of sizes) {
  // A Gaussian cloud (standard deviation 0.3, as the scene starts) from a fixed LCG.
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i += 2) {
    const r = 0.3 * Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
    x[i] = r * Math.cos(t);
    x[i + 1] = r * Math.sin(t);
  }
  const m = new ParticleMeasure(x, d);
  const I = new Interaction(logRepulsionKernel());
  I.accelerate?.(acc, { n, d });
  const v = new Float64Array(n * d);
  const move = () => {
    for (let i = 0; i < x.length; i++) x[i] += 1e-6 * (u() - 0.5);
  };
  const record = () => {
    move();
    const t = performance.now();
    I.value(m);
    return performance.now() - t;
  };
  const velocity = () => {
    move();
    const t = performance.now();
    I.addVelocity(m, v);
    return performance.now() - t;
  };
  record();
  velocity();
  const rec: number[] = [], vel: number[] = [], ratio: number[] = [];
  for (let k = 0; k < reps; k++) {
    let a: number, b: number;
    if (k % 2 === 0) {
      a = record();
      b = velocity();
    } else {
      b = velocity();
      a = record();
    }
    rec.push(a);
    vel.push(b);
    ratio.push(a / b);
  }
  console.log(
    `n=${n}: record ${median(rec).toFixed(2)} ms, velocity ${median(vel).toFixed(2)} ms, ` +
      `record/velocity median ${median(ratio).toFixed(3)} (min ${Math.min(...ratio).toFixed(3)}, max ${Math.max(...ratio).toFixed(3)}), ` +
      `${reps} alternating pairs, ${acc.loops[I.name]?.executor ?? acc.loops[I.name]?.target}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
}
process.exit(0);
