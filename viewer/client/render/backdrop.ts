import * as THREE from 'three';
import type { ViewInfo } from '../../protocol.ts';
import { axisGuides, type AxesLayout } from './axes.ts';
import type { Box } from './embed.ts';
import type { GridMode } from './grid-view.ts';

/**
 * Planar views look straight down the z axis (particles in d ≤ 2, 1D grids, 2D
 * grids as heat maps); spatial ones orbit a z-up box.
 */
export function isPlanar(info: ViewInfo, gridMode: GridMode): boolean {
  if (info.sphere) return info.dim <= 2;
  if (info.kind === 'particles') return info.dim <= 2;
  return info.dim === 1 || (info.dim === 2 && gridMode === 'heat map');
}

/** The axes of a run's picture: how many are drawn, their names, planar or not. */
export function axesLayout(info: ViewInfo, gridMode: GridMode, names: readonly string[]): AxesLayout {
  // A 2D height field's third axis is the density, read from the colour bar.
  const drawn = info.kind === 'grid' ? info.dim : Math.min(3, info.dim);
  return { planar: isPlanar(info, gridMode), names: names.slice(0, drawn), sphere: info.sphere === true };
}

/**
 * Faint guides drawn behind the state: the box outline (with the axes through
 * the origin in planar particle views), or the translucent unit sphere (the unit
 * circle for d = 2) for particles on the sphere; and the labelled axes (`axisGuides`).
 */
export function backdrop(info: ViewInfo, box: Box, layout: AxesLayout): THREE.Object3D {
  const g = new THREE.Group();
  g.add(axisGuides(box, layout));
  const faint = new THREE.LineBasicMaterial({ color: 0x3b4454 });
  if (info.sphere && info.dim >= 3) {
    const sphere = new THREE.Mesh(
      new THREE.SphereGeometry(1, 48, 32),
      new THREE.MeshPhongMaterial({ color: 0x6b8cc7, transparent: true, opacity: 0.14, depthWrite: false, shininess: 40 }),
    );
    g.add(sphere, new THREE.LineSegments(new THREE.WireframeGeometry(new THREE.SphereGeometry(1.001, 12, 8)), new THREE.LineBasicMaterial({ color: 0x2c3a52, transparent: true, opacity: 0.25 })));
    return g;
  }
  if (info.sphere) {
    const pts = Array.from({ length: 129 }, (_, i) => new THREE.Vector3(Math.cos((i / 128) * 2 * Math.PI), Math.sin((i / 128) * 2 * Math.PI), 0));
    g.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints(pts), new THREE.LineBasicMaterial({ color: 0x4b6a9b })));
    return g;
  }
  if (layout.planar || (info.kind === 'grid' && info.dim === 2)) {
    const [x0, y0] = box.lo, [x1, y1] = box.hi;
    const pts = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]].map(([x, y]) => new THREE.Vector3(x, y, 0));
    g.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints(pts), faint));
    if (info.kind === 'particles' || info.dim === 1) {
      const axes = [[x0, 0, x1, 0], [0, y0, 0, y1]].filter(([a, b, c, d]) => (a <= 0 && c >= 0) || (b <= 0 && d >= 0));
      for (const [a, b, c, d] of axes) g.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(a, b, 0), new THREE.Vector3(c, d, 0)]), faint));
    }
    return g;
  }
  g.add(new THREE.Box3Helper(new THREE.Box3(new THREE.Vector3(...box.lo), new THREE.Vector3(...box.hi)), 0x3b4454));
  return g;
}
