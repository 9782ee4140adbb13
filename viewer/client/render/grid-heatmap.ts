import { contours } from 'd3-contour';
import * as THREE from 'three';
import { lookUp, viridisTable } from './colormap.ts';
import { boxExtent, type Box } from './embed.ts';

/** Colour of obstacle cells (sRGB bytes): a neutral grey no viridis colour comes near. */
export const OBSTACLE_RGB: readonly [number, number, number] = [150, 156, 168];
/** Levels of the reference's contours, as fractions of its maximum. */
export const CONTOUR_LEVELS = [0.1, 0.5, 0.9] as const;

/**
 * Contour lines {q = level} of a 2D grid field q [nx, ny] (row-major, index
 * i·ny + j) over `box`, as line-segment pairs in the plane z: marching squares
 * by d3-contour (sample (i, j) is the centre of its cell). O(nx·ny) per level.
 */
export function contourSegments(q: ArrayLike<number>, shape: number[], box: Box, levels: readonly number[], z: number): Float32Array {
  const [nx, ny] = shape;
  const hx = (box.hi[0] - box.lo[0]) / nx, hy = (box.hi[1] - box.lo[1]) / ny;
  // d3 reads values[a + b·width] with a fastest: a runs along our j (y), b along our i (x).
  const polygons = contours().size([ny, nx]).thresholds([...levels])(Array.from(q));
  const pts: number[] = [];
  for (const mp of polygons)
    for (const polygon of mp.coordinates)
      for (const ring of polygon)
        for (let k = 0; k + 1 < ring.length; k++) {
          const [a0, b0] = ring[k], [a1, b1] = ring[k + 1];
          pts.push(box.lo[0] + b0 * hx, box.lo[1] + a0 * hy, z, box.lo[0] + b1 * hx, box.lo[1] + a1 * hy, z);
        }
  return Float32Array.from(pts);
}

/**
 * A 2D grid density seen from above: one texel per cell (nearest sampling, so
 * cells stay visible), viridis of p/top, obstacle cells in grey; the reference
 * as white contours at 10 %, 50 % and 90 % of its maximum.
 */
export class GridHeatmap {
  readonly root = new THREE.Group();
  private readonly texture: THREE.DataTexture;
  private readonly plane: THREE.Mesh;
  private contoursObject: THREE.LineSegments | null = null;

  constructor(
    private readonly shape: number[],
    private readonly box: Box,
    private readonly mask: Uint8Array | null,
  ) {
    const [nx, ny] = shape;
    // Texel (u = i, v = j) at row j of the texture: x to the right, y up.
    this.texture = new THREE.DataTexture(new Uint8Array(4 * nx * ny), nx, ny, THREE.RGBAFormat);
    this.texture.magFilter = this.texture.minFilter = THREE.NearestFilter;
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.plane = new THREE.Mesh(new THREE.PlaneGeometry(box.hi[0] - box.lo[0], box.hi[1] - box.lo[1]), new THREE.MeshBasicMaterial({ map: this.texture }));
    this.plane.position.set((box.lo[0] + box.hi[0]) / 2, (box.lo[1] + box.hi[1]) / 2, 0);
    this.root.add(this.plane);
  }

  /** Colours the cells of p [nx, ny] by p / top (clamped at the top colour). */
  update(p: ArrayLike<number>, top: number): void {
    const [nx, ny] = this.shape;
    const data = this.texture.image.data as Uint8Array;
    const lut = viridisTable(false);
    const rgb = new Float32Array(3);
    for (let i = 0; i < nx; i++)
      for (let j = 0; j < ny; j++) {
        const c = i * ny + j, o = 4 * (j * nx + i);
        if (this.mask?.[c]) {
          data[o] = OBSTACLE_RGB[0];
          data[o + 1] = OBSTACLE_RGB[1];
          data[o + 2] = OBSTACLE_RGB[2];
        } else {
          lookUp(lut, p[c] / top, rgb, 0);
          data[o] = 255 * rgb[0];
          data[o + 1] = 255 * rgb[1];
          data[o + 2] = 255 * rgb[2];
        }
        data[o + 3] = 255;
      }
    this.texture.needsUpdate = true;
  }

  /** Draws the reference q [nx, ny] as contours (null: none). */
  setReference(q: ArrayLike<number> | null, max: number): void {
    if (this.contoursObject) {
      this.root.remove(this.contoursObject);
      this.contoursObject.geometry.dispose();
      this.contoursObject = null;
    }
    if (!q) return;
    // Just above the plane, so the lines are never hidden in it.
    const pts = contourSegments(q, this.shape, this.box, CONTOUR_LEVELS.map((f) => f * max), 2e-3 * boxExtent(this.box));
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(pts, 3));
    this.contoursObject = new THREE.LineSegments(g, new THREE.LineBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.85 }));
    this.root.add(this.contoursObject);
  }

  dispose(): void {
    this.texture.dispose();
    this.plane.geometry.dispose();
    this.contoursObject?.geometry.dispose();
  }
}
