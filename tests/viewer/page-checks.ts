/**
 * What the browser tests assert about a viewer page: the labels a reader needs
 * (axis ticks and names, colour bar, reference label, chart titles, ticks and
 * time axis) are in the page and on screen, and the layout keeps panels off the
 * picture. Shared by the live-server and static-site tests.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { resolveParams, type RawParams } from '../../engine/core/params.ts';
import { loadScene } from '../../cli/scene-loader.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';

/** What the page should show for a scene. */
export interface LabelExpectations {
  /** The scene's own reference label (sim.reference().label), or null when it has none. */
  reference: string | null;
  obstacles: boolean;
}

/** Builds the scene in this process to learn what the page should label. */
export async function expectationsFor(scene: string, raw: RawParams): Promise<LabelExpectations> {
  const { def } = await loadScene(scene);
  const sim = def.build(resolveParams(def.params, raw), { accelerator: referenceAccelerator() });
  return { reference: sim.reference()?.label ?? null, obstacles: sim.obstacles() !== undefined };
}

interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

/** What the page shows, read in one go (counts only what is displayed inside its region). */
async function readPage(page: Page) {
  return page.evaluate(() => {
    const rect = (el: Element | null): Rect | null => {
      if (!el || (el as HTMLElement).offsetParent === null) return null;
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
    };
    const stage = rect(document.getElementById('stage'))!;
    const within = (el: Element, box: Rect) => {
      const r = rect(el);
      return r !== null && r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    };
    const texts = (sel: string, box: Rect | null = null) =>
      Array.from(document.querySelectorAll(sel))
        .filter((el) => (box ? within(el, box) : rect(el) !== null))
        .map((el) => el.textContent ?? '');
    const chart = rect(document.getElementById('chart'));
    return {
      stage,
      hud: rect(document.getElementById('hud')),
      chart,
      side: rect(document.getElementById('side')),
      legend: rect(document.getElementById('legend')),
      apply: rect(document.querySelector('[data-testid=param-apply]')),
      viewport: { width: innerWidth, height: innerHeight, scrollWidth: document.documentElement.scrollWidth },
      axisTicks: texts('[data-testid=axis-tick]', stage),
      axisNames: texts('[data-testid=axis-name]', stage),
      colourLabel: texts('[data-testid=colour-label]'),
      colourTicks: texts('[data-testid=colour-bar-tick]'),
      referenceLabel: texts('[data-testid=reference-label]'),
      obstacleKey: texts('[data-testid=obstacle-key]'),
      chartTitles: texts('[data-testid=chart-title]', chart),
      chartTicks: texts('[data-testid=chart-tick]', chart),
      chartAxis: texts('[data-testid=chart-axis-label]', chart),
      gridMode: rect(document.querySelector('[data-testid=grid-mode]')) !== null,
      chartMenu: rect(document.querySelector('[data-testid=chart-metric]')) !== null,
    };
  });
}

/**
 * Asserts the labels of the picture and the chart. `what` names the case in
 * failure messages.
 */
export async function expectLabels(page: Page, e: LabelExpectations, what: string): Promise<void> {
  const p = await readPage(page);
  expect(p.axisTicks.length, `${what}: axis tick values on the picture (${p.axisTicks.join(' ')})`).toBeGreaterThanOrEqual(3);
  expect(p.axisTicks.every((t) => /^-?[\d.]+(e-?\d+)?$/.test(t)), `${what}: tick values are numbers: ${p.axisTicks.join(' ')}`).toBe(true);
  expect(p.axisNames.length, `${what}: axis names`).toBeGreaterThanOrEqual(1);
  expect(p.colourLabel, `${what}: colour bar label`).toEqual([expect.stringMatching(/^colour: \S/)]);
  expect(p.colourTicks.length, `${what}: colour bar ticks`).toBeGreaterThanOrEqual(2);
  if (e.reference) expect(p.referenceLabel, `${what}: reference label`).toEqual([e.reference]);
  else expect(p.referenceLabel, `${what}: no reference label`).toEqual([]);
  expect(p.obstacleKey.length, `${what}: obstacle key`).toBe(e.obstacles ? 1 : 0);
  expect(p.chartTitles[0], `${what}: energy chart`).toMatch(/^energy/);
  expect(p.chartTitles.length, `${what}: energy and one metric charted`).toBe(2);
  expect(p.chartTicks.length, `${what}: chart ticks`).toBeGreaterThanOrEqual(4);
  expect(p.chartAxis, `${what}: chart time axes`).toEqual(['t', 't']);
  expect(p.chartMenu, `${what}: chart menu`).toBe(true);
}

/**
 * Asserts the layout at a size: on wide screens the HUD, chart and side panel
 * sit beside the picture, never over it, and Apply is on screen without
 * scrolling; on a phone nothing is wider than the screen. `gridViews`: whether
 * the grid-view menu should be shown (2D and 3D grids only).
 */
export async function expectLayout(page: Page, wide: boolean, gridViews: boolean, what: string): Promise<void> {
  const p = await readPage(page);
  expect(p.gridMode, `${what}: grid view menu shown`).toBe(gridViews);
  expect(p.viewport.scrollWidth, `${what}: no horizontal overflow`).toBeLessThanOrEqual(p.viewport.width);
  expect(p.stage.width * p.stage.height, `${what}: picture area`).toBeGreaterThan(0.3 * p.viewport.width * Math.min(p.viewport.height, 844));
  if (!wide) return;
  expect(p.hud!.bottom, `${what}: HUD above the picture`).toBeLessThanOrEqual(p.stage.top + 1);
  expect(p.chart!.top, `${what}: chart below the picture`).toBeGreaterThanOrEqual(p.stage.bottom - 1);
  expect(p.side!.left, `${what}: side panel beside the picture`).toBeGreaterThanOrEqual(p.stage.right - 1);
  expect(p.apply!.bottom, `${what}: Apply on screen`).toBeLessThanOrEqual(p.viewport.height);
  expect(p.apply!.top, `${what}: Apply on screen`).toBeGreaterThanOrEqual(0);
  expect(p.legend!.right, `${what}: legend inside the picture`).toBeLessThanOrEqual(p.stage.right + 1);
}
