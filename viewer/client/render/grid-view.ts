import * as THREE from 'three';
import type { ViewInfo } from '../../protocol.ts';
import { lookUp, viridisTable } from './colormap.ts';
import { maxOf, type ColourKey, type GridScale } from './colour-scale.ts';
import { boxExtent, type Box } from './embed.ts';
import { CONTOUR_LEVELS, GridHeatmap } from './grid-heatmap.ts';
import { cellCentre, GridHeightField } from './grid-height.ts';
import { GridSlices } from './grid-slices.ts';
import { PointCloud } from './point-cloud.ts';
import type { ReferenceKey, StateView } from './state-view.ts';

/** The colour of a comparison run's particles over the density (orange, apart from viridis and the white reference). */
export const COMPANION_RGB = [1, 0.55, 0.1] as const;

/** How a 2D grid is drawn. */
export type GridMode2d = 'heat map' | 'height field';
export const GRID_MODES_2D: readonly GridMode2d[] = ['heat map', 'height field'];
/** How a 3D grid is drawn. */
export type GridMode3d = 'volume' | 'slices';
export const GRID_MODES_3D: readonly GridMode3d[] = ['volume', 'slices'];
export type GridMode = GridMode2d | GridMode3d;

export interface GridViewOptions {
  /** 'heat map' | 'height field' (2D), 'volume' | 'slices' (3D); ignored in 1D. */
  mode: GridMode;
  /** Top of the colour/height scale over the run (kept by the caller across views). */
  scale: GridScale;
  /** Obstacle cells (drawn grey in 2D), or null. */
  mask: Uint8Array | null;
}

/** The strip between a profile's vertices (x_i, y_i) and the axis y = 0, coloured like the profile. */
function areaUnder(profile: THREE.BufferGeometry): THREE.BufferGeometry {
  const P = profile.getAttribute('position').array as Float32Array, C = profile.getAttribute('color').array as Float32Array;
  const n = P.length / 3;
  const pos = new Float32Array(6 * n), col = new Float32Array(6 * n);
  const index: number[] = [];
  for (let i = 0; i < n; i++) {
    pos.set([P[3 * i], 0, 0, P[3 * i], P[3 * i + 1], 0], 6 * i);
    col.set([C[3 * i], C[3 * i + 1], C[3 * i + 2], C[3 * i], C[3 * i + 1], C[3 * i + 2]], 6 * i);
    if (i + 1 < n) index.push(2 * i, 2 * i + 2, 2 * i + 1, 2 * i + 1, 2 * i + 2, 2 * i + 3);
  }
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
  g.setAttribute('color', new THREE.BufferAttribute(col, 3));
  g.setIndex(index);
  return g;
}

/**
 * A grid density p of shape [nx], [nx, ny] or [nx, ny, nz] (row-major, cell
 * masses) over the scene's box:
 * - 1D: the profile p_i as a curve over the cell centres, the area under it shaded;
 * - 2D: a heat map seen from above (`GridHeatmap`), or a lit height field (`GridHeightField`);
 * - 3D: a volume point cloud, one sprite per cell with colour and opacity
 *   growing with p_ijk (cells under 2 % of the top are hidden), or three
 *   orthogonal slices through the maximum (`GridSlices`).
 * Colours run over [0, top] with top from the run's `GridScale`; heights over
 * max(top, max reference), so the reference (dashed white curve, white mesh
 * lines) fits and is comparable with the state. The colour bar shows the
 * density ρ = p / cell volume. A 3D reference is drawn as white points on its
 * half-maximum surface.
 */
export class GridView implements StateView {
  readonly root = new THREE.Group();
  private readonly pixelRatio: number;
  private readonly shape: number[];
  private readonly height: number;
  private readonly cellVolume: number;
  private refMax = 0;
  private line: THREE.Line | null = null;
  /** The area under a 1D profile, translucent: a thin curve alone is hard to see on a large canvas. */
  private fill: THREE.Mesh | null = null;
  private heights: GridHeightField | null = null;
  private heatmap: GridHeatmap | null = null;
  private volume: PointCloud | null = null;
  private slices: GridSlices | null = null;
  private refObject: THREE.Object3D | null = null;
  /** A comparison run's particle cloud, drawn over the density (orange dots). */
  private companion: PointCloud | null = null;
  colourKey: ColourKey | null = null;
  referenceKey: ReferenceKey | null = null;

