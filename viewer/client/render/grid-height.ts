import * as THREE from 'three';
import { lookUp, viridisTable } from './colormap.ts';
import type { Box } from './embed.ts';
import { OBSTACLE_RGB } from './grid-heatmap.ts';

/** Centre of cell i of n on [lo, hi]: lo + (i + ½)(hi − lo)/n. */
export const cellCentre = (lo: number, hi: number, n: number, i: number) => lo + ((i + 0.5) * (hi - lo)) / n;

/**
 * A 2D grid density p [nx, ny] as a lit height field z = height · p / top over
 * the cell centres, coloured by value (viridis), obstacle cells in grey; the
 * reference as see-through white mesh lines on the same height scale.
 */
export class GridHeightField {
  readonly mesh: THREE.Mesh;
  private readonly obstacle: [number, number, number];

  constructor(
    private readonly shape: number[],
    private readonly box: Box,
    private readonly height: number,
    private readonly mask: Uint8Array | null,
  ) {
    const geometry = this.surfaceGeometry();
    geometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(3 * shape[0] * shape[1]), 3));
    this.mesh = new THREE.Mesh(geometry, new THREE.MeshLambertMaterial({ vertexColors: true, side: THREE.DoubleSide }));
    // Vertex colours of built-in materials are linear.
    const c = new THREE.Color().setRGB(OBSTACLE_RGB[0] / 255, OBSTACLE_RGB[1] / 255, OBSTACLE_RGB[2] / 255, THREE.SRGBColorSpace);
    this.obstacle = [c.r, c.g, c.b];
  }

  /** An (nx × ny)-vertex surface over the cell centres, two triangles per cell. */
  private surfaceGeometry(): THREE.BufferGeometry {
    const [nx, ny] = this.shape;
    const pos = new Float32Array(3 * nx * ny);
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++) {
        pos[3 * (i * ny + j)] = cellCentre(this.box.lo[0], this.box.hi[0], nx, i);
        pos[3 * (i * ny + j) + 1] = cellCentre(this.box.lo[1], this.box.hi[1], ny, j);
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

  /** Heights p / topHeight, colours p / topColour (the colour scale may clamp where heights do not). */
  update(p: ArrayLike<number>, topHeight: number, topColour: number): void {
    const g = this.mesh.geometry;
    const pos = g.getAttribute('position') as THREE.BufferAttribute;
    const col = g.getAttribute('color') as THREE.BufferAttribute;
    const P = pos.array as Float32Array, C = col.array as Float32Array;
    const lut = viridisTable(true);
    for (let c = 0; c < p.length; c++) {
      P[3 * c + 2] = (this.height * p[c]) / topHeight;
      if (this.mask?.[c]) C.set(this.obstacle, 3 * c);
      else lookUp(lut, p[c] / topColour, C, 3 * c);
    }
    this.normals(P);
    pos.needsUpdate = col.needsUpdate = true;
  }

  /**
   * Normals of the height field z(x, y) by central differences,
   * n ∝ (−∂z/∂x, −∂z/∂y, 1): O(cells), in place of three.js's per-triangle
   * accumulation, which dominates the frame time on 256² grids.
   */
  private normals(P: Float32Array): void {
    const [nx, ny] = this.shape;
    const g = this.mesh.geometry;
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

  /**
   * A see-through picture of a 2D density q at height q / top: the curves
   * z = q(x, y_j) and z = q(x_i, y) along at most ~40 rows and columns, at full
   * resolution along each curve (a wireframe of every cell would cost three
   * lines per triangle).
   */
  meshLines(q: ArrayLike<number>, top: number): THREE.BufferGeometry {
    const [nx, ny] = this.shape;
    const sx = Math.max(1, Math.ceil(nx / 40)), sy = Math.max(1, Math.ceil(ny / 40));
    const pts: number[] = [];
    const at = (i: number, j: number) => [cellCentre(this.box.lo[0], this.box.hi[0], nx, i), cellCentre(this.box.lo[1], this.box.hi[1], ny, j), (this.height * q[i * ny + j]) / top];
    for (let i = 0; i < nx; i += sx) for (let j = 0; j + 1 < ny; j++) pts.push(...at(i, j), ...at(i, j + 1));
    for (let j = 0; j < ny; j += sy) for (let i = 0; i + 1 < nx; i++) pts.push(...at(i, j), ...at(i + 1, j));
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(pts), 3));
    return g;
  }

  dispose(): void {
    this.mesh.geometry.dispose();
  }
}
