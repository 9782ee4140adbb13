/**
 * The static in-browser site (`npm run build`): built to a temporary directory
 * and opened from disk (file://, no server of any kind) in headless Chromium.
 * The scenes run in a Web Worker inside the page, started from a Blob URL.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, openViewer, pixelStats, probe, waitFor } from '../../viewer/scripts/browser.ts';
import { buildStaticSite } from '../../viewer/scripts/build-site.ts';
import { settled, VIEWPORTS } from '../../viewer/scripts/shoot.ts';
import { expectationsFor, expectLabels, expectLayout } from './page-checks.ts';

describe.skipIf(!hasChromium())('static in-browser site, opened from disk', () => {
  let dir: string, url: string, browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgf-site-'));
    expect(await buildStaticSite(dir)).toEqual(['app.js', 'index.html', 'style.css']);
    url = pathToFileURL(join(dir, 'index.html')).href;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one classic script: nothing a file:// page would be refused (modules, worker files)', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<script defer src="app.js"></script>');
    expect(html).not.toContain('type="module"');
    const app = readFileSync(join(dir, 'app.js'), 'utf8');
    expect(app).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('runs catalogue scenes from file://, labelled, switches scenes and restarts on a parameter change', async () => {
    const page = await openViewer(browser, `${url}?scene=aggregation-disk`, VIEWPORTS['1280x720']);
    try {
      const s0 = await probe(page);
      expect(s0.mode).toBe('local');
      expect(s0.scene).toBe('aggregation-disk');
      await waitFor(page, (s) => s.step >= s0.step + 10, 'ten steps in the page');
      expect((await pixelStats(page)).variance).toBeGreaterThan(2);
      await settled(page);
      await expectLabels(page, await expectationsFor('aggregation-disk', {}), 'static aggregation-disk');
      await expectLayout(page, true, false, 'static aggregation-disk');

      await page.fill('[data-testid=param-n]', '120');
      await page.click('[data-testid=param-apply]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 3, 'the restarted run');

      await page.selectOption('[data-testid=scene]', 'crowd-motion');
      await waitFor(page, (s) => s.scene === 'crowd-motion' && s.step >= 2, 'the crowd-motion scene');
      await settled(page);
      await expectLabels(page, await expectationsFor('crowd-motion', {}), 'static crowd-motion');
      await expectLayout(page, true, true, 'static crowd-motion');
      expect((await pixelStats(page)).covered).toBeGreaterThan(0.003);
      const artifacts = join(process.cwd(), 'tests', 'artifacts', 'viewer');
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'static-site.png'), await page.screenshot());
    } finally {
      await page.close();
    }
  });
});
