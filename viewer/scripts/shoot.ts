import type { Browser, Page } from 'playwright-core';
import { openViewer, pixelStats, waitFor, type ProbeState } from './browser.ts';
import type { ViewCase } from './cases.ts';
import { serveLive } from './serve.ts';

export interface Shot {
  state: ProbeState;
  pixels: { mean: number; variance: number; covered: number };
  png: Buffer;
}

/**
 * Serves a case live, opens it, waits until the stream reaches `atStep`,
 * pauses (so the picture is one state) and takes a PNG of the page.
 * `check` runs on the open page before it closes (the browser test's assertions).
 */
export async function shootCase(browser: Browser, c: ViewCase, size = { width: 1100, height: 700 }, check?: (page: Page) => Promise<void>): Promise<Shot> {
  const server = await serveLive(c.scene, { raw: c.raw });
  try {
    const page = await openViewer(browser, server.url, size);
    try {
      await waitFor(page, (s) => s.step >= c.atStep, 60_000, `step ${c.atStep}`);
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.status?.paused === true, 10_000, 'pause');
      await page.waitForTimeout(300); // the last frames in flight land, the chart redraws
      if (check) await check(page);
      const state = await waitFor(page, () => true);
      return { state, pixels: await pixelStats(page), png: await page.screenshot() };
    } finally {
      await page.close();
    }
  } finally {
    await server.close();
  }
}
