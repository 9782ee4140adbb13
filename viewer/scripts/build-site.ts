/**
 * `npm run build`: writes the static in-browser site (no server: the catalogue
 * scenes run in a Web Worker inside the page) to dist/site/, or to the
 * directory given as the first argument: index.html, style.css and app.js, a
 * classic script with the worker inlined, so the page opens straight from disk
 * (file://…/index.html) as well as from any static file server.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleSite } from '../server/assets.ts';

export async function buildStaticSite(outDir: string): Promise<string[]> {
  const assets = await bundleSite('static');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [path, asset] of assets) {
    if (path === '/') continue; // the same page as /index.html
    writeFileSync(join(outDir, path.slice(1)), asset.body);
    written.push(path.slice(1));
  }
  return written.sort();
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('build-site.ts')) {
  const out = resolve(process.argv[2] ?? 'dist/site');
  const files = await buildStaticSite(out);
  process.stdout.write(`static site: ${files.join(', ')} -> ${out}\nopen ${join(out, 'index.html')} in a browser (no server needed)\n`);
}
