/**
 * Headless Chromium for the viewer's browser tests, gallery and benchmark:
 * Debian's /usr/bin/chromium driven by playwright-core, WebGL through
 * SwiftShader (software), with the background-networking features off (the
 * machines have no network; Chromium would otherwise keep trying).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ViewerProbe } from '../client/app.ts';

export const CHROMIUM = process.env.WGF_CHROMIUM ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    ],
  });
}

/** The probe's plain fields (window.__wgf), read from the page. */
export type ProbeState = Omit<ViewerProbe, 'pixelStats' | 'screenshot' | 'renderCost'>;

export async function probe(page: Page): Promise<ProbeState> {
  return page.evaluate(() => {
    const p = (window as unknown as { __wgf: ViewerProbe }).__wgf;
    return { mode: p.mode, scene: p.scene, runId: p.runId, step: p.step, received: p.received, rendered: p.rendered, charted: p.charted, updateMs: p.updateMs, renderMs: p.renderMs, status: p.status, lastError: p.lastError };
  });
}

export async function pixelStats(page: Page): Promise<{ mean: number; variance: number; covered: number }> {
  return page.evaluate(() => (window as unknown as { __wgf: ViewerProbe }).__wgf.pixelStats());
}

/**
 * How long a wait on the page may last before it is taken for hung (180 s): a bound
 * for failing, never a synchronisation; a loaded two-core machine runs the page, the
 * server and the simulation many times slower than an idle one.
 */
export const PAGE_HUNG_MS = 180_000;

/** Waits until the page's probe satisfies `ok` (polling every 50 ms), or throws with the last state after `timeoutMs`. */
export async function waitFor(page: Page, ok: (s: ProbeState) => boolean, what = 'condition', timeoutMs = PAGE_HUNG_MS): Promise<ProbeState> {
  const start = Date.now();
  let s: ProbeState | null = null;
  while (Date.now() - start < timeoutMs) {
    try {
      s = await probe(page);
      if (ok(s)) return s;
    } catch {
      // the page is still loading: __wgf not there yet
    }
    await page.waitForTimeout(50);
  }
  throw new Error(`timed out waiting for ${what}; last viewer state: ${JSON.stringify(s)}`);
}

/** Opens `url` in a new 1100×700 page and waits for the first frame. */
export async function openViewer(browser: Browser, url: string, size = { width: 1100, height: 700 }): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  try {
    await waitFor(page, (s) => s.received > 0, 'the first frame');
  } catch (e) {
    throw new Error(`${(e as Error).message}; page errors: ${errors.join(' | ') || 'none'}`);
  }
  return page;
}

/** ms per render of the page's current picture (paused), without and with buffer re-upload. */
export async function renderCost(page: Page, k = 20): Promise<{ draw: number; uploadAndDraw: number }> {
  return page.evaluate((n) => (window as unknown as { __wgf: ViewerProbe }).__wgf.renderCost(n), k);
}
