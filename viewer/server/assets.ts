import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** A served file: content type and bytes. */
export interface Asset {
  type: string;
  body: Uint8Array;
}

const CLIENT_DIR = fileURLToPath(new URL('../client/', import.meta.url));

/** Which page to bundle: served by `wgf view` (live/replay) or the static in-browser site. */
export type SiteMode = 'server' | 'static';

/**
 * Bundles the three.js client with esbuild (in memory) and returns the site's
 * assets by URL path. The static site must open from disk (file://), where
 * browsers refuse module scripts and workers loaded from files: its page is one
 * classic script, and the Web Worker that runs the catalogue scenes is bundled
 * first and inlined into it as text (started from a Blob URL).
 */
export async function bundleSite(mode: SiteMode, minify = true): Promise<Map<string, Asset>> {
  const common = { bundle: true, platform: 'browser', target: 'es2022', write: false, minify, sourcemap: false, logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' },
    // wabt (the SIMD kernels' assembler, engine/wasm/assembler.ts) requires 'fs' only on Node.
    external: ['fs'] as string[] } as const;
  const define: Record<string, string> = { ...common.define };
  if (mode === 'static') {
    const worker = await build({ ...common, entryPoints: [`${CLIENT_DIR}local-worker.ts`], format: 'iife', outfile: '/worker.js' });
    define.__WGF_WORKER_SOURCE__ = JSON.stringify(worker.outputFiles[0].text);
  }
  const entry = mode === 'server' ? 'main-server.ts' : 'main-local.ts';
  const result = await build({ ...common, define, entryPoints: { app: `${CLIENT_DIR}${entry}` }, format: mode === 'server' ? 'esm' : 'iife', outdir: '/' });
  const assets = new Map<string, Asset>();
  for (const f of result.outputFiles) assets.set(f.path, { type: 'text/javascript; charset=utf-8', body: f.contents });
  let html = readFileSync(`${CLIENT_DIR}index.html`, 'utf8').replace('__MODE__', mode);
  if (mode === 'static') html = html.replace('<script type="module" src="app.js">', '<script defer src="app.js">');
  assets.set('/', { type: 'text/html; charset=utf-8', body: new TextEncoder().encode(html) });
  assets.set('/index.html', assets.get('/')!);
  assets.set('/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${CLIENT_DIR}style.css`) });
  return assets;
}
