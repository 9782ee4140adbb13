/**
 * `npm run docs:bench`: runs `wgf bench --json` and writes its rows into
 * docs/benchmarks.md, one section per suite, with when, where and how loaded the
 * machine was. Only the generated sections change (between `<!-- suite:NAME -->` and
 * `<!-- /suite:NAME -->` markers inside `<!-- bench:begin -->` … `<!-- bench:end -->`);
 * the page's notes and its measurement log are kept. Re-measuring one suite
 * replaces that suite's section only.
 *
 *     npm run docs:bench                                  every suite (long: minutes to an hour)
 *     npm run docs:bench -- --suite grid,ot               these suites
 *     npm run docs:bench -- --quick --suite models        small sizes
 *     npm run docs:bench -- --from rows.json              rows saved from `wgf bench --json`
 *     npm run docs:bench -- --out /tmp/benchmarks.md      another page (a copy is made first)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../../bench/harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PAGE = fileURLToPath(new URL('../benchmarks.md', import.meta.url));
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** Where and when the rows were measured. */
export interface Conditions {
  date: string;
  command: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average before and after the benchmark (> cores: a shared machine); null when unknown (rows from a file). */
  load: [number, number] | null;
  node: string;
}

export function machineNow(command: string, loadBefore: number | null): Conditions {
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    command,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    load: loadBefore === null ? null : [loadBefore, loadavg()[0]],
    node: process.version,
  };
}

/** Integers as they are; otherwise three significant digits (ms ≥ 100 without decimals). */
export function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

function extraText(extra: BenchRow['extra']): string {
  if (!extra) return '';
  return Object.entries(extra).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join(', ');
}

/** One suite's section: its conditions line and a table of its rows. */
export function renderSuite(suite: string, rows: readonly BenchRow[], c: Conditions): string {
  const shared = c.load !== null && (c.load[0] > c.cores * 0.75 || c.load[1] > c.cores * 0.75);
  const load = c.load ? `load average ${c.load[0].toFixed(1)} before, ${c.load[1].toFixed(1)} after` : 'load average not recorded';
  const lines = [
    `<!-- suite:${suite} -->`,
    `### ${suite}`,
    '',
    `Measured ${c.date} with \`${c.command}\` on ${c.cpu} (${c.cores} cores, ${c.memoryGiB} GiB), Node ${c.node}; ` +
      `${load}${shared ? ' — **a shared machine: read the same-run ratios, not the times**' : ''}.`,
    '',
    '| case | size | ours | ms | peer | peer ms | peer / ours | more |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.case} | ${r.size} | ${r.ours ?? ''} | ${fmt(r.ours_ms)} | ${r.peer ?? ''} | ${fmt(r.peer_ms)} | ${r.speedup === undefined ? '' : `${fmt(r.speedup)}×`} | ${extraText(r.extra).replace(/\|/g, '\\|')} |`),
    `<!-- /suite:${suite} -->`,
  ];
  return lines.join('\n');
}

/**
 * The page with the sections of `bySuite` replaced (or appended, in the order given)
 * between the bench markers; everything outside the markers is kept.
 */
export function updatePage(page: string, bySuite: ReadonlyMap<string, string>): string {
  const b = page.indexOf(BEGIN);
  const e = page.indexOf(END);
  if (b < 0 || e < b) throw new Error(`docs:bench: the page has no ${BEGIN} … ${END} region`);
  let region = page.slice(b + BEGIN.length, e);
  for (const [suite, section] of bySuite) {
    const re = new RegExp(`<!-- suite:${suite} -->[\\s\\S]*?<!-- /suite:${suite} -->`);
    region = re.test(region) ? region.replace(re, () => section) : `${region.trimEnd()}\n\n${section}\n`;
  }
  return page.slice(0, b + BEGIN.length) + `\n${region.trim()}\n` + page.slice(e);
}

/** Groups rows by suite, keeping the order in which suites first appear. */
export function groupBySuite(rows: readonly BenchRow[]): Map<string, BenchRow[]> {
  const out = new Map<string, BenchRow[]>();
  for (const r of rows) out.set(r.suite, [...(out.get(r.suite) ?? []), r]);
  return out;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The script: `argv` as after `npm run docs:bench --`; returns the exit code. */
export async function benchPage(argv: string[]): Promise<number> {
  const from = arg(argv, '--from');
  const out = arg(argv, '--out') ?? PAGE;
  const quick = argv.includes('--quick');
  const suite = arg(argv, '--suite');
  let rows: BenchRow[];
  let command: string;
  const loadBefore = loadavg()[0];
  if (from) {
    rows = JSON.parse(readFileSync(from, 'utf8'));
    command = `wgf bench --json (rows from ${from})`;
  } else {
    const args = ['bench', '--json', ...(quick ? ['--quick'] : []), ...(suite ? ['--suite', suite] : [])];
    command = `wgf ${args.join(' ')}`;
    process.stderr.write(`docs:bench: ${command}\n`);
    const r = spawnSync(process.execPath, [`${ROOT}bin/wgf.mjs`, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      process.stderr.write(`docs:bench: wgf bench exited ${r.status}\n`);
      return r.status ?? 1;
    }
    rows = JSON.parse(r.stdout);
  }
  if (!Array.isArray(rows) || rows.length === 0) {
    process.stderr.write('docs:bench: no benchmark rows\n');
    return 1;
  }
  const c = machineNow(command, from ? null : loadBefore);
  const sections = new Map([...groupBySuite(rows)].map(([s, rs]) => [s, renderSuite(s, rs, c)]));
  if (out !== PAGE && !existsSync(out)) copyFileSync(PAGE, out);
  writeFileSync(out, updatePage(readFileSync(out, 'utf8'), sections));
  process.stderr.write(`docs:bench: ${rows.length} rows of ${[...sections.keys()].join(', ')} written to ${out}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await benchPage(process.argv.slice(2));
