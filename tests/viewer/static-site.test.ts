/**
 * The static in-browser site (`npm run build`): built to a temporary directory,
 * served by a plain static file server, run in headless Chromium. The scenes
 * run in a Web Worker inside the page: no wgf server is involved.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, openViewer, pixelStats, probe, waitFor } from '../../viewer/scripts/browser.ts';
import { buildStaticSite } from '../../viewer/scripts/build-site.ts';

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };

describe.skipIf(!hasChromium())('static in-browser site', () => {
  let dir: string, server: Server, url: string, browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgf-site-'));
    expect(await buildStaticSite(dir)).toEqual(['app.js', 'index.html', 'style.css', 'worker.js']);
    server = createServer((req, res) => {
      const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1) || 'index.html';
      if (!/^[a-z]+\.(html|js|css)$/.test(name)) return void res.writeHead(404).end();
      try {
        const body = readFileSync(join(dir, name));
        res.writeHead(200, { 'content-type': TYPES[name.split('.')[1]] }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs catalogue scenes in a Web Worker, switches scenes and restarts on a parameter change', async () => {
    const page = await openViewer(browser, `${url}?scene=aggregation-disk`);
    try {
      const s0 = await probe(page);
      expect(s0.mode).toBe('local');
      expect(s0.scene).toBe('aggregation-disk');
      await waitFor(page, (s) => s.step >= s0.step + 10, 30_000, 'ten steps in the page');
      expect((await pixelStats(page)).variance).toBeGreaterThan(2);

      await page.fill('[data-testid=param-n]', '120');
      await page.click('[data-testid=param-apply]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 3, 20_000, 'the restarted run');

      await page.selectOption('[data-testid=scene]', 'aggregation-ball');
      await waitFor(page, (s) => s.scene === 'aggregation-ball' && s.step >= 3, 30_000, 'the 3D scene');
      expect((await pixelStats(page)).covered).toBeGreaterThan(0.003);
      const artifacts = join(process.cwd(), 'tests', 'artifacts', 'viewer');
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'static-site.png'), await page.screenshot());
    } finally {
      await page.close();
    }
  });
});
