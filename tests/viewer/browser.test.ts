/**
 * End to end in a real browser: Debian's Chromium (headless, WebGL through
 * SwiftShader) driven by playwright-core against `wgf view`'s server. Skipped
 * only when /usr/bin/chromium is missing (.ci/run installs it with apt-get).
 * Every catalogue scene is looked at 1280×720, 1920×1080 and 390×844 (a phone);
 * the screenshots land in tests/artifacts/viewer/<case>-<size>.png.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../cli/execute-run.ts';
import { findScene } from '../../scenes/index.ts';
import gridScene from '../../viewer/synthetic/grid-scene.ts';
import { hasChromium, launchChromium, openViewer, pixelStats, probe, waitFor, type ProbeState } from '../../viewer/scripts/browser.ts';
import { SCENE_CASES, VIEW_CASES } from '../../viewer/scripts/cases.ts';
import { serveLive, serveReplay } from '../../viewer/scripts/serve.ts';
import { settled, shootCase, VIEWPORTS } from '../../viewer/scripts/shoot.ts';
import { expectationsFor, expectLabels, expectLayout } from './page-checks.ts';

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
      const s1 = await waitFor(page, (s) => s.step >= s0.step + 10, 'ten more steps');
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
      // The loop ends the step under way, then says it stopped and which frame was its last: the
      // page has it once its step is that one. No frame follows until a control message.
      const stopped = (s: ProbeState, step?: number) => s.status?.paused === true && s.status.idle === true && s.step === s.status.frameStep && (step === undefined || s.step === step);
      const paused = await waitFor(page, (s) => stopped(s), 'the paused loop and its last frame');
      await page.click('[data-testid=step]');
      await waitFor(page, (s) => stopped(s, paused.step + 1), 'a single step, then stopped');
      await page.keyboard.press('s'); // the same from the keyboard
      await waitFor(page, (s) => stopped(s, paused.step + 2), 'a single step by key, then stopped');

      // Invalid: shown under the field, nothing sent (same run).
      await page.fill('[data-testid=param-n]', '-5');
      await page.fill('[data-testid=param-temperature]', 'hot');
      await page.click('[data-testid=param-apply]');
      expect(await page.textContent('[data-testid=param-error-n]')).toBe("parameter 'n' must be an integer in [1, 1000000]; got '-5'");
      expect(await page.textContent('[data-testid=param-error-temperature]')).toMatch(/parameter 'temperature' must be a number in \(0, 100\]; got 'hot'/);
      // Had the form sent them, the run would restart before this step (messages keep their order).
      await page.click('[data-testid=step]');
      await waitFor(page, (s) => stopped(s, paused.step + 3), 'a step of the same run');
      expect((await probe(page)).runId).toBe(1);

      // Valid: the run restarts (new run id, from step 0) with the new values, playing again.
      await page.fill('[data-testid=param-n]', '150');
      await page.fill('[data-testid=param-temperature]', '0.5');
      await page.click('[data-testid=param-apply]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 0, 'the restarted run');
      expect(await page.textContent('[data-testid=param-error-n]')).toBe('');
      expect(await page.inputValue('[data-testid=param-n]')).toBe('150');
      expect(await page.inputValue('[data-testid=chart-metric]')).toBe('variance'); // kept across the restart
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.runId === 2 && s.step >= 5 && s.status?.paused === false, 'the new run playing');
      writeFileSync(join(ARTIFACTS, 'particles-2d-restarted.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
    }
  });

  it.each([...VIEW_CASES, ...SCENE_CASES].map((c) => [c.name, c] as const))('%s: drawn and labelled at laptop, desktop and phone sizes', async (_name, c) => {
    const expected = await expectationsFor(c.scene, c.raw);
    const gridViews = c.kind === 'grid' && c.dim >= 2;
    const shots = await shootCase(browser, c, VIEWPORTS, async (page, size) => {
      await expectLabels(page, expected, `${c.name} at ${size}`);
      await expectLayout(page, size !== 'phone', gridViews, `${c.name} at ${size}`);
      // 2D grids are seen from above; porous-medium keeps the first frame's scale, so its peak is seen to fall.
      if (c.kind === 'grid' && c.dim === 2) expect(await page.inputValue('[data-testid=grid-mode]')).toBe('heat map');
      if (c.scene === 'porous-medium') expect(await page.inputValue('[data-testid=scale]')).toBe('first');
      // A few reference points (the teacher neurons) are markers, not a faint cloud.
      if (c.scene === 'mlp-mean-field') expect(await page.locator('[data-testid=reference-key] .swatch-diamond').count()).toBe(1);
    });
    for (const shot of shots) {
      writeFileSync(join(ARTIFACTS, `${c.name}-${shot.size}.png`), shot.png);
      expect(shot.state.step).toBeGreaterThanOrEqual(c.atStep);
      expect(shot.state.lastError).toBe('');
      expectNotBlank(shot.pixels, `${c.name} at ${shot.size}`);
    }
  });

  it('a late or reloaded page charts the run from step 0, and a reset starts the chart again at t = 0', async () => {
    const server = await serveLive('fokker-planck', { raw: { n: 200, steps: 100000 } });
    let first: Page | null = null, late: Page | null = null;
    try {
      first = await openViewer(browser, server.url);
      await waitFor(first, (s) => s.step >= 30, 'thirty steps');
      await first.click('[data-testid=play]');
      const paused = await waitFor(first, (s) => s.status?.paused === true, 'pause');
      // Paused, the run sends no more frames: what the late page charts beyond one frame is history.
      late = await openViewer(browser, server.url);
      const joined = await waitFor(late, (s) => s.charted >= paused.step, `a history of ${paused.step} records`);
      expect(joined.received).toBeLessThanOrEqual(2);
      await settled(late);
      const xTicks = await late.$$eval('[data-testid=chart-panel-energy] .chart-tick.x', (els) => els.map((e) => e.textContent));
      expect(xTicks[0]).toBe('0');

      await late.click('[data-testid=reset]');
      await waitFor(late, (s) => s.runId === 2 && s.step === 0, 'the reset run');
      await settled(late);
      // One record at t = 0: the time axis says 0 and nothing else (no 1e-12 range).
      expect(await late.$$eval('[data-testid=chart-panel-energy] .chart-tick.x', (els) => els.map((e) => e.textContent))).toEqual(['0']);
      expect(await late.textContent('#chart')).not.toMatch(/e-1[0-9]/);
      writeFileSync(join(ARTIFACTS, 'chart-after-reset.png'), await late.screenshot());
    } finally {
      await late?.close();
      await first?.close();
      await server.close();
    }
  });

  it('a diverged run says why in the page and offers the smaller dt, without a command-line hint', async () => {
    const server = await serveLive('aggregation-disk', { raw: { n: 100, dt: 10, steps: 100000 } });
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url, VIEWPORTS['1280x720']);
      await waitFor(page, (s) => s.status?.state === 'diverged', 'divergence');
      const problem = page.locator('[data-testid=hud-problem]');
      expect(await problem.textContent()).toMatch(/^diverged: energy exploded at step \d+ .*Lower dt to 2\.5 in the parameter panel/);
      expect(await problem.textContent()).not.toContain('--set');
      // The message stays in the strip above the picture.
      const hud = (await page.locator('#hud').boundingBox())!, stage = (await page.locator('#stage').boundingBox())!;
      expect(hud.y + hud.height).toBeLessThanOrEqual(stage.y + 1);
      expect(hud.width).toBeLessThanOrEqual(1280);
      writeFileSync(join(ARTIFACTS, 'diverged.png'), await page.screenshot());
      await page.click('[data-testid=apply-hint]');
      await waitFor(page, (s) => s.runId === 2, 'the run restarted with the smaller dt');
      expect(await page.inputValue('[data-testid=param-dt]')).toBe('2.5');
    } finally {
      await page?.close();
      await server.close();
    }
  });

  it('3D grid: the slices view draws three planes through the maximum instead of the volume', async () => {
    const server = await serveLive('viewer/synthetic/grid-scene.ts', { raw: { dim: 3, grid: 16 } });
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      await waitFor(page, (s) => s.step >= 5, 'five steps');
      await page.click('[data-testid=play]');
      await waitFor(page, (s) => s.status?.paused === true, 'pause');
      await settled(page);
      const volume = await pixelStats(page);
      await page.selectOption('[data-testid=grid-mode]', 'slices');
      await settled(page);
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
      await waitFor(page, (s) => s.status?.paused === true && s.step === 60, 'playback to the end');
      const slider = page.locator('[data-testid=timeline]');
      expect(await slider.getAttribute('max')).toBe('20'); // frames 0, 3, …, 60
      await slider.fill('5');
      await waitFor(page, (s) => s.step === 15, 'scrub to frame 5');
      expect(await page.textContent('[data-testid=timeline-label]')).toBe('frame 6 / 21 · step 15');
      expect(await page.textContent('[data-testid=hud-step]')).toBe('15');
      expectNotBlank(await pixelStats(page), 'replay');
      await slider.fill('0');
      await waitFor(page, (s) => s.step === 0, 'scrub back to frame 0');
      await page.click('[data-testid=step]');
      await waitFor(page, (s) => s.step === 3, 'step one frame');
      writeFileSync(join(ARTIFACTS, 'replay.png'), await page.screenshot());
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay of a comparison run: the particles (particles/NNNNNN.npy) drawn over the grid and named in the legend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgf-view-replay-compare-'));
    const out = join(dir, 'run');
    await executeRun({ scene: { def: findScene('compare-fokker-planck')! }, raw: { grid: 48, n: 300, eps: 0.01, steps: 8 }, every: 2, out });
    const server = await serveReplay(out);
    let page: Page | null = null;
    try {
      page = await openViewer(browser, server.url);
      expect((await probe(page)).mode).toBe('replay');
      await waitFor(page, (s) => s.status?.paused === true && s.step === 8, 'playback to the end');
      expect(await page.textContent('[data-testid=companion-key]')).toContain('300 particles of the same free energy');
      expectNotBlank(await pixelStats(page), 'comparison replay');
      writeFileSync(join(ARTIFACTS, 'replay-compare.png'), await page.screenshot());
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
      await waitFor(page, (s) => s.status?.paused === true && s.step === 100, 'playback to the end');
      const slider = page.locator('[data-testid=timeline]');
      await slider.fill('0');
      await waitFor(page, (s) => s.step === 0, 'frame 0');
      await settled(page);
      const first = await pixelStats(page);
      expectNotBlank(first, 'grid replay, frame 0');
      await slider.fill('10');
      await waitFor(page, (s) => s.step === 100, 'the last frame');
      await settled(page);
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
      await waitFor(page, (s) => s.step === 30, 'the last frame written so far');
      expect(await page.locator('[data-testid=timeline]').getAttribute('max')).toBe('10');
      // The run goes on: the rest of the frames and records land, then it ends.
      for (let k = 11; k <= 20; k++) copyFileSync(join(full, frame(k)), join(partial, frame(k)));
      copyFileSync(join(full, 'metrics.jsonl'), join(partial, 'metrics.jsonl'));
      copyFileSync(join(full, 'summary.json'), join(partial, 'summary.json'));
      await waitFor(page, (s) => s.step === 60, 'playback to the new end');
      expect(await page.locator('[data-testid=timeline]').getAttribute('max')).toBe('20');
      await waitFor(page, (s) => s.status?.paused === true, 'the finished run to pause at its end');
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
