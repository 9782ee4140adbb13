import { EventEmitter } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../engine/core/npy.ts';
import { expectUsageError, readJsonFile, runCli, tempDir, waitFor } from '../cli-harness.ts';

/**
 * Messages and exit codes (issue #11): every bad input is one `wgf:` line naming what
 * was wrong, exit 2; a run that fails says why, exit 1.
 */

/** A user scene file: a 2D Gaussian cloud pulled to 0 by V = |x|²/2, with `body` spliced into build(). */
function sceneFile(dir: string, name: string, opts: { top?: string; build?: string } = {}): string {
  const path = join(dir, `${name}.ts`);
  writeFileSync(
    path,
    `import { defineScene, ParticleMeasure, particleSimulation, Potential, quadraticPotential, Rng, gaussianCloud } from 'wgflow';
${opts.top ?? ''}
export default defineScene({
  id: '${name}', title: '${name}', description: 'test scene',
  params: { n: { type: 'integer', default: 10, min: 1, description: 'n' }, steps: { type: 'integer', default: 6, min: 0, description: 's' }, seed: { type: 'integer', default: 0, min: 0, description: 'seed' } },
  build: (p) => {
    const sim = particleSimulation({ measure: new ParticleMeasure(gaussianCloud(new Rng(p.seed), p.n, 2, 1, 0.1), 2), energies: [new Potential(quadraticPotential())], dt: 0.1, seed: 0 });
    ${opts.build ?? ''}
    return sim;
  },
});
`,
  );
  return path;
}

describe('corrupted run directories on --resume and view --run', () => {
  const base = tempDir('corrupt');
  const dir = join(base, 'run');
  beforeAll(async () => {
    expect((await runCli(['run', 'aggregation-disk', '--set', 'n=20', '--steps', '4', '--checkpoint-every', '2', '--out', dir, '--quiet'])).code).toBe(0);
  });

  for (const file of ['scene.json', 'summary.json']) {
    for (const [what, text] of [['torn JSON', '{"status": "o'], ['not an object', '[1, 2]']] as const) {
      it(`${file}: ${what}`, async () => {
        const copy = join(base, `${file}-${what.replace(/ /g, '-')}`);
        expect((await runCli(['run', 'aggregation-disk', '--set', 'n=20', '--steps', '4', '--out', copy, '--quiet'])).code).toBe(0);
        writeFileSync(join(copy, file), text);
        const named = new RegExp(`^wgf: '${copy}/${file.replace('.', '\\.')}' is corrupted: `);
        expectUsageError(await runCli(['run', '--resume', copy, '--quiet']), named);
        expectUsageError(await runCli(['view', '--run', copy, '--port', '0']), named);
      });
    }
  }
});

describe('scene files that fail: exit 2, one line naming the file (run and view)', () => {
  const dir = tempDir('scene-files');
  const cases: [string, { top?: string; build?: string }, RegExp][] = [
    ['throws-at-import', { top: "throw new Error('no import today');" }, /throws when imported: no import today$/],
    ['throws-in-build', { build: "throw new Error('cannot build this');" }, /: build\(\) threw: cannot build this$/],
    ['throws-a-type-error', { build: '(undefined as any).x;' }, /: build\(\) threw: Cannot read properties of undefined/],
    ['returns-nothing', { build: 'return undefined as any;' }, /: build\(\) returned undefined, not a simulation/],
    ['returns-a-number', { build: 'return 42 as any;' }, /: build\(\) returned number, not a simulation/],
    ['returns-no-advance', { build: 'return { info: sim.info, measure: () => sim.measure() } as any;' }, /: build\(\) returned an object without advance, energy, metrics, frame, snapshot, restore, setInitial\(\), not a simulation/],
  ];
  for (const [name, body, message] of cases) {
    it(name, async () => {
      const file = sceneFile(dir, name, body);
      const named = new RegExp(`^wgf: scene file '${file}'.*`);
      for (const args of [['run', file, '--out', join(dir, `${name}-out`), '--quiet'], ['view', file, '--port', '0']]) {
        const r = await runCli(args);
        expectUsageError(r, named);
        expectUsageError(r, message);
      }
    });
  }
});

