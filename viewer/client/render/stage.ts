import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { ViewInfo } from '../../protocol.ts';
import { backdrop, isPlanar } from './backdrop.ts';
import { boxExtent, type Box } from './embed.ts';

/**
 * The three.js stage: WebGL renderer (screenshots and pixel checks render and
 * read back in the same task, so the drawing buffer need not be preserved),
 * perspective camera framed on the
 * run's box, orbit controls, lights, and the render loop, which counts the
 * frames it draws for the HUD.
 */
export class Stage {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 1000);
  private controls: OrbitControls | null = null;
  private content: THREE.Object3D | null = null;
  private guides: THREE.Object3D | null = null;
  rendered = 0;
  /** Exponential moving average of the time spent in renderer.render (ms). */
  renderMs = 0;
  private dirty = true;

  constructor(private readonly container: HTMLElement) {
    // No MSAA unless ?aa=1: with software GL (SwiftShader) it costs more than the rest of a frame.
    const aa = new URLSearchParams(location.search).get('aa') === '1';
    this.renderer = new THREE.WebGLRenderer({ antialias: aa });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    this.renderer.setClearColor(0x0e1116);
    container.append(this.renderer.domElement);
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.55));
    const sun = new THREE.DirectionalLight(0xffffff, 0.9);
    sun.position.set(2, -3, 5);
    this.scene.add(sun);
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
    const loop = () => {
      this.controls?.update();
      if (this.dirty) {
        const t0 = performance.now();
        this.renderer.render(this.scene, this.camera);
        this.renderMs = 0.9 * this.renderMs + 0.1 * (performance.now() - t0);
        this.rendered++;
        this.dirty = false;
      }
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  get pixelRatio(): number {
    return this.renderer.getPixelRatio();
  }

  /** Asks for a redraw at the next animation frame. */
  invalidate(): void {
    this.dirty = true;
  }

  private resize(): void {
    const w = this.container.clientWidth || 800, h = this.container.clientHeight || 600;
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.invalidate();
  }

  /** Replaces what is drawn and (unless `reframe` is false) frames the camera on `box`. */
  show(content: THREE.Object3D, info: ViewInfo, box: Box, reframe = true): void {
    if (this.content) this.scene.remove(this.content);
    if (this.guides) this.scene.remove(this.guides);
    this.content = content;
    this.guides = backdrop(info, box);
    this.scene.add(this.guides, content);
    this.invalidate();
    if (!reframe && this.controls) return;
    const c = new THREE.Vector3((box.lo[0] + box.hi[0]) / 2, (box.lo[1] + box.hi[1]) / 2, (box.lo[2] + box.hi[2]) / 2);
    // Far enough that the box fits: its width when seen from above, its diagonal when oblique.
    const dist = ((isPlanar(info) ? 1.25 : 1.9) * boxExtent(box)) / (2 * Math.tan((this.camera.fov * Math.PI) / 360));
    if (isPlanar(info)) {
      this.camera.up.set(0, 1, 0);
      this.camera.position.set(c.x, c.y, c.z + dist);
    } else {
      this.camera.up.set(0, 0, 1);
      this.camera.position.copy(c).add(new THREE.Vector3(0.75, -1.2, 0.75).normalize().multiplyScalar(dist));
    }
    this.camera.near = dist / 100;
    this.camera.far = dist * 100;
    this.camera.updateProjectionMatrix();
    this.controls?.dispose();
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.copy(c);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => this.invalidate());
    this.controls.update();
    this.invalidate();
  }

  /**
   * Milliseconds per frame of `k` back-to-back renders, each finished by a
   * one-pixel read-back (so the GPU, or SwiftShader on the CPU, has really
   * drawn it); `touch` runs before each (e.g. flag the buffers for upload).
   * For the benchmark: separates drawing cost from streaming.
   */
  timeRenders(k: number, touch?: () => void): number {
    const gl = this.renderer.getContext();
    const px = new Uint8Array(4);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      touch?.();
      this.renderer.render(this.scene, this.camera);
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    }
    return (performance.now() - t0) / k;
  }

  /** Flags every buffer attribute of what is drawn for upload (as a new frame would). */
  touchBuffers(): void {
    this.content?.traverse((o) => {
      const g = (o as THREE.Mesh).geometry as THREE.BufferGeometry | undefined;
      if (g?.attributes) for (const a of Object.values(g.attributes)) (a as THREE.BufferAttribute).needsUpdate = true;
    });
  }

  /** The canvas as a PNG data URL (what is on screen now). */
  screenshot(): string {
    this.renderer.render(this.scene, this.camera);
    return this.renderer.domElement.toDataURL('image/png');
  }

  /**
   * Luminance statistics of the drawn canvas, downsampled to 128 px wide:
   * mean, variance and the fraction of pixels differing from the background.
   * A blank canvas has variance 0; the browser tests use this.
   */
  pixelStats(): { mean: number; variance: number; covered: number } {
    this.renderer.render(this.scene, this.camera);
    const src = this.renderer.domElement;
    const w = 128, h = Math.max(1, Math.round((128 * src.height) / src.width));
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0, w, h);
    const px = ctx.getImageData(0, 0, w, h).data;
    let s = 0, s2 = 0, covered = 0;
    const bg = [px[0], px[1], px[2]];
    for (let i = 0; i < px.length; i += 4) {
      const y = 0.2126 * px[i] + 0.7152 * px[i + 1] + 0.0722 * px[i + 2];
      s += y;
      s2 += y * y;
      if (Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]) > 24) covered++;
    }
    const n = px.length / 4;
    return { mean: s / n, variance: s2 / n - (s / n) ** 2, covered: covered / n };
  }
}
