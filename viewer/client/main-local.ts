/**
 * Entry of the static in-browser site (`npm run build`): no server; the
 * catalogue scenes run in a Web Worker inside the page. A menu picks the scene
 * (also `?scene=<id>` in the address). The page opens from disk (file://): the
 * worker's code is inlined in this bundle (viewer/server/assets.ts) and started
 * from a Blob URL, which file:// pages may use where they may not load a worker file.
 */
import { catalogue } from '../../scenes/index.ts';
import { App } from './app.ts';
import { WorkerSource } from './sources/worker-source.ts';
import { byId, h } from './ui/dom.ts';

const wanted = new URLSearchParams(location.search).get('scene');
const scene = catalogue.find((s) => s.id === wanted)?.id ?? catalogue[0].id;
declare const __WGF_WORKER_SOURCE__: string;
const workerUrl = URL.createObjectURL(new Blob([__WGF_WORKER_SOURCE__], { type: 'text/javascript' }));
const source = new WorkerSource(workerUrl, scene);
new App(source);
const menu = h('select', { 'data-testid': 'scene' }, ...catalogue.map((s) => h('option', { value: s.id, selected: s.id === scene }, s.title)));
menu.onchange = () => {
  history.replaceState(null, '', `?scene=${menu.value}`);
  source.post({ type: 'scene', id: menu.value });
};
byId('controls').before(h('div', { class: 'row' }, h('span', { class: 'muted' }, 'scene'), menu));
