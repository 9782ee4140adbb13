/**
 * `npm run gallery`: the README gallery, one screenshot per catalogue scene, taken
 * by the same code as the browser test (viewer/scripts/shoot.ts) on the browser
 * test's own cases (viewer/scripts/cases.ts: the sizes every scene is checked at),
 * so the pictures show what the viewer really draws. Writes
 * viewer/gallery/<scene id>.png (the whole page at 1280×720: picture, legend, chart
 * and panels) and prints the README's gallery table.
 *
 *     npm run gallery                       every catalogue scene
 *     npm run gallery -- crowd-motion …     only these (the table still lists all)
 *
 * A catalogue scene without a case in cases.ts is an error: the gallery shows the
 * whole catalogue or nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogue } from '../../scenes/index.ts';
import { hasChromium, launchChromium } from './browser.ts';
import { SCENE_CASES, VIEW_CASES, type ViewCase } from './cases.ts';
import { shootCase, VIEWPORTS } from './shoot.ts';

const OUT = fileURLToPath(new URL('../gallery/', import.meta.url));

/**
 * What each picture shows, and the step it is taken at when the test's step comes
 * too early to show it (the browser test only needs a frame; the picture needs the
 * flow to have done something).
 */
const PICTURES: Record<string, { caption: string; atStep?: number }> = {
  'fokker-planck': { caption: 'particles (blob entropy) relaxing to the Gibbs Gaussian; orange: exact samples' },
  'aggregation-disk': { caption: '|z|²/2 − log|z|: particles spread into the uniform disk', atStep: 150 },
  'aggregation-ball': { caption: '|z|²/2 + 1/|z|: particles fill the unit ball (orange: the unit sphere)', atStep: 150 },
  'double-well': { caption: 'entropy + double well: mass crosses into the right well', atStep: 300 },
  'sinkhorn-flow': { caption: 'a blob flows onto two moons by the Sinkhorn divergence', atStep: 40 },
  'grid-fokker-planck': { caption: 'entropic JKO on a 2D grid: a blob splits into two wells; contours: Gibbs law', atStep: 30 },
  'porous-medium': { caption: '∂ρ = Δρ²: a Barenblatt profile spreading; contours: exact solution', atStep: 20 },
  'crowd-motion': { caption: 'a crowd leaves a room through a door under ρ ≤ κ (obstacles grey)', atStep: 40 },
  'grid-diffusion-3d': { caption: 'a Gaussian blob relaxing by JKO steps on a 3D grid (volume point cloud)' },
  'mlp-mean-field': { caption: 'two-layer network: neurons |a|·w gather on the teacher directions', atStep: 200 },
  'transformer-tokens': { caption: 'tokens on the sphere clustering under softmax self-attention' },
  'compare-fokker-planck': { caption: 'one F = ∫V dρ + σ∫ρ log ρ two ways: grid density (heat map) and particles (orange) in a double well; chart: W2 between them', atStep: 20 },
  'compare-aggregation-diffusion': { caption: 'quadratic attraction + entropy as grid and particles (orange); contours: exact Gaussian law', atStep: 15 },
  'compare-porous-medium': { caption: '∂ρ = Δρ² as grid and blob particles (orange) from Barenblatt; contours: exact solution', atStep: 20 },
};

/** The case for a catalogue scene: the browser test's, shot at the gallery's step. */
export function galleryCase(id: string): ViewCase & { caption: string } {
  const c = [...VIEW_CASES, ...SCENE_CASES].find((v) => v.scene === id);
  const pic = PICTURES[id];
  if (!c || !pic) throw new Error(`gallery: catalogue scene '${id}' has no ${c ? 'caption in gallery.ts' : 'case in viewer/scripts/cases.ts'}`);
  return { ...c, name: id, caption: pic.caption, atStep: pic.atStep ?? c.atStep };
}

/** The README table: three pictures per row, each with its scene id and caption. */
export function galleryTable(ids: readonly string[]): string {
  // `|` in a caption (|z|, |a|·w) would end the table cell.
  const cell = (id: string) => `![${id}](viewer/gallery/${id}.png)<br>**\`${id}\`** ${PICTURES[id].caption.replace(/\|/g, '\\|')}`;
  const rows: string[] = ['| | | |', '| --- | --- | --- |'];
  for (let i = 0; i < ids.length; i += 3) {
    const three = ids.slice(i, i + 3);
    rows.push(`| ${[...three.map(cell), ...Array(3 - three.length).fill(' ')].join(' | ')} |`);
  }
  return rows.join('\n') + '\n';
}

async function shoot(ids: readonly string[]): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const id of ids) {
      const c = galleryCase(id);
      const [shot] = await shootCase(browser, c, { gallery: VIEWPORTS['1280x720'] });
      writeFileSync(join(OUT, `${id}.png`), shot.png);
      process.stderr.write(`gallery: ${id}.png at step ${shot.state.step} (${(shot.png.length / 1024).toFixed(0)} KiB)\n`);
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const all = catalogue.map((s) => s.id);
  all.forEach(galleryCase); // every scene has a case and a caption, before Chromium starts
  const only = process.argv.slice(2);
  const unknown = only.filter((id) => !all.includes(id));
  if (unknown.length) {
    process.stderr.write(`gallery: unknown scene ${unknown.join(', ')} (catalogue: ${all.join(', ')})\n`);
    process.exit(2);
  }
  if (!hasChromium()) {
    process.stderr.write('gallery: needs Chromium at /usr/bin/chromium (apt-get install chromium) or WGF_CHROMIUM\n');
    process.exit(2);
  }
  await shoot(only.length ? only : all);
  const missing = all.filter((id) => !existsSync(join(OUT, `${id}.png`)));
  if (missing.length) process.stderr.write(`gallery: no picture yet for ${missing.join(', ')}\n`);
  process.stdout.write(galleryTable(all));
}
