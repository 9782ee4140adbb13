import { halfSpectrumShape, irfftN, rfftN } from '../../fourier/real-fft.ts';
import { irfftNOnPool, rfftNOnPool, sharedSpectrum, type SharedSpectrum } from '../../fourier/fft-rows.ts';
import { sharedMemories } from '../../wasm/shared-memory.ts';
import type { RowExecutor } from '../../core/row-kernel.ts';
import { cubicWeights, splineWeights } from './bspline.ts';
import { greenSpectrum } from './green.ts';
import type { MeshGeometry } from './mesh-geometry.ts';

/** Fewest padded mesh cells whose FFTs are split over a row pool (512²: ~10 ms of lines a transform, against ~0.1 ms a pool call). */
export const MIN_POOL_MESH_CELLS = 1 << 18;

/**
 * Particle–mesh evaluation of a smooth radial kernel K (Hockney & Eastwood 1988):
 *
 *     φ(x_i) = Σ_j q_j K(|x_i − x_j|²)   and   ∇φ(x_i),
 *
 * for positions x [n, d] (d ≤ 3) and charges q [n] (weights, or weights over
 * densities for the blob), in O(n p^d + M^d log M) instead of O(n²):
 * 1. deposit q on the mesh with B-splines of order p;
 * 2. multiply its real FFT by the Green's function spectrum (green.ts) on the
 *    mesh padded ×2 (free space, no periodic images);
 * 3. inverse FFT, interpolate φ and its exact gradient Σ ∇B · C back to the particles.
 * The gradient is that of the interpolated potential, so forces are the derivative
 * of the mesh energy ½Σ q_i φ(x_i) (SPME, Essmann et al. 1995).
 *
 * Buffers and the last Green's function are kept between calls; results depend only
 * on the inputs (a cached spectrum is the one a fresh computation would give).
 */
export class ParticleMesh {
  private q = new Float64Array(0);
  private spec = new Float64Array(0);
  /** The mesh and its spectrum in a shared memory, for FFTs over `rows`. */
  private shared: SharedSpectrum | null = null;
  /**
   * A row pool for the FFTs of meshes of at least MIN_POOL_MESH_CELLS cells (their lines
   * split over its threads: the same bits, fft-rows.ts), or null: this thread.
   */
  rows: RowExecutor | null = null;
  private greenKey = '';
  private green: Float64Array = new Float64Array(0);
  private readonly w = new Float64Array(12);
  private readonly dw = new Float64Array(12);
  private readonly first = new Int32Array(3);

  /** The Green's function spectrum of K on geometry g, cached under `key` (which must name K). */
  greenFor(key: string, K: (r2: number) => number, g: MeshGeometry): Float64Array {
    const k = `${key}|${g.h}|${g.shape.join(',')}|${g.order}`;
    if (k !== this.greenKey) {
      this.green = greenSpectrum(K, g);
      this.greenKey = k;
    }
    return this.green;
  }

  /**
   * φ_i into phi (if given, overwritten) and ∇φ(x_i) into grad ([n, d], if given)
   * for the kernel whose spectrum is `green` on geometry g: overwritten, or with
   * `gradScale` set, c·∇φ(x_i) added (a velocity accumulates −∇φ in place).
   */
  convolve(g: MeshGeometry, x: Float64Array, n: number, charges: Float64Array, green: Float64Array, phi: Float64Array | null, grad: Float64Array | null, gradScale?: number): void {
    const size = g.shape.reduce((a, b) => a * b, 1);
    const hsize = halfSpectrumShape(g.shape).reduce((a, b) => a * b, 1);
    let rows = this.rows !== null && this.rows.threads > 1 && size >= MIN_POOL_MESH_CELLS && sharedMemories() ? this.rows : null;
    if (rows) {
      try {
        this.shared = sharedSpectrum(g.shape, this.shared);
      } catch {
        rows = null; // no shared memory of that size here: this thread's arrays
      }
    }
    let q: Float64Array;
    if (rows) q = this.shared!.real;
    else {
      if (this.q.length !== size) this.q = new Float64Array(size);
      if (this.spec.length !== 2 * hsize) this.spec = new Float64Array(2 * hsize);
      q = this.q;
    }
    q.fill(0);
    this.deposit(g, x, n, charges, q);
    const spec = rows ? rfftNOnPool(rows, this.shared!, g.shape, g.span) : rfftN(q, g.shape, this.spec, g.span);
    for (let i = 0; i < hsize; i++) {
      spec[2 * i] *= green[i];
      spec[2 * i + 1] *= green[i];
    }
    if (rows) irfftNOnPool(rows, this.shared!, g.shape, g.span);
    else irfftN(spec, g.shape, q, g.span);
    this.gather(g, x, n, q, phi, grad, gradScale);
  }

