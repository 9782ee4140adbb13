import type { Browser, Page } from 'playwright-core';
import { openViewer, pixelStats, probe, waitFor, type ProbeState } from './browser.ts';
import type { ViewCase } from './cases.ts';
import { serveLive } from './serve.ts';

export interface Viewport {
  width: number;
  height: number;
}

/** The sizes every scene is looked at: a laptop, a desktop and a phone. */
export const VIEWPORTS: Record<string, Viewport> = {
  '1280x720': { width: 1280, height: 720 },
  '1920x1080': { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
};

export interface Shot {
  size: string;
  state: ProbeState;
  pixels: { mean: number; variance: number; covered: number };
  png: Buffer;
}

/**
 * Resolves after the page has drawn twice more (two animation frames): a
 * resize, a chart redraw or a label move requested before is on screen.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** Resizes the page and waits until the stage has drawn at the new size. */
export async function resize(page: Page, size: Viewport): Promise<void> {
  const before = (await probe(page)).rendered;
  await page.setViewportSize(size);
  await waitFor(page, (s) => s.rendered > before, `a redraw at ${size.width}×${size.height}`);
  await settled(page);
}

/**
 * Serves a case live, opens it, waits until the stream reaches `atStep`,
 * pauses (so the picture is one state) and takes a PNG of the page at each of
 * `sizes` (default: the first viewport only). `check` runs on the open page at
 * each size (the browser test's assertions).
 */
export async function shootCase(
  browser: Browser,
  c: ViewCase,
  sizes: Record<string, Viewport> = { default: { width: 1100, height: 700 } },
  check?: (page: Page, size: string) => Promise<void>,
): Promise<Shot[]> {
  const server = await serveLive(c.scene, { raw: c.raw });
  try {
    const [first] = Object.values(sizes);
    const page = await openViewer(browser, server.url, first);
    try {
      await waitFor(page, (s) => s.step >= c.atStep, `step ${c.atStep}`);
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.status?.paused === true, 'pause');
      const shots: Shot[] = [];
      for (const [name, size] of Object.entries(sizes)) {
        if (shots.length) await resize(page, size);
        else await settled(page);
        if (check) await check(page, name);
        const state = await probe(page);
        shots.push({ size: name, state, pixels: await pixelStats(page), png: await page.screenshot() });
      }
      return shots;
    } finally {
      await page.close();
    }
  } finally {
    await server.close();
  }
}
