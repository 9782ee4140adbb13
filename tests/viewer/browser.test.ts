/**
 * End to end in a real browser: Debian's Chromium (headless, WebGL through
 * SwiftShader) driven by playwright-core against `wgf view`'s server. Skipped
 * only when /usr/bin/chromium is missing (.ci/run installs it with apt-get).
 * Screenshots land in tests/artifacts/viewer/.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../cli/execute-run.ts';
import { findScene } from '../../scenes/index.ts';
import gridScene from '../../viewer/synthetic/grid-scene.ts';
import { hasChromium, launchChromium, openViewer, pixelStats, probe, waitFor } from '../../viewer/scripts/browser.ts';
import { SCENE_CASES, VIEW_CASES } from '../../viewer/scripts/cases.ts';
import { serveLive, serveReplay } from '../../viewer/scripts/serve.ts';
import { shootCase } from '../../viewer/scripts/shoot.ts';

const ARTIFACTS = join(process.cwd(), 'tests', 'artifacts', 'viewer');

/** A canvas with something drawn on it: not one flat colour. */
function expectNotBlank(p: { variance: number; covered: number }, what: string): void {
  expect(p.variance, `${what}: luminance variance`).toBeGreaterThan(2);
  expect(p.covered, `${what}: fraction of pixels off the background`).toBeGreaterThan(0.003);
}

