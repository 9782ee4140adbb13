import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';

const WGF = ['bin/wgf.mjs'];

function wgf(args: string[]) {
  const r = spawnSync(process.execPath, [...WGF, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('wgf view (command line)', () => {
  it.each([
    [['view', 'no-such-scene'], /^wgf: unknown scene 'no-such-scene' \(catalogue: fokker-planck, /],
    [['view', '--port', 'abc'], /^wgf: --port must be an integer in \[0, 65535\]; got 'abc'$/],
    [['view', 'fokker-planck', '--set', 'n=-1'], /^wgf: parameter 'n' must be an integer in \[1, 1000000\]; got '-1'$/],
    [['view', '--run', '/nonexistent/run'], /^wgf: --run '\/nonexistent\/run' is not a directory$/],
    [['view', '--run', '.'], /^wgf: --run '\.' holds no scene\.json/],
    [['view', 'transformer-tokens', '--set', 'd=1'], /^wgf: parameter 'd' must be at least 2 with sphere=true/],
    [['view', '--backend', 'cuda'], /^wgf: unknown --backend 'cuda' \(allowed: ts, gpu, auto\)$/],
  ])('%j fails with one line and exit code 2', (args, message) => {
    const r = wgf(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('refuses a port in use with one line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = wgf(['view', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`wgf: port ${port} is in use (choose another with --port, or --port 0 for any free port)`);
    } finally {
      blocker.close();
    }
  });

  it('serves the default scene on 127.0.0.1, prints the URL and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [...WGF, 'view', '--port', '0', '--set', 'n=50'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
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
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
