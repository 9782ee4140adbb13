import type { ControlStatus } from '../../protocol.ts';
import { fmt, h } from './dom.ts';

/** A remedy the HUD offers for a diverged run: set a parameter and restart. */
export type ApplyHint = (param: string, value: number) => void;

/**
 * The heads-up display, a strip above the picture: scene title and source,
 * step, time, energy, main metric, run state and frame rates; below them, when
 * the run stopped on a problem, one line saying what happened and what to do
 * in this page (a diverged run: a button that lowers dt and restarts).
 */
export class Hud {
  private readonly fields: Record<string, HTMLElement> = {};
  private readonly problem = h('div', { class: 'problem', 'data-testid': 'hud-problem', hidden: true });

  constructor(
    private readonly root: HTMLElement,
    private readonly applyHint: ApplyHint,
  ) {}

  /** Lays the HUD out for a new scene. */
  reset(title: string, mode: string): void {
    const values = h('div', { class: 'hud-values' });
    const row = (label: string, key: string) => {
      const v = h('span', { id: `hud-${key}`, 'data-testid': `hud-${key}` }, '–');
      this.fields[key] = v;
      values.append(h('span', { class: 'hud-field' }, h('span', { class: 'muted' }, `${label} `), v));
    };
    row('step', 'step');
    row('t', 't');
    row('energy', 'energy');
    row('', 'metric');
    row('state', 'state');
    row('frames', 'fps');
    this.problem.hidden = true;
    this.root.replaceChildren(h('div', { class: 'hud-head' }, h('span', { class: 'title' }, title), h('span', { class: 'muted' }, ` · ${mode}`)), values, this.problem);
  }

  set(key: string, value: unknown): void {
    const el = this.fields[key];
    if (el) el.textContent = typeof value === 'string' ? value : fmt(value);
  }

  /** Shows the run state; a failed or diverged run gets its cause and, when known, the remedy. */
  status(s: ControlStatus): void {
    this.set('state', s.state);
    const failed = s.state === 'diverged' || s.state === 'error';
    this.problem.hidden = !failed || !s.message;
    if (this.problem.hidden) return;
    const hint = s.hint;
    if (!hint) {
      this.problem.replaceChildren(h('span', {}, `${s.state}: ${s.message}`));
      return;
    }
    const button = h('button', { type: 'button', 'data-testid': 'apply-hint' }, `Restart with ${hint.param} = ${fmt(hint.value)}`);
    button.onclick = () => this.applyHint(hint.param, hint.value);
    this.problem.replaceChildren(h('span', {}, `${s.state}: ${hint.cause}. Lower ${hint.param} to ${fmt(hint.value)} in the parameter panel, or `), button);
  }
}
