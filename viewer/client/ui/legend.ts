import { categorical, viridis } from '../render/colormap.ts';
import type { ColourKey } from '../render/colour-scale.ts';
import { OBSTACLE_RGB } from '../render/grid-heatmap.ts';
import { COMPANION_RGB } from '../render/grid-view.ts';
import { niceTicks, tickLabel } from '../render/ticks.ts';
import type { ReferenceKey } from '../render/state-view.ts';
import { h } from './dom.ts';

/** What the legend explains: the colours, the reference, the obstacles, extra markers. */
export interface LegendContent {
  colour: ColourKey | null;
  /** The scene's label of its reference, and how it is drawn. */
  reference: { label: string; key: ReferenceKey } | null;
  obstacles: boolean;
  /** Particles of a comparison run drawn over the density (their number; 0: none). */
  companion?: number;
}

const css = (c: ArrayLike<number>) => `rgb(${Math.round(255 * c[0])}, ${Math.round(255 * c[1])}, ${Math.round(255 * c[2])})`;

/** A CSS gradient of viridis over [from, to] (sampled at 9 stops). */
export function rampGradient(from: number, to: number): string {
  const rgb = new Float32Array(3);
  const stops = Array.from({ length: 9 }, (_, k) => {
    viridis(from + ((to - from) * k) / 8, rgb, 0);
    return `${css(rgb)} ${(100 * k) / 8}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/**
 * The picture's legend: a colour bar with its quantity, ticks and scale note
 * (or the cluster palette), the reference's label with a swatch of how it is
 * drawn, and the obstacle colour. Rebuilt only when what it says changes.
 */
export class Legend {
  private shown = '';

  constructor(private readonly root: HTMLElement) {}

  update(c: LegendContent): void {
    const key = JSON.stringify(c);
    if (key === this.shown) return;
    this.shown = key;
    const rows: HTMLElement[] = [];
    if (c.colour) rows.push(this.colourRow(c.colour));
    if (c.reference) {
      const { label, key: ref } = c.reference;
      rows.push(
        h('div', { class: 'legend-row', 'data-testid': 'reference-key' },
          h('span', { class: `swatch swatch-${ref.swatch}`, style: `--swatch: ${ref.colour}` }),
          h('span', {}, h('span', { 'data-testid': 'reference-label' }, label), h('span', { class: 'muted' }, ` — ${ref.how}`))),
      );
    }
    if (c.obstacles) {
      rows.push(h('div', { class: 'legend-row', 'data-testid': 'obstacle-key' }, h('span', { class: 'swatch', style: `--swatch: ${css(OBSTACLE_RGB.map((v) => v / 255))}` }), h('span', {}, 'obstacles (no mass may enter)')));
    }
    if (c.companion) {
      rows.push(h('div', { class: 'legend-row', 'data-testid': 'companion-key' }, h('span', { class: 'swatch swatch-dots', style: `--swatch: ${css(COMPANION_RGB)}` }), h('span', {}, `${c.companion} particles of the same free energy (forward WGD), over the grid density`)));
    }
    this.root.replaceChildren(...rows);
    this.root.hidden = rows.length === 0;
  }

  private colourRow(k: ColourKey): HTMLElement {
    const title = h('div', { class: 'legend-title', 'data-testid': 'colour-label' }, `colour: ${k.label}`);
    if (k.kind === 'flat') return h('div', { class: 'legend-block' }, title);
    if (k.kind === 'categories') {
      const rgb = new Float32Array(3);
      const chips = Array.from({ length: Math.min(k.count, 10) }, (_, i) => {
        categorical(i, rgb, 0);
        return h('span', { class: 'chip', style: `background: ${css(rgb)}` });
      });
      return h('div', { class: 'legend-block', 'data-testid': 'colour-bar' }, title, h('div', { class: 'chips' }, ...chips, h('span', { class: 'muted' }, ` ${k.count} cluster${k.count === 1 ? '' : 's'}`)));
    }
    const bar = h('div', { class: 'colour-bar', style: `background: ${rampGradient(k.from, k.to)}` });
    const ticks = h('div', { class: 'colour-ticks' });
    if (k.hi > k.lo) {
      for (const v of niceTicks(k.lo, k.hi, 4)) {
        ticks.append(h('span', { class: 'tick', 'data-testid': 'colour-bar-tick', style: `left: ${(100 * (v - k.lo)) / (k.hi - k.lo)}%` }, tickLabel(v)));
      }
    }
    const note = k.note ? h('div', { class: 'muted small' }, k.note) : '';
    return h('div', { class: 'legend-block', 'data-testid': 'colour-bar' }, title, bar, ticks, note);
  }
}
