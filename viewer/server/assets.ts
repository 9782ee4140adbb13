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
 * assets by URL path. The static site also bundles the Web Worker that runs the
 * catalogue scenes in the page.
 */
export async function bundleSite(mode: SiteMode, minify = true): Promise<Map<string, Asset>> {
  const entryPoints: Record<string, string> =
    mode === 'server' ? { app: `${CLIENT_DIR}main-server.ts` } : { app: `${CLIENT_DIR}main-local.ts`, worker: `${CLIENT_DIR}local-worker.ts` };
  const result = await build({
    entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: '/',
    write: false,
    minify,
    sourcemap: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // wabt (the SIMD kernels' assembler, engine/wasm/assembler.ts) requires 'fs' only on Node.
    external: ['fs'],
  });
  const assets = new Map<string, Asset>();
  for (const f of result.outputFiles) assets.set(f.path, { type: 'text/javascript; charset=utf-8', body: f.contents });
  const html = readFileSync(`${CLIENT_DIR}index.html`, 'utf8').replace('__MODE__', mode);
  assets.set('/', { type: 'text/html; charset=utf-8', body: new TextEncoder().encode(html) });
  assets.set('/index.html', assets.get('/')!);
  assets.set('/style.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${CLIENT_DIR}style.css`) });
  return assets;
}
