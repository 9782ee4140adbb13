/**
 * Entry of the static in-browser site (`npm run build`): no server; the
 * catalogue scenes run in a Web Worker inside the page. A menu picks the scene
 * (also `?scene=<id>` in the address).
 */
import { catalogue } from '../../scenes/index.ts';
import { App } from './app.ts';
import { WorkerSource } from './sources/worker-source.ts';
import { byId, h } from './ui/dom.ts';

const wanted = new URLSearchParams(location.search).get('scene');
const scene = catalogue.find((s) => s.id === wanted)?.id ?? catalogue[0].id;
const source = new WorkerSource(new URL('worker.js', location.href).href, scene);
new App(source);
const menu = h('select', { 'data-testid': 'scene' }, ...catalogue.map((s) => h('option', { value: s.id, selected: s.id === scene }, s.title)));
menu.onchange = () => {
  history.replaceState(null, '', `?scene=${menu.value}`);
  source.post({ type: 'scene', id: menu.value });
};
byId('controls').before(h('div', { class: 'row' }, h('span', { class: 'muted' }, 'scene'), menu));
