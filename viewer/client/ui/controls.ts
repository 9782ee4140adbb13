import type { ClientMessage, ControlStatus } from '../../protocol.ts';
import { COLOUR_BY, type ColourBy } from '../render/colour-by.ts';
import type { GridMode } from '../render/grid-view.ts';
import { SCALE_MODES, type ScaleMode } from '../scene-hints.ts';
import { h } from './dom.ts';

export const SPEEDS = [1, 2, 5, 10, 20, 50, 100] as const;

export interface ControlActions {
  send(m: ClientMessage): void;
  colourBy(c: ColourBy): void;
  screenshot(): void;
  /** The metric charted next to the energy. */
  chartMetric(name: string): void;
  gridMode(m: GridMode): void;
  scale(m: ScaleMode): void;
}

/** A labelled row of the panel (hidden as a whole). */
function labelled(label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'row' }, h('span', { class: 'muted label' }, label), control);
}

/**
 * Play/pause, single step, reset (also keys space, s / →, r), speed (steps per
 * frame), colour-by (particles), grid view and colour scale (grids), charted
 * metric and screenshot. Rows that do not apply to the run are hidden.
 */
export class Controls {
  private readonly play = h('button', { 'data-testid': 'play', type: 'button' }, 'Pause');
  private readonly speed = h('select', { 'data-testid': 'speed', title: 'simulation steps (replay: frames) per drawn frame' }, ...SPEEDS.map((s) => h('option', { value: s }, `×${s}`)));
  private readonly colour = h('select', { 'data-testid': 'colour-by' }, ...COLOUR_BY.map((c) => h('option', { value: c }, c)));
  private readonly grid = h('select', { 'data-testid': 'grid-mode', title: 'how the grid is drawn' });
  private readonly scale = h('select', { 'data-testid': 'scale', title: 'top of the colour (and height) scale' }, ...SCALE_MODES.map((m) => h('option', { value: m.value }, m.label)));
  private readonly metric = h('select', { 'data-testid': 'chart-metric', title: 'metric charted next to the energy' });
  private readonly rows = {
    colour: labelled('colour', this.colour),
    grid: labelled('grid view', this.grid),
    scale: labelled('scale', this.scale),
    metric: labelled('chart', this.metric),
  };
  private paused = false;

  constructor(root: HTMLElement, actions: ControlActions) {
    const step = h('button', { 'data-testid': 'step', type: 'button', title: 'one step (replay: one frame)' }, 'Step');
    const reset = h('button', { 'data-testid': 'reset', type: 'button' }, 'Reset');
    const shot = h('button', { 'data-testid': 'screenshot', type: 'button' }, 'PNG');
    this.play.onclick = () => actions.send({ type: this.paused ? 'play' : 'pause' });
    step.onclick = () => actions.send({ type: 'step' });
    reset.onclick = () => actions.send({ type: 'reset' });
    shot.onclick = () => actions.screenshot();
    this.speed.onchange = () => actions.send({ type: 'speed', stepsPerFrame: Number(this.speed.value) });
    this.colour.onchange = () => actions.colourBy(this.colour.value as ColourBy);
    this.metric.onchange = () => actions.chartMetric(this.metric.value);
    this.grid.onchange = () => actions.gridMode(this.grid.value as GridMode);
    this.scale.onchange = () => actions.scale(this.scale.value as ScaleMode);
    // Keys: space play/pause, s (or →) one step, r reset; not while typing in the panel.
    document.addEventListener('keydown', (ev) => {
      const t = ev.target as HTMLElement | null;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || (t && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
      if (t?.tagName === 'BUTTON' && ev.key === ' ') return; // space presses the focused button itself
      const m: ClientMessage | null =
        ev.key === ' ' ? { type: this.paused ? 'play' : 'pause' } : ev.key === 's' || ev.key === 'ArrowRight' ? { type: 'step' } : ev.key === 'r' ? { type: 'reset' } : null;
      if (!m) return;
      ev.preventDefault();
      actions.send(m);
    });
    root.replaceChildren(h('div', { class: 'row' }, this.play, step, reset, shot), labelled('speed', this.speed), ...Object.values(this.rows));
  }

  setStatus(s: ControlStatus): void {
    this.paused = s.paused;
    this.play.textContent = s.paused ? 'Play' : 'Pause';
    this.speed.value = String(s.stepsPerFrame);
  }

  /** The scene's metrics to choose from (keeps the current choice when still offered); no menu when there are none. */
  setMetrics(names: readonly string[], current: string | undefined): void {
    this.rows.metric.hidden = names.length === 0;
    if (names.join() === Array.from(this.metric.options, (o) => o.value).join() && this.metric.value === current) return;
    this.metric.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === current }, n)));
  }

  /**
   * Lays the rows out for a run: colour-by for particles; for grids, the views
   * `gridModes` offers (none in 1D) and the colour scale.
   */
  layout(o: { particles: boolean; gridModes: readonly GridMode[]; gridMode: GridMode; scale: ScaleMode }): void {
    this.rows.colour.hidden = !o.particles;
    this.rows.grid.hidden = o.particles || o.gridModes.length === 0;
    this.rows.scale.hidden = o.particles;
    this.grid.replaceChildren(...o.gridModes.map((m) => h('option', { value: m, selected: m === o.gridMode }, m)));
    this.scale.value = o.scale;
  }
}
