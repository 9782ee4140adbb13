import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import * as engine from '../engine/index.ts';
import { resolveParams, type ParticleEnergy } from '../engine/index.ts';
import { totalVelocity } from '../engine/particles/energy.ts';
import { buildProgram, main } from '../cli/main.ts';
import { loadScene, loadSceneFile } from '../cli/scene-loader.ts';
import { catalogue } from '../scenes/index.ts';
import { galleryCase, galleryTable } from '../viewer/scripts/gallery.ts';
import { benchPage, groupBySuite, renderSuite, updatePage } from '../docs/tools/bench-page.ts';
import { ROOT, runCli, runProcess, tempDir } from './cli-harness.ts';

/**
 * The README and docs/ stay true: every command in a `sh` block runs here (with fewer
 * steps) or is listed with the test or CI job that runs it; every `wgf` flag in them is
 * one the CLI knows, every `--set` a parameter of its scene; the scene files shown are the
 * examples byte for byte; the code's `docs/design.md §x` citations point at sections that
 * exist; relative links resolve. A renamed flag, parameter, file or section fails here.
 */

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');

interface Block { page: string; lang: string; body: string; marker: string | null }

/** Fenced code blocks, with the HTML comment on the line before (a marker such as `file: X`). */
function blocks(page: string): Block[] {
  const out: Block[] = [];
  const lines = text(page).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') j++;
    const marker = /^<!-- (.*) -->$/.exec(lines[start - 1] ?? '')?.[1] ?? null;
    out.push({ page, lang: open[1], body: lines.slice(start + 1, j).join('\n') + '\n', marker });
    i = j;
  }
  return out;
}

/** The commands of `sh` blocks, in page order: lines without their comments, split at `&&`. */
function commands(page: string): string[] {
  const out: string[] = [];
  for (const b of blocks(page).filter((b) => b.lang === 'sh')) {
    for (const raw of b.body.split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim();
      if (line) out.push(...line.split('&&').map((c) => c.trim()));
    }
  }
  return out;
}

