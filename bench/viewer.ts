/**
 * Viewer throughput (issue 3): frames/s delivered over loopback WebSocket and
 * frames/s received and drawn by headless Chromium (WebGL through SwiftShader,
 * i.e. on the CPU), for 10k and 100k particles and a 256² grid. Streams come
 * from O(n) synthetic scenes (viewer/synthetic/) so the viewer, not the
 * physics, sets the rate. Figures are printed, never asserted.
 */
import { WebSocket } from 'ws';
import { hasChromium, launchChromium, openViewer, probe, renderCost, waitFor } from '../viewer/scripts/browser.ts';
import { serveLive } from '../viewer/scripts/serve.ts';
import type { BenchRow, BenchSuite } from './harness.ts';

interface StreamCase {
  label: string;
  scene: string;
  raw: Record<string, number>;
  /** Bytes of state per frame (float32). */
  bytes: number;
}

const CASES: StreamCase[] = [
  { label: 'N=10000 d=2', scene: 'viewer/synthetic/rotating-cloud.ts', raw: { n: 10_000, d: 2 }, bytes: 10_000 * 2 * 4 },
  { label: 'N=100000 d=2', scene: 'viewer/synthetic/rotating-cloud.ts', raw: { n: 100_000, d: 2 }, bytes: 100_000 * 2 * 4 },
  { label: 'N=100000 d=3', scene: 'viewer/synthetic/rotating-cloud.ts', raw: { n: 100_000, d: 3 }, bytes: 100_000 * 3 * 4 },
  { label: 'grid 256x256', scene: 'viewer/synthetic/grid-scene.ts', raw: { dim: 2, grid: 256 }, bytes: 256 * 256 * 4 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Binary frames per second a Node WebSocket client receives, over `windowMs` after a 500 ms warm-up. */
async function loopbackFps(c: StreamCase, maxFps: number, windowMs: number): Promise<number> {
  const server = await serveLive(c.scene, { raw: c.raw, maxFps });
  try {
    const ws = new WebSocket(server.url.replace('http', 'ws') + 'ws');
    let frames = 0;
    ws.on('message', (_d, binary) => binary && frames++);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    await sleep(500);
    const f0 = frames, t0 = performance.now();
    await sleep(windowMs);
    const fps = ((frames - f0) * 1000) / (performance.now() - t0);
    ws.close();
    return fps;
  } finally {
    await server.close();
  }
}

/**
 * Frames/s received and drawn by the page (window.__wgf counters), after a 1 s
 * warm-up; then, paused, the cost of drawing one frame (with and without
 * re-uploading the buffers), which tells whether drawing is the limit.
 */
async function browserFps(c: StreamCase, windowMs: number): Promise<{ received: number; drawn: number; drawMs: number; uploadDrawMs: number }> {
  const server = await serveLive(c.scene, { raw: c.raw });
  const browser = await launchChromium();
  try {
    const page = await openViewer(browser, server.url, { width: 1280, height: 800 });
    await sleep(1000);
    const a = await probe(page), t0 = performance.now();
    await sleep(windowMs);
    const b = await probe(page), s = (performance.now() - t0) / 1000;
    await page.click('[data-testid=play]');
    await waitFor(page, (p) => p.status?.paused === true, 'pause');
    const cost = await renderCost(page, 10);
    return { received: (b.received - a.received) / s, drawn: (b.rendered - a.rendered) / s, drawMs: cost.draw, uploadDrawMs: cost.uploadAndDraw };
  } finally {
    await browser.close();
    await server.close();
  }
}

export const viewerSuite: BenchSuite = {
  name: 'viewer',
  description: 'wgf view: frames/s delivered on loopback and drawn in headless Chromium (10k, 100k particles; 256² grid)',
  async run({ quick }) {
    const windowMs = quick ? 1500 : 4000;
    const rows: BenchRow[] = [];
    for (const c of quick ? CASES.filter((k) => k.label !== 'N=100000 d=3') : CASES) {
      for (const [name, maxFps] of [['loopback (cap 60/s)', 60], ['loopback (uncapped)', 10_000]] as const) {
        const fps = await loopbackFps(c, maxFps, windowMs);
        rows.push({ suite: 'viewer', case: name, size: c.label, ours_ms: 1000 / fps, extra: { fps, MB_s: (fps * c.bytes) / 1e6 } });
      }
      if (!hasChromium()) {
        process.stderr.write('bench: viewer: no Chromium at /usr/bin/chromium; browser rows skipped\n');
        continue;
      }
      const r = await browserFps(c, windowMs);
      rows.push({ suite: 'viewer', case: 'chromium drawn', size: c.label, ours: 'swiftshader', ours_ms: 1000 / r.drawn, extra: { drawn_fps: r.drawn, received_fps: r.received } });
      rows.push({ suite: 'viewer', case: 'chromium draw cost', size: c.label, ours: 'swiftshader', ours_ms: r.drawMs, extra: { upload_and_draw_ms: r.uploadDrawMs, max_fps: 1000 / r.uploadDrawMs } });
    }
    return rows;
  },
};
