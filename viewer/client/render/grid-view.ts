import * as THREE from 'three';
import type { ViewInfo } from '../../protocol.ts';
import { lookUp, viridisTable } from './colormap.ts';
import { boxExtent, type Box } from './embed.ts';
import { GridSlices } from './grid-slices.ts';
import { PointCloud } from './point-cloud.ts';
import type { StateView } from './state-view.ts';

/** How a 3D grid is drawn. */
export type GridMode3d = 'volume' | 'slices';
export const GRID_MODES_3D: readonly GridMode3d[] = ['volume', 'slices'];

/** Centre of cell i of n on [lo, hi]: lo + (i + ½)(hi − lo)/n. */
const centre = (lo: number, hi: number, n: number, i: number) => lo + ((i + 0.5) * (hi - lo)) / n;

function maxOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m > 0 ? m : 1;
}

/**
 * A grid density p of shape [nx], [nx, ny] or [nx, ny, nz] (row-major, cell
 * masses) over the scene's box:
 * - 1D: the profile p_i as a curve over the cell centres;
 * - 2D: a height field z = p_ij, coloured by value (viridis), lit;
 * - 3D: a volume point cloud, one sprite per cell with colour and opacity
 *   growing with p_ijk (cells under 2 % of the maximum are hidden), or three
 *   orthogonal slices through the maximum (`GridSlices`).
 * Heights and colours share one scale, max(max p, max reference), so the
 * reference (a dashed white curve / white mesh lines) is comparable with the state;
 * a 3D reference is drawn as white points on its half-maximum surface.
 */
export class GridView implements StateView {
  readonly root = new THREE.Group();
  private readonly shape: number[];
  private readonly height: number;
  private refMax = 0;
  private line: THREE.Line | null = null;
  private surface: THREE.Mesh | null = null;
  private volume: PointCloud | null = null;
  private slices: GridSlices | null = null;
  private refObject: THREE.Object3D | null = null;

