import * as THREE from 'three';
import { boxExtent, type Box } from './embed.ts';

/** References with at most this many points are drawn as markers, not as a faint cloud. */
export const MAX_MARKERS = 32;
export const MARKER_COLOUR = '#ff4f8b';

/**
 * A few reference points (e.g. the teacher neurons |a*|·w* of mlp-mean-field)
 * drawn so they cannot be missed among the particles: a diamond (octahedron,
 * 3.5 % of the frame, drawn over the particles) at each point, a stem from the origin to it and a fainter
 * ray on to the edge of the frame, since in the 2-homogeneous picture a
 * neuron's direction is what the students gather along (their lengths vary;
 * their summed output mass matches the teacher's). `x` is [m, d]; the first
 * min(d, 3) coordinates are drawn.
 */
export function referenceMarkers(x: Float32Array, d: number, box: Box): THREE.Group {
  const g = new THREE.Group();
  const m = x.length / d;
  const colour = new THREE.Color(MARKER_COLOUR);
  const diamond = new THREE.OctahedronGeometry(0.035 * boxExtent(box));
  // Drawn over the particles (students gather right on top of their teacher).
  const material = new THREE.MeshBasicMaterial({ color: colour, depthTest: false });
  const stems: number[] = [], rays: number[] = [];
  for (let i = 0; i < m; i++) {
    const p = [x[i * d], d >= 2 ? x[i * d + 1] : 0, d >= 3 ? x[i * d + 2] : 0];
    const mesh = new THREE.Mesh(diamond, material);
    mesh.position.set(p[0], p[1], p[2]);
    mesh.renderOrder = 10;
    g.add(mesh);
    stems.push(0, 0, 0, ...p);
    // On along the same direction to where it leaves the box: s·p with s the largest factor inside.
    let s = Infinity;
    for (let k = 0; k < 3; k++) if (p[k] !== 0) s = Math.min(s, (p[k] > 0 ? box.hi[k] : box.lo[k]) / p[k]);
    if (Number.isFinite(s) && s > 1) rays.push(...p, ...p.map((v) => s * v));
  }
  const lines = (pts: number[], opacity: number) => {
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.Float32BufferAttribute(pts, 3));
    return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ color: colour, transparent: true, opacity }));
  };
  g.add(lines(stems, 0.8), lines(rays, 0.45));
  return g;
}

/** Frees the geometries and materials of a group made by `referenceMarkers`. */
export function disposeMarkers(g: THREE.Group): void {
  g.traverse((o) => {
    const mesh = o as THREE.Mesh;
    mesh.geometry?.dispose();
    (mesh.material as THREE.Material | undefined)?.dispose();
  });
}
