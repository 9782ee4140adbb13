import { describeAllowed, ParamError, resolveParams, type ParamSchema, type RawParams } from '../../../engine/core/params.ts';
import { h } from './dom.ts';

/**
 * The parameter panel, generated from the scene's schema (engine/core/params.ts):
 * a text field per number (so that any typed value can be checked), a checkbox
 * per boolean, a menu per choice. "Apply" validates every field with the same
 * `resolveParams` the CLI uses; invalid fields show the one-line error under
 * them and nothing is sent; valid values are sent and restart the run.
 */
export class ParamPanel {
  private inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private errors = new Map<string, HTMLElement>();
  private general = h('div', { class: 'error', 'data-testid': 'param-error' });
  private schema: ParamSchema = {};

  constructor(
    private readonly root: HTMLElement,
    private readonly apply: (values: RawParams) => void,
  ) {}

  /** Builds the form for `schema` with the current values (read-only in replay). */
  build(schema: ParamSchema, values: Record<string, number | string | boolean>, readOnly: boolean): void {
    this.inputs.clear();
    this.errors.clear();
    this.general.textContent = '';
    this.schema = schema;
    const form = h('form', { 'data-testid': 'params' });
    form.append(h('h3', {}, readOnly ? 'Parameters (recorded)' : 'Parameters'));
    const names = readOnly ? Object.keys(values) : Object.keys(schema);
    for (const name of names) {
      const spec = schema[name];
      const v = values[name];
      let input: HTMLInputElement | HTMLSelectElement;
      if (spec?.type === 'choice') {
        input = h('select', { name, 'data-testid': `param-${name}` }, ...spec.values.map((c) => h('option', { value: c, selected: c === v }, c)));
      } else if (spec?.type === 'boolean') {
        input = h('input', { type: 'checkbox', name, 'data-testid': `param-${name}`, checked: v === true });
      } else {
        input = h('input', { type: 'text', name, value: String(v ?? ''), 'data-testid': `param-${name}`, autocomplete: 'off' });
      }
      if (readOnly) input.setAttribute('disabled', '');
      const err = h('div', { class: 'error', 'data-testid': `param-error-${name}` });
      const title = spec ? `${spec.description} — ${describeAllowed(spec)}` : '';
      form.append(h('div', { class: 'param', title }, h('label', {}, name, ' ', h('span', { class: 'muted' }, spec?.description ?? '')), input, err));
      this.inputs.set(name, input);
      this.errors.set(name, err);
    }
    if (!readOnly) {
      // Sticky at the bottom of the side panel: reachable without scrolling past every field.
      form.append(h('div', { class: 'apply-row' }, h('button', { type: 'submit', 'data-testid': 'param-apply' }, 'Apply (restart)'), this.general));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        this.submit(schema);
      });
    }
    this.root.replaceChildren(form);
  }

  private raw(name: string): string | boolean {
    const el = this.inputs.get(name)!;
    return el instanceof HTMLInputElement && el.type === 'checkbox' ? el.checked : el.value;
  }

  private submit(schema: ParamSchema): void {
    const values: RawParams = {};
    let ok = true;
    for (const name of this.inputs.keys()) {
      const raw = this.raw(name);
      const err = this.errors.get(name)!;
      try {
        resolveParams({ [name]: schema[name] }, { [name]: raw });
        err.textContent = '';
        err.parentElement!.classList.remove('invalid');
        values[name] = raw;
      } catch (e) {
        if (!(e instanceof ParamError)) throw e;
        err.textContent = e.message;
        err.parentElement!.classList.add('invalid');
        ok = false;
      }
    }
    this.general.textContent = ok ? '' : 'fix the fields marked in red; nothing was changed';
    if (ok) this.apply(values);
  }

  /** Sets one field (e.g. the remedy of a diverged run) and applies the form as the user would. */
  applyValue(name: string, value: number): void {
    const input = this.inputs.get(name);
    if (!input) return this.showError(`this scene has no parameter '${name}'`);
    input.value = String(value);
    this.submit(this.schema);
  }

  /** An error reported by the simulation side (e.g. a value valid alone but not together). */
  showError(message: string): void {
    this.general.textContent = message;
  }
}
