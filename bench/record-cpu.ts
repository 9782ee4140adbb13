/**
 * The recording share of a scene's default run in CPU time, less sensitive to a shared
 * machine's load than the difference of two processes (bench/recshare.sh): one process
 * builds the scene at its defaults, runs its steps and its records on the default schedule
 * (`every`, `metricsEvery`) and sums process.cpuUsage (all threads) spent in the steps and in
 * the records (energy, and the metrics where due); the share is the records beyond the first
 * and the last (the first one also sets up caches, e.g. the fixed cells' sorted projections)
 * over the whole. No frames are written. The scene is built on the accelerator `wgf run` builds
 * (BACKEND, default `auto`: the gpu.js kernels over the row pool where the rule places them).
 * Issue #19.
 *
 *   npx tsx bench/record-cpu.ts compare-aggregation-diffusion [more scene ids]   (env BACKEND=ts|gpu|auto)
 */
import { acceleratorFor } from '../cli/execute-run.ts';
import { resolveParams } from '../engine/index.ts';
import { catalogue } from '../scenes/index.ts';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const id of process.argv.slice(2)) {
  const def = catalogue.find((s) => s.id === id);
  if (!def) throw new Error(`no catalogue scene '${id}'`);
  const p = resolveParams(def.params, {}) as Record<string, number> & { steps: number };
  const dt = Number(p.dt ?? 1);
  const every = def.every?.(p as never) ?? Math.max(1, Math.round(p.steps / 200));
  const metricsEvery = def.metricsEvery?.(p as never, every) ?? every;
  const accelerator = await acceleratorFor(process.env.BACKEND);
  const sim = def.build(p as never, { accelerator });
  const record = (t: number, metrics: boolean) => (metrics ? [sim.energy(), sim.metrics(t)] : [sim.energy()]);
  let c = cpu();
  record(0, true);
  const first = cpu() - c;
  let steps = 0, later = 0, records = 1;
  for (let k = 1; k <= p.steps; k++) {
    c = cpu();
    sim.advance();
    steps += cpu() - c;
    if (k % every === 0 || k === p.steps) {
      c = cpu();
      record(k * dt, k % metricsEvery === 0 || k === p.steps);
      later += cpu() - c;
      records++;
    }
  }
  const perLater = later / (records - 1);
  const share = ((records - 2) * perLater) / (steps + later + first);
  console.log(`${id}: steps ${p.steps}, every ${every}, metrics every ${metricsEvery}, ${records} records; CPU: steps ${steps.toFixed(0)} ms, first record ${first.toFixed(0)} ms, ${perLater.toFixed(1)} ms per later record; recording share ${(100 * share).toFixed(1)}%`);
}
process.exit(0); // the row pool's threads