describe('exit codes and messages', () => {
  it('main() returns the exit code, leaves process.exitCode and process signals alone, and nothing carries over to the next call', async () => {
    const out = join(tempDir('no-leak'), 'run');
    const signals = new EventEmitter();
    const sigintListeners = process.listenerCount('SIGINT');
    const running = runCli(['run', 'aggregation-disk', '--set', 'n=20', '--steps', '1000000', '--out', out, '--quiet'], { signals });
    await waitFor(() => signals.listenerCount('SIGINT') > 0 && existsSync(join(out, 'metrics.jsonl')), 'the run to start');
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    signals.emit('SIGINT');
    expect((await running).code).toBe(130);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    expect(process.exitCode).toBeUndefined();
    const list = await runCli(['list']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
  });

  it('backtracking with Langevin noise is bad input (exit 2), not a crash', async () => {
    expectUsageError(await runCli(['run', 'fokker-planck', '--set', 'backtracking=true', '--set', 'entropy=langevin', '--out', join(tempDir('bt'), 'r'), '--quiet']), /^wgf: (scene 'fokker-planck': )?backtracking needs a deterministic flow/);
  });

  it("commander's own errors are one wgf: line, exit 2", async () => {
    expectUsageError(await runCli(['run', 'fokker-planck', '--stpes', '3']), /^wgf: unknown option '--stpes' \(did you mean --steps\?\)$/);
    expectUsageError(await runCli(['rnu']), /^wgf: unknown command 'rnu' \(did you mean run\?\)$/);
    expectUsageError(await runCli(['run', '--steps']), /^wgf: option '--steps <N>' argument missing$/);
    expectUsageError(await runCli(['ot', 'x.npy']), /^wgf: missing required argument 'y'$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wgf/);
  });

  it('--set refuses prototype keys and non-decimal numbers', async () => {
    for (const [set, message] of [
      ['constructor=1', /unknown parameter 'constructor' \(allowed: n, d, dt/],
      ['__proto__=1', /unknown parameter '__proto__'/],
      ['toString=1', /unknown parameter 'toString'/],
      ['n=0x10', /parameter 'n' must be an integer in \[1, 1000000\]; got '0x10'/],
    ] as const) {
      expectUsageError(await runCli(['run', 'fokker-planck', '--set', set, '--out', join(tempDir('set'), 'r'), '--quiet']), message);
    }
    expectUsageError(await runCli(['sweep', 'fokker-planck', '--grid', 'constructor=1,2', '--out', join(tempDir('grid'), 's'), '--quiet']), /--grid: unknown parameter 'constructor'/);
  });

  it('wgf ot with overflowing costs names the cause, not --eps', async () => {
    const dir = tempDir('ot');
    const cloud = (name: string, scale: number, n: number) => {
      const x = Float64Array.from({ length: 2 * n }, (_, i) => scale * Math.sin(1.7 * i + n));
      writeFileSync(join(dir, name), encodeNpy(x, [n, 2]));
      return join(dir, name);
    };
    const x = cloud('x.npy', 1, 20);
    const y = cloud('y.npy', 1, 30);
    const huge = cloud('huge.npy', 1e200, 20);
    for (const args of [[x, y, '--p', '1e9'], [huge, y], [huge, y, '--eps', '1'], [x, y, '--p', '1e9', '--method', 'sliced'], [x, y, '--p', '1e9', '--method', 'divergence']]) {
      const r = await runCli(['ot', ...args]);
      expectUsageError(r, /^wgf: the cost \|x−y\|\^p\/p (overflows|underflows) float64.*; rescale the coordinates or lower --p$/);
      expect(r.stderr).not.toMatch(/eps/);
    }
    const tiny = cloud('tiny.npy', 1e-3, 20);
    expectUsageError(await runCli(['ot', tiny, cloud('tiny2.npy', 1e-3, 30), '--p', '200', '--method', 'sliced']), /underflows float64 \(largest cost below 1e-300\)/);
  });

  it("a run whose step throws ends with status 'error' and the message (exit 1), and --resume retries it from its checkpoint", async () => {
    const dir = tempDir('throws');
    const file = sceneFile(dir, 'step-throws', { build: "const advance = sim.advance.bind(sim); let k = 0; sim.advance = () => { if (k === 4 && !(globalThis as any).wgfTestHealed) throw new Error('out of luck at 5'); k++; return advance(); };" });
    const out = join(dir, 'run');
    const r = await runCli(['run', file, '--every', '1', '--checkpoint-every', '2', '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error: 4 steps/);
    expectUsageError(r, /^wgf: step 5 failed: out of luck at 5$/, 1);
    const summary = readJsonFile(join(out, 'summary.json'));
    expect(summary).toMatchObject({ status: 'error', steps: 4, message: 'step 5 failed: out of luck at 5' });
    expect(readJsonFile(join(out, 'checkpoint.json')).step).toBe(4);
    (globalThis as any).wgfTestHealed = true;
    try {
      const again = await runCli(['run', '--resume', out, '--quiet']);
      expect(again.code, again.stderr).toBe(0);
      expect(readJsonFile(join(out, 'summary.json'))).toMatchObject({ status: 'ok', steps: 6 });
    } finally {
      delete (globalThis as any).wgfTestHealed;
    }
  });
});