  /** Spline weights of particle i on every axis into this.w / this.dw (p per axis) and first node indices. */
  private weights(g: MeshGeometry, x: Float64Array, i: number): void {
    const { d, h, base, order } = g;
    for (let a = 0; a < d; a++) this.first[a] = splineWeights(order, x[i * d + a] / h - base[a], this.w, this.dw, a * order);
  }

  private deposit(g: MeshGeometry, x: Float64Array, n: number, c: Float64Array, q: Float64Array): void {
    if (g.order === 4 && g.d === 2) return deposit2Cubic(g, x, n, c, q);
    if (g.order === 4 && g.d === 3) return deposit3Cubic(g, x, n, c, q, this.w);
    const { d, shape, order: p } = g;
    const w = this.w, f = this.first;
    for (let i = 0; i < n; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      this.weights(g, x, i);
      if (d === 1) {
        for (let a = 0; a < p; a++) q[f[0] + a] += ci * w[a];
      } else if (d === 2) {
        for (let a = 0; a < p; a++) {
          const row = (f[0] + a) * shape[1] + f[1];
          const wa = ci * w[a];
          for (let b = 0; b < p; b++) q[row + b] += wa * w[p + b];
        }
      } else {
        for (let a = 0; a < p; a++) {
          const wa = ci * w[a];
          for (let b = 0; b < p; b++) {
            const row = ((f[0] + a) * shape[1] + f[1] + b) * shape[2] + f[2];
            const wab = wa * w[p + b];
            for (let e = 0; e < p; e++) q[row + e] += wab * w[2 * p + e];
          }
        }
      }
    }
  }

  private gather(g: MeshGeometry, x: Float64Array, n: number, C: Float64Array, phi: Float64Array | null, grad: Float64Array | null, gradScale?: number): void {
    if (g.order === 4 && g.d === 2) return gather2Cubic(g, x, n, C, phi, grad, gradScale);
    if (g.order === 4 && g.d === 3) return gather3Cubic(g, x, n, C, phi, grad, gradScale, this.w, this.dw);
    const { d, h, shape, order: p } = g;
    const w = this.w, dw = this.dw, f = this.first;
    const ih = (gradScale ?? 1) / h;
    const keep = gradScale === undefined ? 0 : 1;
    for (let i = 0; i < n; i++) {
      this.weights(g, x, i);
      if (d === 1) {
        let s = 0, s0 = 0;
        for (let a = 0; a < p; a++) {
          const v = C[f[0] + a];
          s += w[a] * v;
          s0 += dw[a] * v;
        }
        if (phi) phi[i] = s;
        if (grad) grad[i] = keep * grad[i] + s0 * ih;
      } else if (d === 2) {
        let s = 0, s0 = 0, s1 = 0;
        for (let a = 0; a < p; a++) {
          const row = (f[0] + a) * shape[1] + f[1];
          let t = 0, t1 = 0;
          for (let b = 0; b < p; b++) {
            const v = C[row + b];
            t += w[p + b] * v;
            t1 += dw[p + b] * v;
          }
          s += w[a] * t;
          s0 += dw[a] * t;
          s1 += w[a] * t1;
        }
        if (phi) phi[i] = s;
        if (grad) {
          grad[2 * i] = keep * grad[2 * i] + s0 * ih;
          grad[2 * i + 1] = keep * grad[2 * i + 1] + s1 * ih;
        }
      } else {
        let s = 0, s0 = 0, s1 = 0, s2 = 0;
        for (let a = 0; a < p; a++) {
          let t = 0, t1 = 0, t2 = 0;
          for (let b = 0; b < p; b++) {
            const row = ((f[0] + a) * shape[1] + f[1] + b) * shape[2] + f[2];
            let u = 0, u2 = 0;
            for (let e = 0; e < p; e++) {
              const v = C[row + e];
              u += w[2 * p + e] * v;
              u2 += dw[2 * p + e] * v;
            }
            t += w[p + b] * u;
            t1 += dw[p + b] * u;
            t2 += w[p + b] * u2;
          }
          s += w[a] * t;
          s0 += dw[a] * t;
          s1 += w[a] * t1;
          s2 += w[a] * t2;
        }
        if (phi) phi[i] = s;
        if (grad) {
          grad[3 * i] = keep * grad[3 * i] + s0 * ih;
          grad[3 * i + 1] = keep * grad[3 * i + 1] + s1 * ih;
          grad[3 * i + 2] = keep * grad[3 * i + 2] + s2 * ih;
        }
      }
    }
  }
}

