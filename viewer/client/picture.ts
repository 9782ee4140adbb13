import { maskFromRuns, type BinaryMessage, type ViewInfo } from '../protocol.ts';
import { axesLayout, backdrop, isPlanar } from './render/backdrop.ts';
import type { ColourBy } from './render/colour-by.ts';
import { GridScale } from './render/colour-scale.ts';
import { frameBox, grownBox, type Box } from './render/embed.ts';
import { GRID_MODES_2D, GRID_MODES_3D, GridView, type GridMode } from './render/grid-view.ts';
import { ParticleView } from './render/particle-view.ts';
import type { Reframe, Stage } from './render/stage.ts';
import { viewHints, type ScaleMode, type ViewHints } from './scene-hints.ts';
import type { Legend } from './ui/legend.ts';

/**
 * The picture of one run: its frame (box, axes), the view of the state
 * (particles or grid) with its reference, weights and obstacles, and the legend
 * that explains them. Frames of a particle run without bounds may outgrow the
 * box: it then grows (never shrinks) and the camera keeps its direction.
 */
export class Picture {
  private view: ParticleView | GridView | null = null;
  private box: Box | null = null;
  private info: ViewInfo | null = null;
  private hints: ViewHints | null = null;
  private mask: Uint8Array | null = null;
  private reference: BinaryMessage | null = null;
  private weights: Float32Array | null = null;
  private lastFrame: BinaryMessage | null = null;
  private colourBy: ColourBy = 'speed';
  /** Particles drawn over the density (a comparison run), 0 when none. */
  private companion = 0;
  private scene = '';
  gridMode: GridMode = 'heat map';
  readonly scale = new GridScale('frame');

  constructor(
    private readonly stage: Stage,
    private readonly legend: Legend,
  ) {}

  /** The grid views a run offers (none for particles and 1D grids). */
  gridModes(): readonly GridMode[] {
    const i = this.info;
    return i?.kind !== 'grid' ? [] : i.dim === 2 ? GRID_MODES_2D : i.dim === 3 ? GRID_MODES_3D : [];
  }

  /** A new run: forgets the old one's picture; keeps the grid view and scale chosen for the same scene. */
  start(sceneId: string, info: ViewInfo): void {
    const sameScene = sceneId === this.scene;
    this.scene = sceneId;
    this.view?.dispose();
    this.view = null;
    this.box = null;
    this.reference = null;
    this.weights = null;
    this.lastFrame = null;
    this.companion = 0;
    this.info = info;
    this.hints = viewHints(sceneId, info);
    const n = info.shape.reduce((a, b) => a * b, 1);
    try {
      this.mask = info.kind === 'grid' && info.mask ? maskFromRuns(info.mask, n) : null;
    } catch {
      this.mask = null; // a mask that does not fit the grid is not drawn rather than drawn wrong
    }
    const modes = this.gridModes();
    if (!sameScene || !modes.includes(this.gridMode)) this.gridMode = modes[0] ?? 'heat map';
    if (!sameScene) this.scale.mode = this.hints.scale;
    this.scale.reset();
    this.legend.update({ colour: null, reference: null, obstacles: false, companion: 0 });
  }

  setReference(m: BinaryMessage): void {
    this.reference = m;
    this.view?.setReference(m.data, m.shape);
    this.explain();
  }

  setWeights(w: Float32Array): void {
    this.weights = w;
    if (this.view instanceof ParticleView) this.view.weights = w;
  }

  /** Draws a frame of the run. */
  frame(m: BinaryMessage): void {
    const info = this.info!;
    if (!this.view) this.make(m.data, 'reset');
    else if (info.kind === 'particles' && !info.bounds && !info.sphere) {
      // The measure travelled out of the frame: widen it, keeping the user's viewing direction.
      const grown = grownBox(this.box!, m.data, info.dim, this.hints!.centred);
      if (grown) {
        this.box = grown;
        this.make(m.data, 'zoom');
      }
    }
    this.view!.update(m.data, { t: m.t });
    if (m.companion && this.view instanceof GridView) this.view.setCompanion(m.companion.data, m.companion.shape);
    this.companion = m.companion ? m.companion.shape[0] : 0;
    this.lastFrame = m;
    this.stage.invalidate();
    this.explain();
  }

  setColourBy(c: ColourBy): void {
    this.colourBy = c;
    if (!(this.view instanceof ParticleView)) return;
    this.view.colourBy = c;
    this.view.recolour();
    this.stage.invalidate();
    this.explain();
  }

  setGridMode(mode: GridMode): void {
    const before = this.gridMode;
    this.gridMode = mode;
    this.redraw(isPlanar(this.info!, before) === isPlanar(this.info!, mode) ? 'keep' : 'reset');
  }

  setScale(mode: ScaleMode): void {
    this.scale.mode = mode;
    this.redraw('keep');
  }

  /** Rebuilds the view of the last frame (another grid view or scale). */
  private redraw(reframe: Reframe): void {
    const f = this.lastFrame;
    if (!f || !this.box) return;
    this.make(f.data, reframe);
    this.view!.update(f.data, { t: f.t });
    if (f.companion && this.view instanceof GridView) this.view.setCompanion(f.companion.data, f.companion.shape);
    this.stage.invalidate();
    this.explain();
  }

  private make(first: Float32Array, reframe: Reframe): void {
    const info = this.info!, hints = this.hints!;
    const ref = this.reference && (info.kind === 'grid' || this.reference.shape[1] === info.dim) ? this.reference : null;
    const box = (this.box ??= frameBox(info, first, info.kind === 'particles' ? (ref?.data ?? null) : null, hints.centred));
    this.view?.dispose();
    if (info.kind === 'grid') {
      this.view = new GridView(info, box, this.stage.pixelRatio, { mode: this.gridMode, scale: this.scale, mask: this.mask });
    } else {
      const v = new ParticleView(info, box, this.stage.pixelRatio);
      v.colourBy = this.colourBy;
      v.weights = this.weights;
      this.view = v;
    }
    if (this.reference) this.view.setReference(this.reference.data, this.reference.shape);
    const layout = axesLayout(info, this.gridMode, hints.axes);
    this.stage.show(this.view.root, backdrop(info, box, layout), box, layout.planar, reframe);
  }

  /** Tells the legend what the colours, the reference and the grey cells mean. */
  private explain(): void {
    const v = this.view;
    const ref = this.reference && v?.referenceKey ? { label: String(this.reference.meta.label ?? 'reference'), key: v.referenceKey } : null;
    this.legend.update({ colour: v?.colourKey ?? null, reference: ref, obstacles: this.mask !== null && this.info?.dim === 2, companion: this.companion });
  }
}