  constructor(
    info: ViewInfo,
    private readonly box: Box,
    pixelRatio: number,
    private readonly opts: GridViewOptions,
  ) {
    this.pixelRatio = pixelRatio;
    this.shape = info.shape;
    this.height = 0.45 * boxExtent(box);
    this.cellVolume = this.shape.reduce((v, n, k) => (v * (box.hi[k] - box.lo[k])) / n, 1);
    const dim = this.shape.length;
    if (dim === 1) {
      this.line = new THREE.Line(this.profileGeometry(new Float32Array(this.shape[0]), 1), new THREE.LineBasicMaterial({ vertexColors: true }));
      this.fill = new THREE.Mesh(areaUnder(this.line.geometry), new THREE.MeshBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.35, depthWrite: false, side: THREE.DoubleSide }));
      this.root.add(this.fill, this.line);
    } else if (dim === 2 && opts.mode === 'height field') {
      this.heights = new GridHeightField(this.shape, box, this.height, opts.mask);
      this.root.add(this.heights.mesh);
    } else if (dim === 2) {
      this.heatmap = new GridHeatmap(this.shape, box, opts.mask);
      this.root.add(this.heatmap.root);
    } else if (opts.mode === 'slices') {
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
            pos[3 * c] = cellCentre(box.lo[0], box.hi[0], nx, i);
            pos[3 * c + 1] = cellCentre(box.lo[1], box.hi[1], ny, j);
            pos[3 * c + 2] = cellCentre(box.lo[2], box.hi[2], nz, k);
          }
      this.volume.commit(['position', 'alpha']);
      this.root.add(this.volume.object);
    }
  }

  /** Vertices (x_i, height · p_i / top, 0) of a 1D profile, coloured by p_i / colourTop (or one colour). */
  private profileGeometry(p: ArrayLike<number>, top: number, colour?: THREE.Color, colourTop = top): THREE.BufferGeometry {
    const n = this.shape[0];
    const pos = new Float32Array(3 * n), col = new Float32Array(3 * n);
    const lut = viridisTable(true);
    for (let i = 0; i < n; i++) {
      pos[3 * i] = cellCentre(this.box.lo[0], this.box.hi[0], n, i);
      pos[3 * i + 1] = (this.height * p[i]) / top;
      if (colour) col.set([colour.r, colour.g, colour.b], 3 * i);
      else lookUp(lut, 0.25 + 0.75 * (p[i] / colourTop), col, 3 * i);
    }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    g.setAttribute('color', new THREE.BufferAttribute(col, 3));
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
          pts.push(cellCentre(this.box.lo[0], this.box.hi[0], nx, i), cellCentre(this.box.lo[1], this.box.hi[1], ny, j), cellCentre(this.box.lo[2], this.box.hi[2], nz, k));
        }
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(pts), 3));
    return g;
  }

  update(p: Float32Array): void {
    const top = this.opts.scale.top(p);
    const topHeight = Math.max(top, this.refMax);
    // The reference was drawn at height(refMax); rescale it to the height scale (1D, 2D
    // height field; contours and a 3D reference keep theirs).
    if (this.refObject && (this.line || this.heights)) this.refObject.scale.setComponent(this.line ? 1 : 2, this.refMax / topHeight);
    let from = 0;
    if (this.line) {
      from = 0.25;
      const g = this.profileGeometry(p, topHeight, undefined, top);
      this.line.geometry.dispose();
      this.line.geometry = g;
      this.fill!.geometry.dispose();
      this.fill!.geometry = areaUnder(g);
    } else if (this.heights) {
      this.heights.update(p, topHeight, top);
    } else if (this.heatmap) {
      this.heatmap.update(p, top);
    } else if (this.slices) {
      this.slices.update(p, top);
    } else if (this.volume) {
      from = 0.2;
      const v = this.volume;
      const lut = viridisTable(false);
      for (let c = 0; c < p.length; c++) {
        const s = Math.min(1, p[c] / top);
        lookUp(lut, 0.2 + 0.8 * s, v.colours, 3 * c);
        v.alphas[c] = s < 0.02 ? 0 : 0.08 + 0.6 * s;
      }
      v.commit(['rgb', 'alpha']);
    }
    const clamps = maxOf(p) > top * (1 + 1e-9) ? ' (brighter cells clamp)' : '';
    this.colourKey = { kind: 'ramp', label: 'density ρ = p / cell volume', lo: 0, hi: top / this.cellVolume, from, to: 1, note: this.opts.scale.describe() + clamps };
  }

  /**
   * Draws a particle cloud [n, d] over the density (a comparison run's other discretization,
   * issue #15): orange dots above the heat map (depth test off, drawn last) in 2D and 3D; in 1D
   * a strip under the axis, each particle at its x with a fixed spread in y (golden-ratio
   * offsets), so that the strip's density is the cloud's.
   */
  setCompanion(x: Float32Array, shape: number[]): void {
    const [n, d] = shape;
    if (!this.companion) {
      this.companion = new PointCloud({ size: 3.5 * this.pixelRatio, opacity: 0.9, transparent: true });
      this.companion.material.depthTest = false;
      this.companion.object.renderOrder = 10;
      this.root.add(this.companion.object);
    }
    const c = this.companion;
    c.resize(n);
    const lift = 0.01 * this.height;
    for (let i = 0; i < n; i++) {
      c.positions[3 * i] = x[i * d];
      c.positions[3 * i + 1] = d >= 2 ? x[i * d + 1] : -this.height * (0.03 + 0.12 * ((i * 0.6180339887) % 1));
      c.positions[3 * i + 2] = d >= 3 ? x[i * d + 2] : lift;
      c.colours.set(COMPANION_RGB, 3 * i);
    }
    c.commit();
  }

  setReference(data: Float32Array | null, shape: number[]): void {
    if (this.refObject) {
      this.root.remove(this.refObject);
      ((this.refObject as THREE.Mesh).geometry as THREE.BufferGeometry).dispose();
      this.refObject = null;
    }
    this.heatmap?.setReference(null, 0);
    this.referenceKey = null;
    this.refMax = 0;
    if (!data || shape.join() !== this.shape.join()) return;
    this.refMax = maxOf(data);
    if (this.line) {
      this.refObject = new THREE.Line(this.profileGeometry(data, this.refMax, new THREE.Color(0xffffff)), new THREE.LineDashedMaterial({ vertexColors: true, dashSize: 0.05, gapSize: 0.03 }));
      (this.refObject as THREE.Line).computeLineDistances();
      this.referenceKey = { swatch: 'dashed', colour: '#ffffff', how: 'dashed white curve' };
    } else if (this.heights) {
      this.refObject = new THREE.LineSegments(this.heights.meshLines(data, this.refMax), new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.35 }));
      this.referenceKey = { swatch: 'line', colour: '#ffffff', how: 'white mesh lines (same height scale)' };
    } else if (this.heatmap) {
      this.heatmap.setReference(data, this.refMax);
      this.referenceKey = { swatch: 'line', colour: '#ffffff', how: `white contours at ${CONTOUR_LEVELS.map((f) => `${100 * f} %`).join(', ')} of its maximum` };
    } else {
      // 3D: a filled reference would hide the volume, so only its half-maximum surface is drawn.
      this.refObject = new THREE.Points(this.levelShell(data, 0.5 * this.refMax), new THREE.PointsMaterial({ color: 0xffffff, size: 2, sizeAttenuation: false, transparent: true, opacity: 0.45 }));
      this.referenceKey = { swatch: 'dots', colour: '#ffffff', how: 'white dots on its half-maximum surface' };
    }
    if (this.refObject) this.root.add(this.refObject);
  }

  dispose(): void {
    this.companion?.dispose();
    this.line?.geometry.dispose();
    this.fill?.geometry.dispose();
    this.heights?.dispose();
    this.heatmap?.dispose();
    this.volume?.dispose();
    this.slices?.dispose();
  }
}
