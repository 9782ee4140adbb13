import * as THREE from 'three';
import { lookUp, viridisTable } from './colormap.ts';
import type { Box } from './embed.ts';

/** The three axis planes through one cell: which axes span each, and the fixed one. */
const PLANES = [
  { u: 0, v: 1, w: 2 }, // z = const
  { u: 0, v: 2, w: 1 }, // y = const
  { u: 1, v: 2, w: 0 }, // x = const
] as const;

/**
 * A 3D grid density p [nx, ny, nz] (row-major) as three orthogonal slices
 * through its maximum cell, each an nu × nv texture coloured by p / top
 * (viridis, nearest-cell sampling so cells stay visible), drawn double-sided.
 */
export class GridSlices {
  readonly root = new THREE.Group();
  private readonly textures: THREE.DataTexture[] = [];
  private readonly meshes: THREE.Mesh[] = [];

  constructor(
    private readonly shape: number[],
    private readonly box: Box,
  ) {
    for (const { u, v } of PLANES) {
      const [nu, nv] = [shape[u], shape[v]];
      const tex = new THREE.DataTexture(new Uint8Array(4 * nu * nv), nu, nv, THREE.RGBAFormat);
      tex.magFilter = tex.minFilter = THREE.NearestFilter;
      tex.colorSpace = THREE.SRGBColorSpace;
      const mesh = new THREE.Mesh(
        new THREE.PlaneGeometry(box.hi[u] - box.lo[u], box.hi[v] - box.lo[v]),
        new THREE.MeshBasicMaterial({ map: tex, side: THREE.DoubleSide, transparent: true, opacity: 0.92 }),
      );
      this.textures.push(tex);
      this.meshes.push(mesh);
      this.root.add(mesh);
    }
    // PlaneGeometry lies in its local xy plane: turn the y = const and x = const slices.
    this.meshes[1].rotation.x = Math.PI / 2;
    this.meshes[2].rotation.set(Math.PI / 2, Math.PI / 2, 0, 'ZXY');
  }

  /** Redraws the slices of p through its argmax, colours scaled by `top`. */
  update(p: Float32Array, top: number): void {
    const [nx, ny, nz] = this.shape;
    let arg = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[arg]) arg = c;
    const at = [Math.floor(arg / (ny * nz)), Math.floor(arg / nz) % ny, arg % nz];
    const lut = viridisTable(false);
    const rgb = new Float32Array(3);
    PLANES.forEach(({ u, v, w }, s) => {
      const data = this.textures[s].image.data as Uint8Array;
      const [nu, nv] = [this.shape[u], this.shape[v]];
      const idx = [0, 0, 0];
      idx[w] = at[w];
      for (let b = 0; b < nv; b++)
        for (let a = 0; a < nu; a++) {
          idx[u] = a;
          idx[v] = b;
          lookUp(lut, p[(idx[0] * ny + idx[1]) * nz + idx[2]] / top, rgb, 0);
          const o = 4 * (b * nu + a);
          data[o] = 255 * rgb[0];
          data[o + 1] = 255 * rgb[1];
          data[o + 2] = 255 * rgb[2];
          data[o + 3] = 255;
        }
      this.textures[s].needsUpdate = true;
      // Centre of the slice: the box centre, moved to the slicing cell along w.
      const centre = [0, 1, 2].map((k) => (this.box.lo[k] + this.box.hi[k]) / 2);
      centre[w] = this.box.lo[w] + ((at[w] + 0.5) * (this.box.hi[w] - this.box.lo[w])) / [nx, ny, nz][w];
      this.meshes[s].position.set(centre[0], centre[1], centre[2]);
    });
  }

  dispose(): void {
    for (const t of this.textures) t.dispose();
    for (const m of this.meshes) m.geometry.dispose();
  }
}