describe.skipIf(!hasChromium())('viewer in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('particles 2D: frames arrive, pause stops the counter, invalid parameters are shown, a valid change restarts', async () => {
    const server = await serveLive('fokker-planck', { raw: { n: 300, steps: 100000 } });
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      const s0 = await probe(page);
      const s1 = await waitFor(page, (s) => s.step >= s0.step + 10, 30_000, 'ten more steps');
      expect(s1.received).toBeGreaterThan(s0.received);
      expect(await page.textContent('[data-testid=hud-step]')).toMatch(/^\d+$/);
      // The chart offers every scene metric; the main one is charted first.
      const metrics = await page.$$eval('[data-testid=chart-metric] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(metrics).toEqual(expect.arrayContaining(['w2_to_exact', 'mean_error', 'variance', 'exact_variance']));
      expect(await page.inputValue('[data-testid=chart-metric]')).toBe('w2_to_exact');
      await page.selectOption('[data-testid=chart-metric]', 'variance');
      expectNotBlank(await pixelStats(page), 'fokker-planck');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=screenshot]')]);
      expect(download.suggestedFilename()).toMatch(/^wgflow-fokker-planck-step\d+\.png$/);
      const png = readFileSync((await download.path())!);
      expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(5000);

      await page.click('[data-testid=play]'); // the button reads "Pause" while running
      await waitFor(page, (s) => s.status?.paused === true, 10_000, 'paused status');
      await page.waitForTimeout(200);
      const paused = await probe(page);
      await page.waitForTimeout(800);
      expect((await probe(page)).step).toBe(paused.step);
      await page.click('[data-testid=step]');
      await waitFor(page, (s) => s.step === paused.step + 1, 10_000, 'a single step');
      await page.keyboard.press('s'); // the same from the keyboard
      await waitFor(page, (s) => s.step === paused.step + 2, 10_000, 'a single step by key');

      // Invalid: shown under the field, nothing sent (same run).
      await page.fill('[data-testid=param-n]', '-5');
      await page.fill('[data-testid=param-temperature]', 'hot');
      await page.click('[data-testid=param-apply]');
      expect(await page.textContent('[data-testid=param-error-n]')).toBe("parameter 'n' must be an integer in [1, 1000000]; got '-5'");
      expect(await page.textContent('[data-testid=param-error-temperature]')).toMatch(/parameter 'temperature' must be a number in \(0, 100\]; got 'hot'/);
      await page.waitForTimeout(300);
      expect((await probe(page)).runId).toBe(1);

      // Valid: the run restarts (new run id, from step 0) with the new values, playing again.
      await page.fill('[data-testid=param-n]', '150');
      await page.fill('[data-testid=param-temperature]', '0.5');
      await page.click('[data-testid=param-apply]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 0, 20_000, 'the restarted run');
      expect(await page.textContent('[data-testid=param-error-n]')).toBe('');
      expect(await page.inputValue('[data-testid=param-n]')).toBe('150');
      expect(await page.inputValue('[data-testid=chart-metric]')).toBe('variance'); // kept across the restart
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 5 && s.status?.paused === false, 20_000, 'the new run playing');
      writeFileSync(join(ARTIFACTS, 'particles-2d-restarted.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
    }
  });

  it.each([...VIEW_CASES, ...SCENE_CASES].map((c) => [c.name, c] as const))('%s: frames arrive and the canvas is drawn', async (_name, c) => {
    const shot = await shootCase(browser, c);
    writeFileSync(join(ARTIFACTS, `${c.name}.png`), shot.png);
    expect(shot.state.step).toBeGreaterThanOrEqual(c.atStep);
    expect(shot.state.lastError).toBe('');
    expectNotBlank(shot.pixels, c.name);
  });

  it('3D grid: the slices view draws three planes through the maximum instead of the volume', async () => {
    const server = await serveLive('viewer/synthetic/grid-scene.ts', { raw: { dim: 3, grid: 16 } });
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      await waitFor(page, (s) => s.step >= 5, 30_000, 'five steps');
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.status?.paused === true, 10_000, 'pause');
      await page.waitForTimeout(200);
      const volume = await pixelStats(page);
      await page.selectOption('[data-testid=grid-mode]', 'slices');
      await page.waitForTimeout(200);
      const slices = await pixelStats(page);
      expectNotBlank(slices, 'slices');
      // Opaque slices cover far more of the canvas than the faint volume cloud.
      expect(slices.covered).toBeGreaterThan(volume.covered + 0.02);
      writeFileSync(join(ARTIFACTS, 'grid-3d-slices.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
    }
  });

  it('replay of a run directory: plays, and the timeline scrubs to any recorded frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgf-view-replay-'));
    const out = join(dir, 'run');
    await executeRun({ scene: { def: findScene('aggregation-disk')! }, raw: { n: 200, steps: 60 }, every: 3, out });
    const server = await serveReplay(out);
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      expect((await probe(page)).mode).toBe('replay');
      await waitFor(page, (s) => s.status?.paused === true && s.step === 60, 30_000, 'playback to the end');
      const slider = page.locator('[data-testid=timeline]');
      expect(await slider.getAttribute('max')).toBe('20'); // frames 0, 3, …, 60
      await slider.fill('5');
      await waitFor(page, (s) => s.step === 15, 10_000, 'scrub to frame 5');
      expect(await page.textContent('[data-testid=timeline-label]')).toBe('frame 6 / 21 · step 15');
      expect(await page.textContent('[data-testid=hud-step]')).toBe('15');
      expectNotBlank(await pixelStats(page), 'replay');
      await slider.fill('0');
      await waitFor(page, (s) => s.step === 0, 10_000, 'scrub back to frame 0');
      await page.click('[data-testid=step]');
      await waitFor(page, (s) => s.step === 3, 10_000, 'step one frame');
      writeFileSync(join(ARTIFACTS, 'replay.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay of a grid run (float64 frames): height field drawn, scrubbing changes the picture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgf-view-replay-grid-'));
    const out = join(dir, 'run');
    await executeRun({ scene: { def: gridScene }, raw: { dim: 2, grid: 40, steps: 100 }, every: 10, out });
    const server = await serveReplay(out);
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      await waitFor(page, (s) => s.status?.paused === true && s.step === 100, 30_000, 'playback to the end');
      const slider = page.locator('[data-testid=timeline]');
      await slider.fill('0');
      await waitFor(page, (s) => s.step === 0, 10_000, 'frame 0');
      await page.waitForTimeout(100);
      const first = await pixelStats(page);
      expectNotBlank(first, 'grid replay, frame 0');
      await slider.fill('10');
      await waitFor(page, (s) => s.step === 100, 10_000, 'the last frame');
      await page.waitForTimeout(100);
      const last = await pixelStats(page);
      expectNotBlank(last, 'grid replay, last frame');
      // The bump spreads from variance 0.25 to ~0.87: more of the surface is lifted and coloured.
      expect(Math.abs(last.mean - first.mean)).toBeGreaterThan(0.5);
      writeFileSync(join(ARTIFACTS, 'replay-grid.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay of a run still being written: the timeline grows and playback follows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgf-view-growing-'));
    const full = join(dir, 'full'), partial = join(dir, 'partial');
    await executeRun({ scene: { def: findScene('aggregation-disk')! }, raw: { n: 100, steps: 60 }, every: 3, out: full });
    // The first half of the run, as `wgf run` leaves it while still running.
    mkdirSync(join(partial, 'frames'), { recursive: true });
    copyFileSync(join(full, 'scene.json'), join(partial, 'scene.json'));
    const lines = readFileSync(join(full, 'metrics.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(partial, 'metrics.jsonl'), lines.slice(0, 11).join('\n') + '\n');
    writeFileSync(join(partial, 'summary.json'), JSON.stringify({ status: 'interrupted', message: 'run in progress or killed' }));
    const frame = (k: number) => join('frames', `${String(3 * k).padStart(6, '0')}.npy`);
    for (let k = 0; k <= 10; k++) copyFileSync(join(full, frame(k)), join(partial, frame(k)));
    const server = await serveReplay(partial);
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      await waitFor(page, (s) => s.step === 30, 30_000, 'the last frame written so far');
      expect(await page.locator('[data-testid=timeline]').getAttribute('max')).toBe('10');
      // The run goes on: the rest of the frames and records land, then it ends.
      for (let k = 11; k <= 20; k++) copyFileSync(join(full, frame(k)), join(partial, frame(k)));
      copyFileSync(join(full, 'metrics.jsonl'), join(partial, 'metrics.jsonl'));
      copyFileSync(join(full, 'summary.json'), join(partial, 'summary.json'));
      await waitFor(page, (s) => s.step === 60, 30_000, 'playback to the new end');
      expect(await page.locator('[data-testid=timeline]').getAttribute('max')).toBe('20');
      await waitFor(page, (s) => s.status?.paused === true, 10_000, 'the finished run to pause at its end');
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