  constructor(
    info: ViewInfo,
    private readonly box: Box,
    pixelRatio: number,
    mode3d: GridMode3d = 'volume',
  ) {
    this.shape = info.shape;
    this.height = 0.45 * boxExtent(box);
    const dim = this.shape.length;
    if (dim === 1) {
      this.line = new THREE.Line(this.profileGeometry(new Float32Array(this.shape[0]), 1), new THREE.LineBasicMaterial({ vertexColors: true }));
      this.root.add(this.line);
    } else if (dim === 2) {
      const geometry = this.surfaceGeometry();
      geometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(3 * this.shape[0] * this.shape[1]), 3));
      this.surface = new THREE.Mesh(geometry, new THREE.MeshLambertMaterial({ vertexColors: true, side: THREE.DoubleSide }));
      this.root.add(this.surface);
    } else if (mode3d === 'slices') {
      this.slices = new GridSlices(this.shape, box);
      this.root.add(this.slices.root);
    } else {
      const [nx, ny, nz] = this.shape;
      this.volume = new PointCloud({ size: Math.max(2, (420 / Math.max(nx, ny, nz)) * 0.6) * pixelRatio, transparent: true });
      this.volume.resize(nx * ny * nz);
      const pos = this.volume.positions;
      for (let i = 0, c = 0; i < nx; i++)
        for (let j = 0; j < ny; j++)
          for (let k = 0; k < nz; k++, c++) {
            pos[3 * c] = centre(box.lo[0], box.hi[0], nx, i);
            pos[3 * c + 1] = centre(box.lo[1], box.hi[1], ny, j);
            pos[3 * c + 2] = centre(box.lo[2], box.hi[2], nz, k);
          }
      this.volume.commit(['position', 'alpha']);
      this.root.add(this.volume.object);
    }
  }

  /** Vertices (x_i, scale · p_i, 0) of a 1D profile, coloured by value. */
  private profileGeometry(p: ArrayLike<number>, top: number, colour?: THREE.Color): THREE.BufferGeometry {
    const n = this.shape[0];
    const pos = new Float32Array(3 * n), col = new Float32Array(3 * n);
    const lut = viridisTable(true);
    for (let i = 0; i < n; i++) {
      pos[3 * i] = centre(this.box.lo[0], this.box.hi[0], n, i);
      pos[3 * i + 1] = (this.height * p[i]) / top;
      if (colour) col.set([colour.r, colour.g, colour.b], 3 * i);
      else lookUp(lut, 0.25 + 0.75 * (p[i] / top), col, 3 * i);
    }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    g.setAttribute('color', new THREE.BufferAttribute(col, 3));
    return g;
  }

  /** An (nx × ny)-vertex surface over the cell centres, two triangles per cell. */
  private surfaceGeometry(): THREE.BufferGeometry {
    const [nx, ny] = this.shape;
    const pos = new Float32Array(3 * nx * ny);
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++) {
        pos[3 * (i * ny + j)] = centre(this.box.lo[0], this.box.hi[0], nx, i);
        pos[3 * (i * ny + j) + 1] = centre(this.box.lo[1], this.box.hi[1], ny, j);
      }
    const index: number[] = [];
    for (let i = 0; i + 1 < nx; i++)
      for (let j = 0; j + 1 < ny; j++) {
        const a = i * ny + j, b = (i + 1) * ny + j;
        index.push(a, b, a + 1, b, b + 1, a + 1);
      }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    g.setIndex(index);
    return g;
  }

  /**
   * The cells on the surface of the level set {q ≥ level} of a 3D density: cells of the
   * set with a face-neighbour outside it (or on the grid's border), as points at their centres.
   */
  private levelShell(q: ArrayLike<number>, level: number): THREE.BufferGeometry {
    const [nx, ny, nz] = this.shape;
    const inside = (i: number, j: number, k: number) => i >= 0 && j >= 0 && k >= 0 && i < nx && j < ny && k < nz && q[(i * ny + j) * nz + k] >= level;
    const pts: number[] = [];
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++)
        for (let k = 0; k < nz; k++) {
          if (!inside(i, j, k)) continue;
          if (inside(i - 1, j, k) && inside(i + 1, j, k) && inside(i, j - 1, k) && inside(i, j + 1, k) && inside(i, j, k - 1) && inside(i, j, k + 1)) continue;
          pts.push(centre(this.box.lo[0], this.box.hi[0], nx, i), centre(this.box.lo[1], this.box.hi[1], ny, j), centre(this.box.lo[2], this.box.hi[2], nz, k));
        }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(pts), 3));
    return g;
  }

  update(p: Float32Array): void {
    const top = Math.max(maxOf(p), this.refMax);
    // The reference was drawn at height(refMax); rescale it to the shared scale `top` (1D, 2D:
    // heights; a 3D reference is drawn in space and keeps its scale).
    if (this.refObject && this.shape.length < 3) this.refObject.scale.setComponent(this.shape.length === 1 ? 1 : 2, this.refMax / top);
    if (this.line) {
      const g = this.profileGeometry(p, top);
      this.line.geometry.dispose();
      this.line.geometry = g;
    } else if (this.surface) {
      const g = this.surface.geometry;
      const pos = g.getAttribute('position') as THREE.BufferAttribute;
      const col = g.getAttribute('color') as THREE.BufferAttribute;
      const P = pos.array as Float32Array, C = col.array as Float32Array;
      const lut = viridisTable(true);
      for (let c = 0; c < p.length; c++) {
        P[3 * c + 2] = (this.height * p[c]) / top;
        lookUp(lut, p[c] / top, C, 3 * c);
      }
      this.heightFieldNormals(P);
      pos.needsUpdate = col.needsUpdate = true;
    } else if (this.slices) {
      this.slices.update(p, top);
    } else if (this.volume) {
      const v = this.volume;
      const lut = viridisTable(false);
      for (let c = 0; c < p.length; c++) {
        const s = p[c] / top;
        lookUp(lut, 0.2 + 0.8 * s, v.colours, 3 * c);
        v.alphas[c] = s < 0.02 ? 0 : 0.08 + 0.6 * s;
      }
      v.commit(['rgb', 'alpha']);
    }
  }

  /**
   * A see-through picture of a 2D density: the curves z = p(x, y_j) and
   * z = p(x_i, y) along at most ~40 rows and columns, at full resolution along
   * each curve (a wireframe of every cell would cost three lines per triangle).
   */
  private meshLines(p: ArrayLike<number>, top: number): THREE.BufferGeometry {
    const [nx, ny] = this.shape;
    const sx = Math.max(1, Math.ceil(nx / 40)), sy = Math.max(1, Math.ceil(ny / 40));
    const pts: number[] = [];
    const at = (i: number, j: number) => [centre(this.box.lo[0], this.box.hi[0], nx, i), centre(this.box.lo[1], this.box.hi[1], ny, j), (this.height * p[i * ny + j]) / top];
    for (let i = 0; i < nx; i += sx) for (let j = 0; j + 1 < ny; j++) pts.push(...at(i, j), ...at(i, j + 1));
    for (let j = 0; j < ny; j += sy) for (let i = 0; i + 1 < nx; i++) pts.push(...at(i, j), ...at(i + 1, j));
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(pts), 3));
    return g;
  }

  /**
   * Normals of the height field z(x, y) by central differences,
   * n ∝ (−∂z/∂x, −∂z/∂y, 1): O(cells), in place of three.js's per-triangle
   * accumulation, which dominates the frame time on 256² grids.
   */
  private heightFieldNormals(P: Float32Array): void {
    const [nx, ny] = this.shape;
    const g = this.surface!.geometry;
    let attr = g.getAttribute('normal') as THREE.BufferAttribute | undefined;
    if (!attr) {
      attr = new THREE.BufferAttribute(new Float32Array(3 * nx * ny), 3);
      g.setAttribute('normal', attr);
    }
    const N = attr.array as Float32Array;
    const hx = (this.box.hi[0] - this.box.lo[0]) / nx, hy = (this.box.hi[1] - this.box.lo[1]) / ny;
    const z = (i: number, j: number) => P[3 * (Math.min(nx - 1, Math.max(0, i)) * ny + Math.min(ny - 1, Math.max(0, j))) + 2];
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++) {
        const dx = (z(i + 1, j) - z(i - 1, j)) / ((i > 0 && i < nx - 1 ? 2 : 1) * hx);
        const dy = (z(i, j + 1) - z(i, j - 1)) / ((j > 0 && j < ny - 1 ? 2 : 1) * hy);
        const r = 1 / Math.hypot(dx, dy, 1), c = 3 * (i * ny + j);
        N[c] = -dx * r;
        N[c + 1] = -dy * r;
        N[c + 2] = r;
      }
    attr.needsUpdate = true;
  }

  setReference(data: Float32Array | null, shape: number[]): void {
    if (this.refObject) {
      this.root.remove(this.refObject);
      ((this.refObject as THREE.Mesh).geometry as THREE.BufferGeometry).dispose();
      this.refObject = null;
    }
    this.refMax = 0;
    if (!data || shape.join() !== this.shape.join()) return;
    this.refMax = maxOf(data);
    if (this.shape.length === 1) {
      this.refObject = new THREE.Line(this.profileGeometry(data, this.refMax, new THREE.Color(0xffffff)), new THREE.LineDashedMaterial({ vertexColors: true, dashSize: 0.05, gapSize: 0.03 }));
      (this.refObject as THREE.Line).computeLineDistances();
    } else if (this.shape.length === 2) {
      this.refObject = new THREE.LineSegments(this.meshLines(data, this.refMax), new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.35 }));
    } else {
      // 3D: a filled reference would hide the volume, so only its half-maximum surface is drawn.
      this.refObject = new THREE.Points(this.levelShell(data, 0.5 * this.refMax), new THREE.PointsMaterial({ color: 0xffffff, size: 2, sizeAttenuation: false, transparent: true, opacity: 0.45 }));
    }
    if (this.refObject) this.root.add(this.refObject);
  }

  dispose(): void {
    this.line?.geometry.dispose();
    this.surface?.geometry.dispose();
    this.volume?.dispose();
    this.slices?.dispose();
  }
}
