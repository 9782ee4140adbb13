import * as THREE from 'three';
import { CSS2DObject } from 'three/examples/jsm/renderers/CSS2DRenderer.js';
import { boxExtent, type Box } from './embed.ts';
import { niceTicks, tickLabel } from './ticks.ts';

/** How the frame around the state is labelled. */
export interface AxesLayout {
  /** Seen from above (x right, y up); otherwise an orbiting z-up view. */
  planar: boolean;
  /** Axes drawn (1, 2 or 3) and their names. */
  names: string[];
  /** Points on the unit sphere: axes through the origin instead of the box edges. */
  sphere: boolean;
}

type Vec = [number, number, number];

/** A DOM label at a world point, anchored at (cx, cy) of its own box (CSS2DRenderer). */
function label(text: string, at: Vec, cls: 'tick' | 'axis-name', cx = 0.5, cy = 0.5): CSS2DObject {
  const el = document.createElement('div');
  el.className = cls;
  el.dataset.testid = cls === 'tick' ? 'axis-tick' : 'axis-name';
  el.textContent = text;
  const o = new CSS2DObject(el);
  o.position.set(...at);
  o.center.set(cx, cy);
  return o;
}

/**
 * One labelled axis: ticks at nice values of [lo, hi] along `axis`, from the
 * point `base` (its `axis` coordinate ignored), marks pointing along `out`, and
 * the name past the middle tick (none when empty). `anchor`: where a label is
 * pinned to its point, so that labels sit outside the box.
 */
function axisTicks(g: THREE.Group, pts: number[], axis: number, lo: number, hi: number, base: Vec, out: Vec, name: string, anchor: [number, number], count: number): void {
  // Through the origin (sphere), the 0 ticks of all axes would sit on one another.
  const ticks = niceTicks(lo, hi, count).filter((v) => name || v !== 0);
  for (const v of ticks) {
    const p: Vec = [...base];
    p[axis] = v;
    pts.push(...p, p[0] + out[0], p[1] + out[1], p[2] + out[2]);
    g.add(label(tickLabel(v), [p[0] + 1.6 * out[0], p[1] + 1.6 * out[1], p[2] + 1.6 * out[2]], 'tick', ...anchor));
  }
  if (!name) return;
  const mid: Vec = [...base];
  mid[axis] = (lo + hi) / 2;
  g.add(label(name, [mid[0] + 4.2 * out[0], mid[1] + 4.2 * out[1], mid[2] + 4.2 * out[2]], 'axis-name', ...anchor));
}

/**
 * Tick marks, tick values and axis names around the drawn box, as three.js
 * lines plus DOM labels (CSS2DObject, drawn by the stage's label layer):
 * - planar views: x below the box, y to its left (1D: x only);
 * - spatial views: x along the front-bottom edge, y along the right-bottom
 *   edge, z up the left-back edge (as seen from the default camera);
 * - sphere: the coordinate axes through the origin, ticked at −1, 0, 1.
 */
export function axisGuides(box: Box, layout: AxesLayout): THREE.Group {
  const g = new THREE.Group();
  const pts: number[] = [];
  const s = 0.02 * boxExtent(box);
  const { lo, hi } = box;
  const n = layout.names.length;
  if (layout.sphere) {
    for (let k = 0; k < n; k++) {
      const a: Vec = [0, 0, 0], b: Vec = [0, 0, 0];
      a[k] = -1.15;
      b[k] = 1.15;
      pts.push(...a, ...b);
      const out: Vec = layout.planar ? (k === 0 ? [0, -s, 0] : [-s, 0, 0]) : k === 2 ? [-s, 0, 0] : [0, 0, -s];
      axisTicks(g, pts, k, -1, 1, [0, 0, 0], out, '', k === 0 || !layout.planar ? [0.5, 0] : [1, 0.5], 2);
      b[k] = 1.3;
      g.add(label(layout.names[k], b, 'axis-name'));
    }
  } else if (layout.planar) {
    axisTicks(g, pts, 0, lo[0], hi[0], [0, lo[1], 0], [0, -s, 0], layout.names[0], [0.5, 0], 6);
    if (n >= 2) axisTicks(g, pts, 1, lo[1], hi[1], [lo[0], 0, 0], [-s, 0, 0], layout.names[1], [1, 0.5], 5);
  } else {
    axisTicks(g, pts, 0, lo[0], hi[0], [0, lo[1], lo[2]], [0, -s, 0], layout.names[0], [0.5, 0], 5);
    if (n >= 2) axisTicks(g, pts, 1, lo[1], hi[1], [hi[0], 0, lo[2]], [s, 0, 0], layout.names[1], [0, 0.5], 5);
    if (n >= 3) axisTicks(g, pts, 2, lo[2], hi[2], [lo[0], lo[1], 0], [-s, 0, 0], layout.names[2], [1, 0.5], 4);
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(pts, 3));
  g.add(new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ color: 0x5a6475 })));
  return g;
}

/** Removes the DOM labels of `root` (three.js only removes them when a label itself is removed). */
export function removeLabels(root: THREE.Object3D): void {
  root.traverse((o) => {
    if (o instanceof CSS2DObject) o.element.remove();
  });
}
