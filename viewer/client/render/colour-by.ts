import { categorical, robustMax, viridis } from './colormap.ts';
import type { ColourKey } from './colour-scale.ts';

/** What particles are coloured by. */
export type ColourBy = 'speed' | 'weight' | 'cluster' | 'none';
export const COLOUR_BY: readonly ColourBy[] = ['speed', 'weight', 'cluster', 'none'];

/**
 * Per-particle speed |x_i(t) − x_i(t')| / (t − t') between two streamed frames,
 * x and prev row-major [n, d]. Returns zeros on the first frame (no previous one).
 */
export function speeds(x: Float32Array, prev: Float32Array | null, d: number, dt: number): Float32Array {
  const n = x.length / d;
  const out = new Float32Array(n);
  if (!prev || prev.length !== x.length || !(dt > 0)) return out;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const u = x[i * d + k] - prev[i * d + k];
      s += u * u;
    }
    out[i] = Math.sqrt(s) / dt;
  }
  return out;
}

/**
 * Leader clustering (Hartigan 1975): one pass, a point joins the first leader
 * within `radius`, otherwise becomes a leader (at most `maxClusters`; further
 * points join their nearest leader). O(n · k); labels length n. Enough to
 * colour the metastable clusters of token dynamics, which are far apart.
 */
export function leaderClusters(x: Float32Array, d: number, radius: number, maxClusters = 64): Int32Array {
  const n = x.length / d;
  const labels = new Int32Array(n);
  const leaders: number[] = [];
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let c = 0; c < leaders.length; c++) {
      const j = leaders[c];
      let s = 0;
      for (let k = 0; k < d; k++) {
        const u = x[i * d + k] - x[j * d + k];
        s += u * u;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
      if (s <= r2) break;
    }
    if (best >= 0 && (bestD <= r2 || leaders.length >= maxClusters)) labels[i] = best;
    else {
      labels[i] = leaders.length;
      leaders.push(i);
    }
  }
  return labels;
}

/** Fills `colours` [n, 3] for particles `x` [n, d] by the chosen quantity; returns what the colours mean. */
export function colourParticles(
  by: ColourBy,
  x: Float32Array,
  d: number,
  colours: Float32Array,
  ctx: { prev: Float32Array | null; dt: number; weights: Float32Array | null; clusterRadius: number },
): ColourKey {
  const n = x.length / d;
  if (by === 'speed') {
    const v = speeds(x, ctx.prev, d, ctx.dt);
    const top = robustMax(v);
    for (let i = 0; i < n; i++) viridis(0.15 + 0.85 * (v[i] / top), colours, 3 * i);
    const note = ctx.prev ? 'between the last two frames; top: 98th percentile' : 'needs two frames';
    return { kind: 'ramp', label: 'speed |Δx|/Δt', lo: 0, hi: ctx.prev ? top : 0, from: 0.15, to: 1, note };
  }
  if (by === 'weight' && ctx.weights && ctx.weights.length === n) {
    const top = robustMax(ctx.weights, 1);
    for (let i = 0; i < n; i++) viridis(ctx.weights[i] / top, colours, 3 * i);
    return { kind: 'ramp', label: 'weight w_i', lo: 0, hi: top, from: 0, to: 1, note: '' };
  }
  if (by === 'cluster') {
    const labels = leaderClusters(x, d, ctx.clusterRadius);
    let count = 0;
    for (let i = 0; i < n; i++) {
      categorical(labels[i], colours, 3 * i);
      count = Math.max(count, labels[i] + 1);
    }
    return { kind: 'categories', label: 'cluster', count };
  }
  for (let i = 0; i < n; i++) viridis(0.6, colours, 3 * i);
  return { kind: 'flat', label: by === 'weight' ? 'equal weights' : 'particles' };
}