/*
 * The 2D cubic (p = 4) deposit and gather with the spline weights in registers: the
 * expressions of splineWeights (bspline.ts) and the sums of the generic loops above, in
 * the same order, so the same bits; without the weight arrays' stores and loads per
 * particle (the generic loops' cost at 10⁶ particles).
 */

function deposit2Cubic(g: MeshGeometry, x: Float64Array, n: number, c: Float64Array, q: Float64Array): void {
  const { h, base, shape } = g;
  const b0 = base[0], b1 = base[1], M1 = shape[1];
  for (let i = 0; i < n; i++) {
    const ci = c[i];
    if (ci === 0) continue;
    const u = x[2 * i] / h - b0, v = x[2 * i + 1] / h - b1;
    const fu = Math.floor(u), fv = Math.floor(v);
    const f = u - fu, gg = 1 - f, f2 = f * f, f3 = f2 * f;
    const e = v - fv, ge = 1 - e, e2 = e * e, e3 = e2 * e;
    const y0 = (ge * ge * ge) / 6, y1 = (3 * e3 - 6 * e2 + 4) / 6, y2 = (-3 * e3 + 3 * e2 + 3 * e + 1) / 6, y3 = e3 / 6;
    let row = (fu - 1) * M1 + fv - 1;
    let wa = ci * ((gg * gg * gg) / 6);
    q[row] += wa * y0; q[row + 1] += wa * y1; q[row + 2] += wa * y2; q[row + 3] += wa * y3;
    row += M1;
    wa = ci * ((3 * f3 - 6 * f2 + 4) / 6);
    q[row] += wa * y0; q[row + 1] += wa * y1; q[row + 2] += wa * y2; q[row + 3] += wa * y3;
    row += M1;
    wa = ci * ((-3 * f3 + 3 * f2 + 3 * f + 1) / 6);
    q[row] += wa * y0; q[row + 1] += wa * y1; q[row + 2] += wa * y2; q[row + 3] += wa * y3;
    row += M1;
    wa = ci * (f3 / 6);
    q[row] += wa * y0; q[row + 1] += wa * y1; q[row + 2] += wa * y2; q[row + 3] += wa * y3;
  }
}

function gather2Cubic(g: MeshGeometry, x: Float64Array, n: number, C: Float64Array, phi: Float64Array | null, grad: Float64Array | null, gradScale?: number): void {
  const { h, base, shape } = g;
  const b0 = base[0], b1 = base[1], M1 = shape[1];
  const ih = (gradScale ?? 1) / h;
  const keep = gradScale === undefined ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const u = x[2 * i] / h - b0, v = x[2 * i + 1] / h - b1;
    const fu = Math.floor(u), fv = Math.floor(v);
    const f = u - fu, gg = 1 - f, f2 = f * f, f3 = f2 * f;
    const e = v - fv, ge = 1 - e, e2 = e * e, e3 = e2 * e;
    const y0 = (ge * ge * ge) / 6, y1 = (3 * e3 - 6 * e2 + 4) / 6, y2 = (-3 * e3 + 3 * e2 + 3 * e + 1) / 6, y3 = e3 / 6;
    const z0 = -0.5 * ge * ge, z1 = 1.5 * e2 - 2 * e, z2 = -1.5 * e2 + e + 0.5, z3 = 0.5 * e2;
    const row0 = (fu - 1) * M1 + fv - 1;
    let s = 0, s0 = 0, s1 = 0;
    for (let a = 0; a < 4; a++) {
      const row = row0 + a * M1;
      const c0 = C[row], c1 = C[row + 1], c2 = C[row + 2], c3 = C[row + 3];
      // t and t1 summed left to right, as the generic loop's b = 0 … 3.
      const t = y0 * c0 + y1 * c1 + y2 * c2 + y3 * c3;
      const t1 = z0 * c0 + z1 * c1 + z2 * c2 + z3 * c3;
      const wa = a === 0 ? (gg * gg * gg) / 6 : a === 1 ? (3 * f3 - 6 * f2 + 4) / 6 : a === 2 ? (-3 * f3 + 3 * f2 + 3 * f + 1) / 6 : f3 / 6;
      const da = a === 0 ? -0.5 * gg * gg : a === 1 ? 1.5 * f2 - 2 * f : a === 2 ? -1.5 * f2 + f + 0.5 : 0.5 * f2;
      s += wa * t;
      s0 += da * t;
      s1 += wa * t1;
    }
    if (phi) phi[i] = s;
    if (grad) {
      grad[2 * i] = keep * grad[2 * i] + s0 * ih;
      grad[2 * i + 1] = keep * grad[2 * i + 1] + s1 * ih;
    }
  }
}

