import type { ClientMessage, ControlStatus } from '../../protocol.ts';
import { COLOUR_BY, type ColourBy } from '../render/colour-by.ts';
import { GRID_MODES_3D, type GridMode3d } from '../render/grid-view.ts';
import { h } from './dom.ts';

export const SPEEDS = [1, 2, 5, 10, 20, 50, 100] as const;

export interface ControlActions {
  send(m: ClientMessage): void;
  colourBy(c: ColourBy): void;
  screenshot(): void;
  /** The metric charted under the energy. */
  chartMetric(name: string): void;
  gridMode(m: GridMode3d): void;
}

/**
 * Play/pause, single step, reset (also keys space, s / →, r), speed (steps per
 * frame), colour-by, charted metric, 3D grid mode and screenshot.
 */
export class Controls {
  private readonly play = h('button', { 'data-testid': 'play', type: 'button' }, 'Pause');
  private readonly speed = h('select', { 'data-testid': 'speed', title: 'simulation steps (replay: frames) per drawn frame' }, ...SPEEDS.map((s) => h('option', { value: s }, `×${s}`)));
  private readonly colour = h('select', { 'data-testid': 'colour-by' }, ...COLOUR_BY.map((c) => h('option', { value: c }, c)));
  private readonly grid = h('select', { 'data-testid': 'grid-mode', title: 'how a 3D grid is drawn' }, ...GRID_MODES_3D.map((m) => h('option', { value: m }, m)));
  private readonly gridRow = h('div', { class: 'row' }, h('span', { class: 'muted' }, '3D grid'), this.grid);
  private readonly metric = h('select', { 'data-testid': 'chart-metric', title: 'metric charted under the energy' });
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
    this.grid.onchange = () => actions.gridMode(this.grid.value as GridMode3d);
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
    root.replaceChildren(
      h('div', { class: 'row' }, this.play, step, reset, shot),
      h('div', { class: 'row' }, h('span', { class: 'muted' }, 'speed'), this.speed, h('span', { class: 'muted' }, 'colour'), this.colour),
      h('div', { class: 'row' }, h('span', { class: 'muted' }, 'chart'), this.metric),
      this.gridRow,
    );
  }

  setStatus(s: ControlStatus): void {
    this.paused = s.paused;
    this.play.textContent = s.paused ? 'Play' : 'Pause';
    this.speed.value = String(s.stepsPerFrame);
  }

  /** The scene's metrics to choose from (keeps the current choice when still offered). */
  setMetrics(names: readonly string[], current: string | undefined): void {
    if (names.join() === Array.from(this.metric.options, (o) => o.value).join() && this.metric.value === current) return;
    this.metric.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === current }, n)));
  }

  /** Particles can be coloured; grids are coloured by their value. */
  showGridMode(show: boolean): void {
    this.gridRow.hidden = !show;
  }

  showColour(show: boolean): void {
    this.colour.hidden = !show;
    (this.colour.previousElementSibling as HTMLElement).hidden = !show;
  }
}
