/**
 * `npm run gallery`: the README gallery, one screenshot per kind of state,
 * taken by the same code as the browser test (viewer/scripts/shoot.ts on
 * VIEW_CASES), so the pictures show what the viewer really draws. Writes
 * viewer/gallery/<case>.png (the whole page at 1280×720: picture, legend, chart
 * and panels) and prints the Markdown to paste.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasChromium, launchChromium } from './browser.ts';
import { VIEW_CASES } from './cases.ts';
import { shootCase, VIEWPORTS } from './shoot.ts';

const OUT = fileURLToPath(new URL('../gallery/', import.meta.url));

if (!hasChromium()) {
  process.stderr.write('gallery: needs Chromium at /usr/bin/chromium (apt-get install chromium) or WGF_CHROMIUM\n');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const browser = await launchChromium();
const lines: string[] = [];
try {
  for (const c of VIEW_CASES) {
    const [shot] = await shootCase(browser, c, { gallery: VIEWPORTS['1280x720'] });
    writeFileSync(join(OUT, `${c.name}.png`), shot.png);
    process.stderr.write(`gallery: ${c.name}.png at step ${shot.state.step} (${(shot.png.length / 1024).toFixed(0)} KiB)\n`);
    lines.push(`| ![${c.name}](viewer/gallery/${c.name}.png) | ${c.caption} |`);
  }
} finally {
  await browser.close();
}
process.stdout.write(['| view | what it shows |', '| --- | --- |', ...lines].join('\n') + '\n');
