import * as THREE from 'three';

const VERTEX = /* glsl */ `
uniform float size;
attribute vec3 rgb;
attribute float alpha;
varying vec3 vRgb;
varying float vAlpha;
void main() {
  vRgb = rgb;
  vAlpha = alpha;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
  gl_PointSize = size;
}`;

// Round sprites with a little shading towards the rim, so overlapping particles stay readable.
const FRAGMENT = /* glsl */ `
uniform float opacity;
varying vec3 vRgb;
varying float vAlpha;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(c, c);
  if (r2 > 1.0 || vAlpha <= 0.0) discard;
  gl_FragColor = vec4(vRgb * (1.0 - 0.35 * r2), opacity * vAlpha);
}`;

/**
 * A cloud of round point sprites: positions [n, 3], colours [n, 3] and alphas
 * [n] in flat Float32Arrays that the views fill in place and flag for upload
 * (three.js BufferAttribute with needsUpdate), reallocated only when n changes.
 */
export class PointCloud {
  readonly geometry = new THREE.BufferGeometry();
  readonly material: THREE.ShaderMaterial;
  readonly object: THREE.Points;
  positions = new Float32Array(0);
  colours = new Float32Array(0);
  alphas = new Float32Array(0);

  constructor(opts: { size: number; opacity?: number; transparent?: boolean }) {
    this.material = new THREE.ShaderMaterial({
      uniforms: { size: { value: opts.size }, opacity: { value: opts.opacity ?? 1 } },
      vertexShader: VERTEX,
      fragmentShader: FRAGMENT,
      transparent: opts.transparent ?? (opts.opacity ?? 1) < 1,
      depthWrite: !(opts.transparent ?? (opts.opacity ?? 1) < 1),
    });
    this.object = new THREE.Points(this.geometry, this.material);
    this.object.frustumCulled = false;
  }

  /** Makes room for n points (new buffers only when n changes). */
  resize(n: number): void {
    if (this.positions.length === 3 * n) return;
    this.positions = new Float32Array(3 * n);
    this.colours = new Float32Array(3 * n);
    this.alphas = new Float32Array(n).fill(1);
    this.geometry.setAttribute('position', new THREE.BufferAttribute(this.positions, 3));
    this.geometry.setAttribute('rgb', new THREE.BufferAttribute(this.colours, 3));
    this.geometry.setAttribute('alpha', new THREE.BufferAttribute(this.alphas, 1));
  }

  /** Uploads the arrays the caller rewrote (particles keep alpha = 1; a volume keeps its positions). */
  commit(names: readonly ('position' | 'rgb' | 'alpha')[] = ['position', 'rgb']): void {
    for (const name of names) this.geometry.getAttribute(name).needsUpdate = true;
  }

  setSize(px: number): void {
    this.material.uniforms.size.value = px;
  }

  dispose(): void {
    this.geometry.dispose();
    this.material.dispose();
  }
}
