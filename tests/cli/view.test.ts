import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exitOf, runCli as wgf, spawnCli, tempDir } from '../cli-harness.ts';

/**
 * `wgf view` on the command line: refusals and the run-time warning in process
 * (`main(argv, io)`); serving and stopping on SIGTERM as a real `bin/wgf.mjs` child
 * (the process and its signal handling are the point there).
 */
describe('wgf view (command line)', () => {
  it.each([
    [['view', 'no-such-scene'], /^wgf: unknown scene 'no-such-scene' \(catalogue: fokker-planck, /],
    [['view', '--port', 'abc'], /^wgf: --port must be an integer in \[0, 65535\]; got 'abc'$/],
    [['view', 'fokker-planck', '--set', 'n=-1'], /^wgf: parameter 'n' must be an integer in \[1, 1000000\]; got '-1'$/],
    [['view', '--run', '/nonexistent/run'], /^wgf: --run '\/nonexistent\/run' is not a directory$/],
    [['view', '--run', '.'], /^wgf: --run '\.' holds no scene\.json/],
    [['view', 'transformer-tokens', '--set', 'd=1'], /^wgf: parameter 'd' must be at least 2 with sphere=true/],
    [['view', '--backend', 'cuda'], /^wgf: unknown --backend 'cuda' \(allowed: ts, gpu, auto\)$/],
    // Issue #11: in range but enormous, refused from the scene's estimate before anything is built.
    [['view', 'aggregation-disk', '--set', 'n=1000000', '--set', 'interaction=direct'], /^wgf: aggregation-disk with n=1000000, interaction=direct needs about 2\.4e13 operations per step \(limit 1\.0e11\) \[.*\]; choose smaller values or raise --max-work$/],
    [['view', 'mlp-mean-field', '--set', 'train=10000000', '--set', 'd=100'], /^wgf: mlp-mean-field with d=100, train=10000000 needs about 19\.\d GiB of memory \(limit 2\.00 GiB\) and .*raise --max-memory and --max-work$/],
    [['view', 'grid-fokker-planck', '--set', 'grid=1024', '--max-memory', '64MiB'], /^wgf: grid-fokker-planck with grid=1024 needs about 160 MiB of memory \(limit 64\.0 MiB\)/],
    [['view', '--max-memory', 'lots'], /^wgf: --max-memory must be a positive size such as 2GiB or 512MiB; got 'lots'$/],
    [['view', '--max-work', '-1'], /^wgf: --max-work must be a positive number such as 1e11; got '-1'$/],
    [['view', '--stream-rate', '0'], /^wgf: --stream-rate must be a positive size per second such as 32MiB; got '0'$/],
  ])('%j fails with one line and exit code 2', async (args, message) => {
    const r = await wgf(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('wgf run warns (on stderr, without refusing) about the sizes the viewer would refuse', async () => {
    const out = tempDir('run-warn');
    const r = await wgf(['run', 'tests/viewer/fixtures/gated-scene.ts', '--set', 'bytes=1e12', '--steps', '1', '--out', join(out, 'run'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^wgf: warning: gated with bytes=1000000000000 needs about 931 GiB of memory \(limit 2\.00 GiB\)/m);
  });

  it('refuses a port in use with one line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await wgf(['view', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`wgf: port ${port} is in use (choose another with --port, or --port 0 for any free port)`);
    } finally {
      blocker.close();
    }
  });

  it('serves the default scene on 127.0.0.1, prints the URL and stops cleanly on SIGTERM', async () => {
    const child = spawnCli(['view', '--port', '0', '--set', 'n=50']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`wgf view exited with ${code}`)));
      });
      expect(line).toMatch(/^wgf view \(live: fokker-planck\) at http:\/\/127\.0\.0\.1:\d+\/$/);
      const url = line.split(' at ')[1];
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="stage">');
      expect((await fetch(url + 'app.js')).headers.get('content-type')).toMatch(/javascript/);
      expect((await fetch(url + 'nothing-here')).status).toBe(404);
    } finally {
      const exited = exitOf(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
