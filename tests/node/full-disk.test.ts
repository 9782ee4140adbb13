import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, WGF } from '../cli-harness.ts';

/**
 * A real full disk: `wgf` run (as a child process) with its output on a small tmpfs,
 * mounted in a private user and mount namespace (`unshare -rm`, no root needed where
 * user namespaces are allowed). Skipped where that is not possible; the same paths
 * are also tested at the node/files.ts seam (run-dir.test.ts), which runs everywhere.
 */
function canMountTmpfs(): boolean {
  const dir = tempDir('tmpfs-probe');
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${dir}'`], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

const SCRIPT = `
  set -u
  mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || exit 99
  "$@"
  echo "exit=$?"
  echo "--- files"
  find "$MNT" -type f | sort
  echo "--- index"
  cat "$MNT/out/index.jsonl" 2>/dev/null
  exit 0`;

/** Runs `node bin/wgf.mjs args…` (with `--out` under the tmpfs at MNT/out) on a tmpfs of `size`; stdout of the script, stderr of wgf. */
function onSmallDisk(size: string, args: (out: string) => string[]): Promise<{ code: number; stdout: string; stderr: string; files: string[] }> {
  const mnt = tempDir('tmpfs');
  const cmd = [process.execPath, WGF, ...args(`${mnt}/out`)];
  return new Promise((resolve, reject) => {
    const c = spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', SCRIPT, 'sh', ...cmd], { cwd: ROOT, env: { ...process.env, SIZE: size, MNT: mnt } });
    let out = '';
    let stderr = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', () => {
      const [stdout, rest = ''] = out.split(/^exit=/m);
      const code = Number(rest.split('\n')[0]);
      const files = (rest.split('--- files\n')[1] ?? '').split('--- index')[0].split('\n').filter(Boolean);
      resolve({ code, stdout: stdout + (rest.split('--- index\n')[1] ?? ''), stderr, files });
    });
  });
}

describe.skipIf(!canMountTmpfs())('a full disk (a 120 kB tmpfs)', () => {
  it('wgf sweep: runs fail with ENOSPC named, no temporary file is left, the summary is printed', async () => {
    const r = await onSmallDisk('120k', (out) => ['sweep', 'aggregation-disk', '--grid', 'seed=1,2,3,4,5,6', '--set', 'n=200', '--steps', '40', '--every', '2', '--checkpoint-every', '5', '--jobs', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^6 of 6 runs: \d+ ran, 0 resumed, 0 already done, [1-6] failed/m);
    expect(`${r.stderr}\n${r.stdout}`).toMatch(/cannot write '[^']*': no space left on device \(ENOSPC\)/);
    expect(r.files.length).toBeGreaterThan(0);
    expect(r.files.filter((f) => /\.tmp/.test(f))).toEqual([]);
  });

  it('wgf run: one line naming the file and ENOSPC, no temporary file left', async () => {
    const r = await onSmallDisk('64k', (out) => ['run', 'aggregation-disk', '--set', 'n=200', '--steps', '60', '--every', '1', '--checkpoint-every', '5', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^wgf: cannot write '[^']*': no space left on device \(ENOSPC\); the run stopped there and .* can be continued with wgf run --resume .* once this is fixed\n$/);
    expect(r.files.filter((f) => /\.tmp/.test(f))).toEqual([]);
  });
});
