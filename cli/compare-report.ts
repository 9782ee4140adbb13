import { join } from 'node:path';
import type { Simulation } from '../engine/core/simulation.ts';
import { UsageError } from '../engine/core/simulation.ts';
import type { ComparisonSimulation } from '../engine/energy/comparison.ts';
import type { Callback, RunContext } from '../engine/run/callback.ts';
import type { MetricRecord, RunSummary } from '../engine/run/record.ts';
import { everySteps, type Schedule } from '../engine/run/schedule.ts';
import { writeJson } from '../node/files.ts';

/** Refuses a scene that runs one discretization: `wgf compare` needs a comparison (a simulation with a particle companion). */
export function checkComparison(sceneId: string, sim: Simulation): void {
  if (sim.info.companion?.name === 'particles' && 'timing' in sim) return;
  throw new UsageError(`wgf compare needs a comparison scene (compare-fokker-planck, compare-aggregation-diffusion, compare-porous-medium, a free energy as a .json file, or a scene file that builds comparisonSimulation); '${sceneId}' runs one discretization: use wgf run ${sceneId}`);
}

/** compare.json: what `wgf compare` adds to the run directory. */
export interface CompareRecord {
  /** The final record's comparison figures: W2 between the discretizations, both energies, each one's distance to the reference. */
  final: Record<string, number>;
  /** W2 between cloud and grid at every record that holds the metrics (scene.json metrics_every; always the last): [t, w2]. */
  w2_between: [number, number][];
  /** Wall seconds in each engine's steps and in the distances; each engine's share of their sum. */
  timing: { wall_seconds: number; particles_seconds: number; grid_seconds: number; distance_seconds: number; particles_share: number; grid_share: number };
}

/**
 * The output of `wgf compare`: at the end of the run, compare.json beside summary.json
 * (the comparison's figures and where the wall time went), and one line on stdout.
 */
export class CompareReport implements Callback {
  readonly name = 'comparison report';
  readonly schedule: Schedule;
  private readonly series: [number, number][] = [];

  constructor(
    private readonly dir: string,
    every: number,
    private readonly write: (line: string) => void,
  ) {
    this.schedule = everySteps(every);
  }

  call(ctx: RunContext): void {
    const rec = ctx.record();
    // Records between the metrics records (scene.json metrics_every) hold the grid's energy only.
    if (typeof rec.w2_between !== 'number') return;
    if (this.series.length && this.series[this.series.length - 1][0] === rec.t) return;
    this.series.push([rec.t, rec.w2_between as number]);
  }

  end(ctx: RunContext, summary: RunSummary): void {
    const sim = ctx.sim as ComparisonSimulation;
    const last: MetricRecord | null = summary.final;
    const pick = (k: string) => (last && typeof last[k] === 'number' ? (last[k] as number) : NaN);
    const final: Record<string, number> = { t: pick('t'), w2_between: pick('w2_between'), grid_energy: pick('energy'), particle_energy: pick('particle_energy') };
    if (last) for (const k of Object.keys(last)) if (/_to_/.test(k) && typeof last[k] === 'number') final[k] = last[k] as number;
    const s = sim.timing;
    const engines = s.particles + s.grid;
    const timing = {
      wall_seconds: summary.wall_seconds, particles_seconds: s.particles / 1000, grid_seconds: s.grid / 1000, distance_seconds: s.distance / 1000,
      particles_share: engines > 0 ? s.particles / engines : NaN, grid_share: engines > 0 ? s.grid / engines : NaN,
    };
    const record: CompareRecord = { final, w2_between: this.series, timing };
    writeJson(join(this.dir, 'compare.json'), record);
    const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
    this.write(`compare: W2(particles, grid) = ${final.w2_between.toPrecision(4)} at t=${final.t.toPrecision(4)}; energy particles ${final.particle_energy.toPrecision(5)}, grid ${final.grid_energy.toPrecision(5)}; `
      + `engines: particles ${timing.particles_seconds.toFixed(2)} s (${pct(timing.particles_share)}), grid ${timing.grid_seconds.toFixed(2)} s (${pct(timing.grid_share)}), distances ${timing.distance_seconds.toFixed(2)} s\n`);
  }
}
