import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { CSS2DRenderer } from 'three/examples/jsm/renderers/CSS2DRenderer.js';
import { removeLabels } from './axes.ts';
import { boxExtent, type Box } from './embed.ts';

/**
 * How `Stage.show` treats the camera: 'reset' aims it at the box from the
 * default direction; 'zoom' keeps the user's direction and fits the box (a
 * frame that grew); 'keep' leaves it (the same box drawn another way).
 */
export type Reframe = 'reset' | 'zoom' | 'keep';

/**
 * The three.js stage: WebGL renderer (screenshots and pixel checks render and
 * read back in the same task, so the drawing buffer need not be preserved),
 * perspective camera framed on the
 * run's box, orbit controls, lights, a DOM label layer (CSS2DRenderer: axis
 * ticks are text the browser draws, crisp at any size and visible to tests),
 * and the render loop, which counts the frames it draws for the HUD.
 */
export class Stage {
  readonly renderer: THREE.WebGLRenderer;
  readonly labels = new CSS2DRenderer();
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 1000);
  private controls: OrbitControls | null = null;
  private content: THREE.Object3D | null = null;
  private guides: THREE.Object3D | null = null;
  rendered = 0;
  /** Exponential moving average of the time spent in renderer.render (ms). */
  renderMs = 0;
  private dirty = true;
  /** The box the camera frames and whether it is seen from above. */
  private framed: { box: Box; planar: boolean } | null = null;

  constructor(private readonly container: HTMLElement) {
    // No MSAA unless ?aa=1: with software GL (SwiftShader) it costs more than the rest of a frame.
    const aa = new URLSearchParams(location.search).get('aa') === '1';
    this.renderer = new THREE.WebGLRenderer({ antialias: aa });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio || 1));
    this.renderer.setClearColor(0x0e1116);
    this.labels.domElement.className = 'labels';
    container.append(this.renderer.domElement, this.labels.domElement);
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
        this.labels.render(this.scene, this.camera);
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
    this.labels.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    if (this.controls) this.aim(new THREE.Vector3().subVectors(this.camera.position, this.controls.target));
    this.invalidate();
  }

  /** Replaces what is drawn and its guides (box, axes), framing the camera on `box` as `reframe` says. */
  show(content: THREE.Object3D, guides: THREE.Object3D, box: Box, planar: boolean, reframe: Reframe): void {
    if (this.content) this.scene.remove(this.content);
    if (this.guides) {
      this.scene.remove(this.guides);
      removeLabels(this.guides);
    }
    this.content = content;
    this.guides = guides;
    this.scene.add(this.guides, content);
    this.invalidate();
    if (reframe === 'keep' && this.controls) return;
    const direction = new THREE.Vector3();
    if (reframe === 'zoom' && this.controls) direction.subVectors(this.camera.position, this.controls.target).normalize();
    else if (planar) direction.set(0, 0, 1);
    else direction.set(0.75, -1.2, 0.75).normalize();
    this.framed = { box, planar };
    this.camera.up.set(0, planar ? 1 : 0, planar ? 0 : 1);
    this.controls?.dispose();
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set((box.lo[0] + box.hi[0]) / 2, (box.lo[1] + box.hi[1]) / 2, (box.lo[2] + box.hi[2]) / 2);
    this.controls.enableDamping = true;
    // A planar view stays planar: pan and zoom, no tilt.
    if (planar) this.controls.enableRotate = false;
    this.controls.addEventListener('change', () => this.invalidate());
    this.aim(direction);
  }

  /**
   * Puts the camera on the ray from the target along `direction`, far enough
   * that the framed box and its labels fit the canvas: its width and height
   * when seen from above, its diagonal when oblique (narrow canvases: the width
   * decides). Also after a resize, so a phone turned sideways still sees it all.
   */
  private aim(direction: THREE.Vector3): void {
    if (!this.framed || !this.controls) return;
    const { box, planar } = this.framed;
    const t = 2 * Math.tan((this.camera.fov * Math.PI) / 360), aspect = this.camera.aspect;
    // Room for the tick values and axis names around a planar box (they reach 0.1 of its extent out).
    const room = 0.2 * boxExtent(box);
    const [wx, wy] = [box.hi[0] - box.lo[0] + room, box.hi[1] - box.lo[1] + room];
    const dist = planar ? 1.12 * Math.max(wy / t, wx / (t * aspect), 1e-6) : ((aspect < 1 ? 2.2 : 1.9) * boxExtent(box)) / (t * Math.min(1, aspect));
    this.camera.position.copy(this.controls.target).add(direction.clone().normalize().multiplyScalar(dist));
    this.camera.near = dist / 100;
    this.camera.far = dist * 100;
    this.camera.updateProjectionMatrix();
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
    this.labels.render(this.scene, this.camera);
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