/** `npx wgf …` and `wgf …` as argument lists (docs' wgf commands have no quoting). */
function wgfArgs(cmd: string): string[] | null {
  const m = /^(?:npx )?wgf(?: (.*))?$/.exec(cmd);
  if (!m) return null;
  expect(cmd, 'wgf commands in the docs use no quotes').not.toMatch(/["']/);
  return (m[1] ?? '').split(/\s+/).filter(Boolean);
}

const START = JSON.parse(text('package.json')).scripts.start as string;

/** How each command of the docs is checked: run here, or where it runs instead. */
type How = { run: 'wgf' | 'view' | 'python' | 'docs:bench' } | { elsewhere: string };
function how(cmd: string): How {
  if (cmd === 'npm install') return { elsewhere: '.ci/run (npm ci)' };
  if (cmd === 'npm test') return { elsewhere: '.ci/run' };
  if (cmd === 'npm start') return { run: 'view' };
  if (cmd === 'npm run build') return { elsewhere: 'tests/viewer/static-site.test.ts (buildStaticSite, the script behind npm run build)' };
  if (cmd === 'npm run gallery') return { elsewhere: 'tests/viewer/browser.test.ts shoots the same cases; the gallery table is checked below' };
  if (cmd === 'npm run docs:api') return { elsewhere: 'tests/api-docs.test.ts (the same TypeDoc run, without writing HTML)' };
  if (cmd === 'npm run docs:bench') return { run: 'docs:bench' };
  if (cmd.startsWith('python3 ')) return { run: 'python' };
  const args = wgfArgs(cmd);
  if (args) return { run: args[0] === 'view' ? 'view' : 'wgf' };
  throw new Error(`docs command '${cmd}' is neither run by tests/docs.test.ts nor listed with the test that runs it`);
}

const program = buildProgram({ io: { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, signals: { on() {}, off() {} } }, exitCode: 0 });
const GLOBAL = ['--debug', '--help', '--version', '-h', '-V'];
function sub(name: string): Command {
  const c = program.commands.find((c) => c.name() === name);
  if (!c) throw new Error(`'wgf ${name}' is not a wgf command (commands: ${program.commands.map((c) => c.name()).join(', ')})`);
  return c;
}
const optionOf = (c: Command, flag: string): Option | undefined => c.options.find((o) => o.long === flag || o.short === flag);

/**
 * Checks a wgf command against the CLI: the command, its flags, and the scene's
 * parameters named by --set/--grid. Returns the positional arguments.
 */
async function checkWgf(args: string[]): Promise<void> {
  const c = sub(args[0]);
  const positional: string[] = [];
  const sets: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    const flag = a.split('=')[0];
    if (GLOBAL.includes(flag)) continue;
    const o = optionOf(c, flag);
    expect(o, `wgf ${args[0]} has no option ${flag}`).toBeDefined();
    if (o!.required && !a.includes('=')) {
      const v = args[++i];
      if (flag === '--set' || flag === '--grid') sets.push(v);
    }
  }
  if (['run', 'view', 'sweep'].includes(args[0]) && positional[0]) {
    const { def } = await loadScene(existsSync(join(ROOT, positional[0])) ? join(ROOT, positional[0]) : positional[0]);
    const raw = Object.fromEntries(sets.map((s) => [s.split('=')[0], s.split('=')[1].split(',')[0]]));
    expect(() => resolveParams(def.params, raw), `${args.join(' ')}`).not.toThrow();
  }
}

/** The command as run here: fewer steps (at most 3, `--steps 0` kept), quiet, a free port. */
function shortened(args: string[]): string[] {
  const a = [...args];
  if (['run', 'sweep'].includes(a[0]) && !a.includes('--resume') && !a.includes('--merge') && !a.includes('--help-params')) {
    const i = a.indexOf('--steps');
    if (i >= 0) a[i + 1] = String(Math.min(Number(a[i + 1]), 3));
    else a.push('--steps', '3');
    a.push('--quiet');
  }
  if (a[0] === 'sweep' && !a.includes('--merge')) a.push('--jobs', '1');
  if (a[0] === 'bench') {
    expect(a, 'the docs run a quick benchmark suite').toEqual(expect.arrayContaining(['--quick', '--suite']));
    if (!a.includes('--json')) a.push('--json'); // its rows feed npm run docs:bench below
  }
  if (a[0] === 'view') {
    for (const flag of ['--port', '--host']) {
      const i = a.indexOf(flag);
      if (i >= 0) a.splice(i, 2);
    }
    a.push('--port', '0', '--host', '127.0.0.1');
  }
  return a;
}

/** Runs `fn` with `dir` as the working directory, as a user's shell would (relative paths, the default `runs/`). */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

const URL_LINE = /(http:\/\/127\.0\.0\.1:\d+\/)/;

/**
 * `wgf view …` in process: waits for the URL it prints (an event; the test's own timeout
 * only fails a hung start), fetches the page, then stops it as Ctrl-C would.
 */
async function runView(args: string[]): Promise<void> {
  const signals = new EventEmitter();
  let out = '';
  let err = '';
  let onUrl: (url: string) => void = () => {};
  const url = new Promise<string>((r) => (onUrl = r));
  const io = {
    stdout: {
      write: (c: string) => {
        out += c;
        const m = URL_LINE.exec(out);
        if (m) onUrl(m[1]);
        return true;
      },
    },
    stderr: { write: (c: string) => ((err += c), true) },
    env: {},
    signals,
  };
  const done = main(args, io);
  const first = await Promise.race([url, done.then((code) => ({ code }))]);
  if (typeof first !== 'string') throw new Error(`wgf ${args.join(' ')} exited ${first.code} before serving: ${err}`);
  try {
    const page = await fetch(first);
    expect(page.status, `GET ${first}`).toBe(200);
  } finally {
    signals.emit('SIGINT');
    expect(await done, `wgf ${args.join(' ')}: ${err}`).toBe(0);
  }
}

describe('README front page', () => {
  const readme = text('README.md');

  it('starts with the two commands for a fresh machine and stays a front page', () => {
    expect(blocks('README.md')[0].body).toBe('npm install && npm start\nnpm install && npm test\n');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  it('shows every catalogue scene in the gallery, as npm run gallery prints it, and each picture exists', () => {
    const ids = catalogue.map((s) => s.id);
    expect(ids).toHaveLength(14);
    ids.forEach((id) => galleryCase(id)); // each has a browser-test case and a caption
    expect(readme).toContain(galleryTable(ids));
    for (const id of ids) expect(existsSync(join(ROOT, `viewer/gallery/${id}.png`)), `viewer/gallery/${id}.png`).toBe(true);
  });
});

describe('scene files shown in the docs are the examples, byte for byte', () => {
  it('README shows examples/morse-flock.ts', () => {
    const shown = blocks('README.md').filter((b) => b.lang === 'ts');
    expect(shown).toHaveLength(1);
    expect(shown[0].body).toBe(text('examples/morse-flock.ts'));
  });

  it('every <!-- file: X --> block in docs/ equals X', () => {
    const marked = PAGES.flatMap(blocks).filter((b) => b.marker?.startsWith('file: '));
    expect(marked.length).toBeGreaterThanOrEqual(3);
    for (const b of marked) expect(b.body, `${b.page}: ${b.marker}`).toBe(text(b.marker!.slice(6)));
  });
});

describe('code snippets in docs/scenes.md run against the engine', () => {
  const snippets = blocks('docs/scenes.md');

  it('every energy in the energies list builds and gives a finite velocity', () => {
    const list = snippets.find((b) => b.body.includes('new Potential(quadraticPotential(1))'))!;
    expect(list).toBeDefined();
    const names = Object.keys(engine);
    const values = Object.values(engine);
    const m = new engine.ParticleMeasure(engine.gaussianCloud(new engine.Rng(1), 20, 2, 0, 1), 2);
    let count = 0;
    for (const line of list.body.split('\n')) {
      const expr = line.replace(/\s\/\/.*$/, '').trim();
      if (!expr) continue;
      const e = new Function(...names, `return (${expr});`)(...values) as ParticleEnergy;
      const v = totalVelocity([e], m, new Float64Array(40));
      expect(v.every(Number.isFinite), expr).toBe(true);
      expect(Number.isFinite(e.value(m)), expr).toBe(true);
      count++;
    }
    expect(count).toBeGreaterThanOrEqual(8);
  });

  it('the token snippet is a working build body', async () => {
    const body = snippets.find((b) => b.body.includes('tokenSimulation({'))!.body;
    const dir = tempDir('snippet');
    const file = join(dir, 'tokens.ts');
    writeFileSync(file, [
      "import { defineScene, makeAttentionWeights, Rng, tokenSimulation, uniformSphere } from 'wgflow';",
      'export default defineScene({ id: "snippet", title: "t", description: "d", params: {',
      '  n: { type: "integer", default: 40, description: "n" }, beta: { type: "number", default: 1, description: "b" },',
      '  dt: { type: "number", default: 0.1, description: "dt" }, steps: { type: "integer", default: 2, description: "s" },',
      '  seed: { type: "integer", default: 0, description: "s" } },',
      `  build(p, ctx) {\n${body}  },\n});\n`,
    ].join('\n'));
    const { def } = await loadSceneFile(file);
    const accelerator = engine.referenceAccelerator();
    const sim = def.build(resolveParams(def.params, {}), { accelerator });
    // The snippet hands ctx.accelerator to the factory: its attention loop is bound (and recorded).
    expect(Object.keys(accelerator.loops).length, 'loops bound to ctx.accelerator').toBeGreaterThan(0);
    sim.advance();
    expect(sim.info.shape).toEqual([40, 3]);
    expect(Array.from(sim.measure()).every(Number.isFinite)).toBe(true);
  });
});

describe('links and citations resolve', () => {
  const slug = (h: string) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
  const anchors = (page: string) => new Set(text(page).split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

  it('relative links in README and docs/ point at files (and headings) that exist', () => {
    for (const page of PAGES) {
      const base = page.includes('/') ? page.slice(0, page.lastIndexOf('/')) : '.';
      for (const [, target] of text(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path ? resolve(ROOT, base, path) : join(ROOT, page);
        expect(existsSync(file), `${page} links to ${target}`).toBe(true);
        if (anchor && file.endsWith('.md')) expect(anchors(file.slice(ROOT.length)), `${page} links to ${target}`).toContain(anchor);
      }
    }
  });

  it('every docs/design.md §x cited in the code is a section of docs/design.md', () => {
    const sections = new Set(text('docs/design.md').split('\n').map((l) => /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(l)?.[1]).filter(Boolean));
    const r = spawnSync('git', ['grep', '-ohE', 'docs/design\\.md §[0-9]+(\\.[0-9]+)?', '--', '*.ts', '*.mjs', '*.md'], { cwd: ROOT, encoding: 'utf8' });
    const cited = new Set(r.stdout.trim().split('\n').filter(Boolean).map((s) => s.replace('docs/design.md §', '')));
    expect(cited.size).toBeGreaterThanOrEqual(8);
    for (const s of cited) expect(sections, `docs/design.md §${s}`).toContain(s);
  });
});

describe('docs:bench rewrites only the suites it measured', () => {
  const c = { date: 'D', command: 'wgf bench', cpu: 'CPU', cores: 2, memoryGiB: 8, load: [3, 3] as [number, number], node: 'v20' };
  const row = (suite: string, ms: number) => ({ suite, case: 'step', size: 'n=1', ours_ms: ms, ours: 'ts', peer: 'numpy', peer_ms: 2 * ms, speedup: 2 });
  const page = '# B\n\nintro\n\n<!-- bench:begin -->\n<!-- bench:end -->\n\n## Notes\n\nkept\n';

  it('appends, then replaces one suite and keeps the others and the notes', () => {
    const once = updatePage(page, new Map([...groupBySuite([row('a', 1), row('b', 5)])].map(([s, r]) => [s, renderSuite(s, r, c)])));
    expect(once).toMatch(/### a[\s\S]*\| step \| n=1 \| ts \| 1 \| numpy \| 2 \| 2× \|[\s\S]*### b/);
    expect(once).toContain('a shared machine');
    const twice = updatePage(once, new Map([['a', renderSuite('a', [row('a', 7)], c)]]));
    expect(twice).toContain('| 7 | numpy | 14 |');
    expect(twice).not.toContain('| 1 | numpy | 2 |');
    expect(twice).toContain('| 5 | numpy | 10 |');
    expect(twice.endsWith('## Notes\n\nkept\n')).toBe(true);
  });
});

describe('flags and parameters named in the prose exist', () => {
  // Flags of npm run docs:bench (docs/tools/bench-page.ts), named in benchmarks.md.
  const BENCH_PAGE = ['--from', '--out', '--quick', '--suite'];

  it('every `--flag` in README.md and docs/ is an option of a wgf command (or of docs:bench)', () => {
    const known = new Set([...GLOBAL, ...BENCH_PAGE, ...program.commands.flatMap((c) => c.options.map((o) => o.long!))]);
    const named = new Set(PAGES.flatMap((page) => [...text(page).matchAll(/`(--[a-z][a-z-]*)/g)].map((m) => m[1])));
    expect(named.size).toBeGreaterThan(20);
    expect([...named].filter((f) => !known.has(f))).toEqual([]);
  });

  it('every `--set name=` in the prose is a parameter of a catalogue scene', () => {
    const params = new Set(catalogue.flatMap((s) => Object.keys(s.params)));
    const named = new Set(PAGES.flatMap((page) => [...text(page).matchAll(/`--set ([a-z_]+)=/g)].map((m) => m[1])).filter((k) => k !== 'k'));
    expect(named.size).toBeGreaterThanOrEqual(4);
    expect([...named].filter((k) => !params.has(k))).toEqual([]);
  });
});

describe('every command in README.md and docs/ runs', () => {
  const all = PAGES.flatMap((page) => commands(page).map((cmd) => ({ page, cmd })));

  it('is run here or listed with the test that runs it, and every wgf flag and --set exists', async () => {
    expect(all.length).toBeGreaterThan(20);
    const elsewhere: string[] = [];
    for (const { page, cmd } of all) {
      const h = how(cmd);
      if ('elsewhere' in h) elsewhere.push(`${page}: ${cmd} — ${h.elsewhere}`);
      const args = cmd === 'npm start' ? wgfArgs(START.replace('node bin/wgf.mjs', 'wgf')) : wgfArgs(cmd);
      if (args) await checkWgf(args);
    }
    process.stderr.write(`docs commands run elsewhere:\n  ${elsewhere.join('\n  ')}\n`);
  });

  it('runs them in page order in one directory, in process (fewer steps; views are opened and stopped)', async () => {
    const cwd = tempDir('docs');
    symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
    mkdirSync(join(cwd, 'runs'));
    const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
    if (!hasNumpy) {
      // What the docs' python3 line writes, for the wgf ot commands after it.
      const r = new engine.Rng(0);
      writeFileSync(join(cwd, 'x.npy'), engine.encodeNpy(Float64Array.from({ length: 1000 }, () => r.uniform()), [500, 2]));
      writeFileSync(join(cwd, 'y.npy'), engine.encodeNpy(Float64Array.from({ length: 800 }, () => r.uniform() + 0.5), [400, 2]));
    }
    let benchRows: string | null = null;
    const seen = new Set<string>();
    let ran = 0;
    await inDir(cwd, async () => {
      for (const { page, cmd } of all) {
        const h = how(cmd);
        if ('elsewhere' in h || seen.has(cmd)) continue; // a command shown on two pages runs once
        seen.add(cmd);
        const what = `${page}: ${cmd}`;
        if (h.run === 'python') {
          if (!hasNumpy) continue;
          const r = await runProcess('bash', ['-c', cmd.replace(/^python3 /, '/usr/bin/python3 ')], { cwd });
          expect(r.code, `${what}\n${r.stderr}`).toBe(0);
        } else if (h.run === 'docs:bench') {
          // The page generator on the rows of the docs' own `wgf bench` command, run before it.
          expect(benchRows, 'a wgf bench command comes before npm run docs:bench').not.toBeNull();
          writeFileSync(join(cwd, 'rows.json'), benchRows!);
          const out = join(cwd, 'benchmarks.md');
          expect(await benchPage(['--from', join(cwd, 'rows.json'), '--out', out]), what).toBe(0);
          expect(readFileSync(out, 'utf8')).toMatch(/<!-- suite:models -->[\s\S]*\| tokens softmax rk4 step \|/);
        } else {
          const args = shortened(cmd === 'npm start' ? wgfArgs(START.replace('node bin/wgf.mjs', 'wgf'))! : wgfArgs(cmd)!);
          if (h.run === 'view') await runView(args);
          else {
            const r = await runCli(args);
            expect(r.code, `${what} (ran: wgf ${args.join(' ')})\n${r.stderr}`).toBe(0);
            if (args[0] === 'bench') benchRows = r.stdout;
          }
        }
        ran++;
      }
    });
    expect(ran).toBeGreaterThan(15);
    // What the commands wrote, where the docs say they write it.
    expect(readdirSync(join(cwd, 'runs')).some((d) => d.startsWith('aggregation-disk-')), 'wgf run without --out writes runs/<scene>-<time>').toBe(true);
    if (hasNumpy) for (const f of ['duals/f.npy', 'duals/g.npy', 'plan.npy', 'map.npy']) expect(existsSync(join(cwd, f)), f).toBe(true);
  });
});