/** The 3D cubic deposit: the generic loop's sums, with the innermost four nodes unrolled (same bits). */
function deposit3Cubic(g: MeshGeometry, x: Float64Array, n: number, c: Float64Array, q: Float64Array, w: Float64Array): void {
  const { h, base, shape } = g;
  const M1 = shape[1], M2 = shape[2];
  const dw = new Float64Array(12);
  for (let i = 0; i < n; i++) {
    const ci = c[i];
    if (ci === 0) continue;
    const u0 = x[3 * i] / h - base[0], u1 = x[3 * i + 1] / h - base[1], u2 = x[3 * i + 2] / h - base[2];
    const f0 = Math.floor(u0), f1 = Math.floor(u1), f2 = Math.floor(u2);
    cubicWeights(u0 - f0, w, dw, 0);
    cubicWeights(u1 - f1, w, dw, 4);
    cubicWeights(u2 - f2, w, dw, 8);
    const z0 = w[8], z1 = w[9], z2 = w[10], z3 = w[11];
    for (let a = 0; a < 4; a++) {
      const wa = ci * w[a];
      for (let b = 0; b < 4; b++) {
        const row = ((f0 - 1 + a) * M1 + f1 - 1 + b) * M2 + f2 - 1;
        const wab = wa * w[4 + b];
        q[row] += wab * z0;
        q[row + 1] += wab * z1;
        q[row + 2] += wab * z2;
        q[row + 3] += wab * z3;
      }
    }
  }
}

/** The 3D cubic gather: the generic loop's sums in its order, the innermost four nodes unrolled (same bits). */
function gather3Cubic(g: MeshGeometry, x: Float64Array, n: number, C: Float64Array, phi: Float64Array | null, grad: Float64Array | null, gradScale: number | undefined, w: Float64Array, dw: Float64Array): void {
  const { h, base, shape } = g;
  const M1 = shape[1], M2 = shape[2];
  const ih = (gradScale ?? 1) / h;
  const keep = gradScale === undefined ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const u0 = x[3 * i] / h - base[0], u1 = x[3 * i + 1] / h - base[1], u2 = x[3 * i + 2] / h - base[2];
    const f0 = Math.floor(u0), f1 = Math.floor(u1), f2 = Math.floor(u2);
    cubicWeights(u0 - f0, w, dw, 0);
    cubicWeights(u1 - f1, w, dw, 4);
    cubicWeights(u2 - f2, w, dw, 8);
    const z0 = w[8], z1 = w[9], z2 = w[10], z3 = w[11];
    const e0 = dw[8], e1 = dw[9], e2 = dw[10], e3 = dw[11];
    let s = 0, s0 = 0, s1 = 0, s2 = 0;
    for (let a = 0; a < 4; a++) {
      let t = 0, t1 = 0, t2 = 0;
      for (let b = 0; b < 4; b++) {
        const row = ((f0 - 1 + a) * M1 + f1 - 1 + b) * M2 + f2 - 1;
        const c0 = C[row], c1 = C[row + 1], c2 = C[row + 2], c3 = C[row + 3];
        const u = z0 * c0 + z1 * c1 + z2 * c2 + z3 * c3;
        const v = e0 * c0 + e1 * c1 + e2 * c2 + e3 * c3;
        t += w[4 + b] * u;
        t1 += dw[4 + b] * u;
        t2 += w[4 + b] * v;
      }
      s += w[a] * t;
      s0 += dw[a] * t;
      s1 += w[a] * t1;
      s2 += w[a] * t2;
    }
    if (phi) phi[i] = s;
    if (grad) {
      grad[3 * i] = keep * grad[3 * i] + s0 * ih;
      grad[3 * i + 1] = keep * grad[3 * i + 1] + s1 * ih;
      grad[3 * i + 2] = keep * grad[3 * i + 2] + s2 * ih;
    }
  }
}
