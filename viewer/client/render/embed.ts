import type { ViewInfo } from '../../protocol.ts';

/** An axis-aligned box in world coordinates (x, y, z). */
export interface Box {
  lo: [number, number, number];
  hi: [number, number, number];
}

/**
 * The box that frames a run: the sphere's [−1, 1]³, the scene's `bounds`, or the
 * extent of the first frame and the reference cloud together (where the measure
 * starts and where it should end) plus a 15 % margin. `x` and `ref` are
 * row-major [n, d]; axes beyond the third are not drawn, missing ones are [0, 0].
 * `centred`: the cube [−R, R]^min(d,3), R = 1.15 · max |x_ik| over both clouds
 * (a picture about directions from the origin, e.g. neurons |a|·w).
 */
export function frameBox(info: ViewInfo, x: Float32Array | null, ref: Float32Array | null = null, centred = false): Box {
  const lo: [number, number, number] = [0, 0, 0];
  const hi: [number, number, number] = [0, 0, 0];
  const d = info.dim;
  if (centred && x && info.kind === 'particles' && !info.sphere) return centredBox(Math.max(maxAbs(x, d), ref ? maxAbs(ref, d) : 0), d, 1.15);
  for (let k = 0; k < Math.min(3, d); k++) {
    if (info.sphere) {
      lo[k] = -1;
      hi[k] = 1;
    } else if (info.bounds?.[k]) {
      [lo[k], hi[k]] = info.bounds[k];
    } else if (x && info.kind === 'particles') {
      let a = Infinity, b = -Infinity;
      for (const arr of ref ? [x, ref] : [x]) {
        for (let i = k; i < arr.length; i += d) {
          if (arr[i] < a) a = arr[i];
          if (arr[i] > b) b = arr[i];
        }
      }
      const m = 0.15 * Math.max(b - a, 1e-6);
      lo[k] = a - m;
      hi[k] = b + m;
    } else {
      lo[k] = -1;
      hi[k] = 1;
    }
  }
  if (d === 1) {
    // A 1D state is drawn as a profile above the axis: frame [0, half the width] vertically.
    lo[1] = 0;
    hi[1] = 0.5 * (hi[0] - lo[0]);
  }
  return { lo, hi };
}

/**
 * When more than 1 % of the particles x [n, d] have left `box` (a scene without
 * bounds whose measure travels), the union of the box and their extent plus a
 * 15 % margin (a centred box: the cube of 1.5 times its size at least); otherwise
 * null (keep the camera where it is). Boxes only grow: the frame never shrinks.
 */
export function grownBox(box: Box, x: Float32Array, d: number, centred = false): Box | null {
  const n = x.length / d, m = Math.min(3, d);
  let outside = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      const v = x[i * d + k];
      if (v < box.lo[k] || v > box.hi[k]) {
        outside++;
        break;
      }
    }
  }
  if (outside <= 0.01 * n) return null;
  // A centred frame grows by half again at least, so that a growing picture is reframed rarely.
  if (centred) return centredBox(Math.max(1.5 * box.hi[0], 1.15 * maxAbs(x, d)), d, 1);
  const lo = [...box.lo] as Box['lo'], hi = [...box.hi] as Box['hi'];
  for (let k = 0; k < m; k++) {
    let a = lo[k], b = hi[k];
    for (let i = k; i < x.length; i += d) {
      if (x[i] < a) a = x[i];
      if (x[i] > b) b = x[i];
    }
    const margin = 0.15 * (b - a);
    lo[k] = a < lo[k] ? a - margin : lo[k];
    hi[k] = b > hi[k] ? b + margin : hi[k];
  }
  if (d === 1) hi[1] = 0.5 * (hi[0] - lo[0]);
  return { lo, hi };
}

/** max |x_ik| over the first min(d, 3) coordinates of x [n, d]. */
function maxAbs(x: Float32Array, d: number): number {
  let m = 0;
  for (let i = 0; i < x.length; i += d) for (let k = 0; k < Math.min(3, d); k++) m = Math.max(m, Math.abs(x[i + k]));
  return m;
}

/** The cube [−R·margin, R·margin]^min(d,3) (R > 0 enforced), other axes [0, 0]. */
function centredBox(R: number, d: number, margin: number): Box {
  const r = margin * Math.max(R, 1e-6);
  const lo: Box['lo'] = [0, 0, 0], hi: Box['hi'] = [0, 0, 0];
  for (let k = 0; k < Math.min(3, d); k++) (lo[k] = -r), (hi[k] = r);
  return { lo, hi };
}

export function boxExtent(b: Box): number {
  return Math.max(b.hi[0] - b.lo[0], b.hi[1] - b.lo[1], b.hi[2] - b.lo[2], 1e-6);
}

/**
 * Histogram density of 1D samples on [lo, hi] with `bins` bins:
 * ρ_b = #{x_i in bin b} / (n · h), h = (hi − lo)/bins. Returns [bins].
 */
export function histogramDensity(x: ArrayLike<number>, lo: number, hi: number, bins: number): Float32Array {
  const out = new Float32Array(bins);
  const h = (hi - lo) / bins;
  for (let i = 0; i < x.length; i++) {
    const b = Math.floor((x[i] - lo) / h);
    if (b >= 0 && b < bins) out[b]++;
  }
  for (let b = 0; b < bins; b++) out[b] /= x.length * h;
  return out;
}

/**
 * World positions [n, 3] of particles x [n, d]: d = 1 on the x axis lifted to the
 * height of their histogram bin (so the cloud draws its own density curve,
 * scaled by `yScale`), d = 2 in the plane z = 0, d ≥ 3 by their first three
 * coordinates.
 */
export function embedParticles(x: Float32Array, d: number, out: Float32Array, box: Box, yScale: number): void {
  const n = x.length / d;
  if (d === 1) {
    const bins = Math.max(10, Math.min(200, Math.round(Math.sqrt(n))));
    const rho = histogramDensity(x, box.lo[0], box.hi[0], bins);
    const h = (box.hi[0] - box.lo[0]) / bins;
    for (let i = 0; i < n; i++) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((x[i] - box.lo[0]) / h)));
      out[3 * i] = x[i];
      // Spread under the curve at a golden-ratio sequence of heights: the cloud fills the density's area.
      out[3 * i + 1] = rho[b] * yScale * ((i * 0.6180339887) % 1);
      out[3 * i + 2] = 0;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    out[3 * i] = x[i * d];
    out[3 * i + 1] = x[i * d + 1];
    out[3 * i + 2] = d >= 3 ? x[i * d + 2] : 0;
  }
}
