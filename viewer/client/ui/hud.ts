import { fmt, h } from './dom.ts';

/** The heads-up display: scene title, step, time, energy, main metric, run state and frame rates. */
export class Hud {
  private readonly fields: Record<string, HTMLElement> = {};

  constructor(private readonly root: HTMLElement) {}

  /** Lays the HUD out for a new scene. */
  reset(title: string, mode: string): void {
    this.root.replaceChildren(h('div', { class: 'title' }, title), h('div', { class: 'muted' }, mode));
    const row = (label: string, key: string) => {
      const v = h('span', { id: `hud-${key}`, 'data-testid': `hud-${key}` }, '–');
      this.fields[key] = v;
      this.root.append(h('div', {}, h('span', { class: 'muted' }, `${label} `), v));
    };
    row('step', 'step');
    row('t', 't');
    row('energy', 'energy');
    row('metric', 'metric');
    row('state', 'state');
    row('frames', 'fps');
  }

  set(key: string, value: unknown): void {
    const el = this.fields[key];
    if (el) el.textContent = typeof value === 'string' ? value : fmt(value);
  }
}
