import * as THREE from 'three';
import type { ViewInfo } from '../../protocol.ts';
import { colourParticles, type ColourBy } from './colour-by.ts';
import type { ColourKey } from './colour-scale.ts';
import { boxExtent, embedParticles, histogramDensity, type Box } from './embed.ts';
import { disposeMarkers, MARKER_COLOUR, MAX_MARKERS, referenceMarkers } from './markers.ts';
import { PointCloud } from './point-cloud.ts';
import type { FrameContext, ReferenceKey, StateView } from './state-view.ts';

const REF_COLOUR = '#d99e66';

/** Pixel size of a particle sprite: larger for small clouds, at least 2 px. */
export function spriteSize(n: number, pixelRatio: number): number {
  return Math.max(2, Math.min(9, 220 / Math.sqrt(n))) * pixelRatio;
}

/**
 * Particles x [n, d] as round sprites: d = 1 as a filled density profile, d = 2
 * in a plane, d ≥ 3 in space (first three coordinates), on the sphere inside a
 * translucent unit sphere. Coloured by speed, weight or cluster; the reference
 * cloud is drawn in faint orange behind them, or, when it has at most
 * `MAX_MARKERS` points (teacher neurons), as markers that stand out.
 */
export class ParticleView implements StateView {
  readonly root = new THREE.Group();
  private readonly cloud: PointCloud;
  private readonly ref = new PointCloud({ size: 2, opacity: 0.3, transparent: true });
  private refLine: THREE.Line | null = null;
  private markers: THREE.Group | null = null;
  private prev: Float32Array | null = null;
  private prevT = 0;
  private yScale = 0;
  private refData: { data: Float32Array; shape: number[] } | null = null;
  colourBy: ColourBy = 'speed';
  weights: Float32Array | null = null;
  colourKey: ColourKey | null = null;
  referenceKey: ReferenceKey | null = null;

  constructor(
    private readonly info: ViewInfo,
    private readonly box: Box,
    pixelRatio: number,
  ) {
    const n = info.shape[0];
    this.cloud = new PointCloud({ size: spriteSize(n, pixelRatio) });
    this.ref.setSize(Math.max(1.5, spriteSize(n, pixelRatio) * 0.5));
    this.root.add(this.ref.object, this.cloud.object);
  }

  private get d(): number {
    return this.info.shape[1];
  }

  update(x: Float32Array, ctx: FrameContext): void {
    const d = this.d, n = x.length / d;
    if (d === 1 && this.yScale === 0) {
      // Fixed for the run, from the first frame: heights keep their meaning over time.
      const peak = Math.max(...histogramDensity(x, this.box.lo[0], this.box.hi[0], 50));
      this.yScale = (0.5 * boxExtent(this.box)) / Math.max(peak, 1e-9);
      if (this.refData) this.setReference(this.refData.data, this.refData.shape);
    }
    this.cloud.resize(n);
    embedParticles(x, d, this.cloud.positions, this.box, this.yScale);
    const dt = ctx.t - this.prevT;
    const clusterRadius = this.info.sphere ? 0.3 : 0.08 * boxExtent(this.box);
    this.colourKey = colourParticles(this.colourBy, x, d, this.cloud.colours, { prev: this.prev, dt, weights: this.weights, clusterRadius });
    this.cloud.commit();
    this.prev = x.slice();
    this.prevT = ctx.t;
  }

  /** Recolours the last frame (colour-by changed while paused). */
  recolour(): void {
    if (!this.prev) return;
    const clusterRadius = this.info.sphere ? 0.3 : 0.08 * boxExtent(this.box);
    this.colourKey = colourParticles(this.colourBy === 'speed' ? 'none' : this.colourBy, this.prev, this.d, this.cloud.colours, { prev: null, dt: 0, weights: this.weights, clusterRadius });
    this.cloud.commit();
  }

  setReference(data: Float32Array | null, shape: number[]): void {
    this.refData = data ? { data, shape } : null;
    this.referenceKey = null;
    if (this.refLine) {
      this.root.remove(this.refLine);
      this.refLine.geometry.dispose();
      this.refLine = null;
    }
    if (this.markers) {
      this.root.remove(this.markers);
      disposeMarkers(this.markers);
      this.markers = null;
    }
    this.ref.resize(0);
    if (!data || shape.length !== 2) return;
    const [m, d] = shape;
    if (d === 1) {
      // A 1D reference sample is drawn as its histogram density curve.
      const bins = 40;
      const rho = histogramDensity(data, this.box.lo[0], this.box.hi[0], bins);
      const h = (this.box.hi[0] - this.box.lo[0]) / bins;
      const pts = Array.from(rho, (r, b) => new THREE.Vector3(this.box.lo[0] + (b + 0.5) * h, r * (this.yScale || 1), 0.01));
      this.refLine = new THREE.Line(new THREE.BufferGeometry().setFromPoints(pts), new THREE.LineBasicMaterial({ color: REF_COLOUR }));
      this.root.add(this.refLine);
      this.referenceKey = { swatch: 'line', colour: REF_COLOUR, how: 'orange curve: histogram density of its samples' };
      return;
    }
    if (m <= MAX_MARKERS) {
      this.markers = referenceMarkers(data, d, this.box);
      this.root.add(this.markers);
      this.referenceKey = { swatch: 'diamond', colour: MARKER_COLOUR, how: `pink diamonds (${m}) on rays from the origin` };
      return;
    }
    this.ref.resize(m);
    embedParticles(data, d, this.ref.positions, this.box, 1);
    // The point shader takes sRGB components: #d99e66.
    for (let i = 0; i < m; i++) this.ref.colours.set([0.85, 0.62, 0.4], 3 * i);
    this.ref.commit();
    this.referenceKey = { swatch: 'dots', colour: REF_COLOUR, how: 'faint orange dots' };
  }

  dispose(): void {
    this.cloud.dispose();
    this.ref.dispose();
    this.refLine?.geometry.dispose();
    if (this.markers) disposeMarkers(this.markers);
  }
}
