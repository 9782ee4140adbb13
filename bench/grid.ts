import { readdirSync, readFileSync } from 'node:fs';
import { Grid, GridGibbsGeometry, Rng } from '../engine/index.ts';
import { ConvolutionalGibbsKernel } from '../engine/grid/gibbs-kernel.ts';
import { exactJkoRows } from './grid-exact.ts';
import { createNodeAccelerator } from '../node/backend/node-accelerator.ts';
import { median, pythonHas, startPeer, timeIt, type BenchRow, type BenchSuite, type PeerServer } from './harness.ts';

/**
 * One Sinkhorn iteration on an n×n grid over [0, 1]² (kernel applied both ways plus
 * the two scaling divisions), in three forms of ours — plain separable passes (each axis
 * truncated convolution, dense banded product or low-rank product by the rules,
 * gibbs-kernel.ts denseAxis and lowRankAxis; `passes` and `rank` in extra),
 * log-domain by shifted plain passes (the form the JKO loop uses when the range allows),
 * log-domain by block-shifted LSE (exact for any range) — against numpy's dense separable
 * iteration (K B Kᵀ by BLAS) and POT's convolutional_barycenter2d per iteration. Two
 * regimes: ε = 0.01 (wide kernel: the low-rank passes from 128², dense below; the
 * truncated ones beside them for comparison) and the JKO-typical ε = h²/2 of the grid scenes (kernel half-width 5
 * cells at δ = 1e−12: the truncated passes).
 *
 * The plain iteration and numpy's are timed INTERLEAVED (interleave below): numpy runs as a
 * server (`peers/grid_sinkhorn.py --serve`, harness.ts startPeer) and the two sides run
 * blocks of k iterations in turn, each idle while the other runs, so that the slow phases of
 * a shared machine hit both; the `ts-plain` row's ours_ms and peer_ms are the medians of the
 * blocks' per-iteration times, speedup their ratio. The log forms are timed alone after it
 * and set against the same numpy median. WGF_BENCH_GRID_SIZES=128,256 runs these rows alone at
 * these sizes.
 */
export const gridSuite: BenchSuite = {
  name: 'grid',
  description: 'grid Sinkhorn iteration (convolutional Gibbs kernel): plain / log forms vs numpy dense and POT; exact (back-and-forth) vs entropic JKO step',
  async run({ quick }) {
    // WGF_BENCH_GRID_SIZES=128,256 re-measures the Sinkhorn-iteration rows alone at these sizes (no exact-JKO rows).
    const only = process.env.WGF_BENCH_GRID_SIZES?.split(',').map(Number);
    const rows = await sinkhornIterationRows(only ?? (quick ? [128, 256] : [128, 256, 512]));
    if (!only) rows.push(...exactJkoRows(quick));
    return rows;
  },
};

/** Runs `fn` until `ms` have passed (at least once). */
function warmUp(fn: () => void, ms: number): void {
  const start = performance.now();
  do fn();
  while (performance.now() - start < ms);
}

/** What interleave measured: medians of per-iteration times over the rounds' blocks, and their spread. */
export interface Interleaved {
  /** Median over the rounds of our block's time per iteration (ms). */
  oursMs: number;
  /** Median over the rounds of the peer's block's time per iteration (ms, as the peer timed it). */
  peerMs: number;
  rounds: number;
  /** Iterations per block (both sides). */
  k: number;
  /** peer / ours per iteration within each round, in round order. */
  ratios: number[];
  /**
   * The peer process's CPU (all its threads) during our blocks, in cores (1: one core busy
   * throughout, e.g. a BLAS worker spinning); null where /proc/<pid>/task/<tid>/schedstat is
   * not readable (not Linux).
   */
  peerCpuInOurs: number | null;
  /** Our process's CPU (all threads) during the peer's blocks, in cores (process.cpuUsage). */
  oursCpuInPeer: number;
}

/** Options of interleave: the defaults are the suite's. */
export interface InterleaveOptions {
  /** Target length of one of our blocks (k from `aloneMs`). */
  blockMs?: number;
  minRounds?: number;
  maxRounds?: number;
  /** Until each side has this much timed in total (after minRounds)... */
  minTotalMs?: number;
  /** ...unless the rounds have run this long (ms of wall time). */
  budgetMs?: number;
  /** The pause between the peer's block and ours (ms): GAP_MS unless given. */
  gapMs?: number;
}

/**
 * The pause between the peer's block and ours: none by default. OpenBLAS (Debian's 0.3.21,
 * pthreads) keeps its worker thread spinning for ~100 ms after a BLAS call (its thread timeout)
 * before it sleeps: 0.95–1.0 of a core from 0 to 100 ms after numpy's block, 0.00–0.04 from
 * 100 to 150 ms, at 128², 256² and 512² (2026-12-03), so without a pause it spins through our
 * block (the row's peer_cpu_in_ours ≈ 1). It yields (sched_yield), and our iteration right after
 * numpy's block vs after a 300 ms pause, alternating in one process, was the same at 256² and
 * 512² (medians 2.05/2.07, 1.90/1.99, 2.26/2.31 ms; 10.4/10.6, 10.7/9.2 ms) and ~6% slower at
 * 128² (0.577/0.496, 0.545/0.510, 0.556/0.526 ms): a small bias against ours there. A pause of
 * 150 ms (WGF_BENCH_GRID_GAP_MS=150) removes it but puts the two blocks of a round in different
 * phases of the machine, which is what interleaving is for: the per-round ratios at 128² spread
 * over 0.38–1.45 in four runs with the pause against 0.40–0.83 in nine without (load ≤ 2; a
 * tenth at load 4 reached 1.87).
 */
export const GAP_MS = 0;

/** CPU time (ns) of process `pid`, all its threads, from /proc; null where that cannot be read. */
function processCpuNs(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return Number.isFinite(ns) ? ns : null;
  } catch {
    return null;
  }
}

/**
 * Times `ours` (one iteration, already warmed up; `aloneMs` its time alone) against a ready
 * peer server answering {"iters": k, "warm": 1} with {"ms"} (peers/grid_sinkhorn.py --serve): one
 * untimed round, then rounds of a pause of `gapMs` (GAP_MS), our block of k iterations, the
 * peer's block of k iterations, with k chosen so that our block takes about `blockMs`; each
 * block starts with one untimed iteration on each side (the other side's block has just
 * evicted its data from the caches: 512² blocks are 3–4 iterations). While one side runs
 * the other is idle: this thread awaits the peer's answer (the row pool's workers wait on their
 * message ports), the peer blocks on its stdin once its BLAS workers have stopped spinning.
 */
export async function interleave(ours: () => void, peer: PeerServer, aloneMs: number, o: InterleaveOptions = {}): Promise<Interleaved> {
  const { blockMs = 30, minRounds = 9, maxRounds = 60, minTotalMs = 300, budgetMs = 8000, gapMs = GAP_MS } = o;
  const k = Math.max(1, Math.min(5000, Math.round(blockMs / Math.max(aloneMs, 1e-3))));
  const block = () => {
    ours(); // untimed: the caches refilled after the peer's block, as the peer does ("warm": 1)
    const t0 = performance.now();
    for (let i = 0; i < k; i++) ours();
    return performance.now() - t0;
  };
  const pause = () => (gapMs > 0 ? new Promise<void>((r) => setTimeout(r, gapMs)) : Promise.resolve());
  block();
  await peer.request<{ ms: number }>({ iters: k, warm: 1 });
  const oursT: number[] = [], peerT: number[] = [];
  let peerCpu: number | null = 0, oursWall = 0, oursCpu = 0, peerWall = 0;
  const start = performance.now();
  while (
    oursT.length < minRounds ||
    (oursT.length < maxRounds && performance.now() - start < budgetMs && k * Math.min(sum(oursT), sum(peerT)) < minTotalMs)
  ) {
    await pause();
    const c0 = processCpuNs(peer.pid);
    const t = block();
    const c1 = processCpuNs(peer.pid);
    peerCpu = peerCpu === null || c0 === null || c1 === null ? null : peerCpu + (c1 - c0) / 1e6;
    oursWall += t;
    const u0 = process.cpuUsage(), p0 = performance.now();
    const p = await peer.request<{ ms: number }>({ iters: k, warm: 1 });
    const u = process.cpuUsage(u0);
    peerWall += performance.now() - p0;
    oursCpu += (u.user + u.system) / 1000;
    oursT.push(t / k);
    peerT.push(p.ms / k);
  }
  return {
    oursMs: median(oursT),
    peerMs: median(peerT),
    rounds: oursT.length,
    k,
    ratios: peerT.map((p, i) => p / oursT[i]),
    peerCpuInOurs: peerCpu === null ? null : peerCpu / oursWall,
    oursCpuInPeer: oursCpu / peerWall,
  };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/**
 * out = num / den cellwise: the iterations' scaling steps, in one function rather than inline
 * in each size's closure. Inline, the first closure of the literal TurboFan optimized got V8's
 * function-context specialization (its arrays as constants) and the later ones did not: the
 * 128² ε = 0.01 iteration ran 0.337 ms min as the process's only closure and 0.40 as the
 * second (the JKO regime's comes first), 0.374 for both with this function (2026-12-03).
 */
function divide(out: Float64Array, num: Float64Array, den: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = num[i] / den[i];
}

/** out = x − y cellwise: the log forms' scaling steps (as divide). */
function subtract(out: Float64Array, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i] - y[i];
}

/** The sinkhorn-iter rows at these sizes (both regimes, numpy and POT in the same run). */
export async function sinkhornIterationRows(sizes: number[], o: { gapMs?: number } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // The SIMD passes and the row pool of the dense ones, as a grid scene gets them from its
  // accelerator (engine/grid/grid-simulation.ts): `wgf run`'s threads.
  const acc = await createNodeAccelerator({ request: 'auto' });
  const assembler = acc.assembler;
  const pool = () => acc.rows();
  const hasNumpy = pythonHas('numpy');
  const hasPot = hasNumpy && pythonHas('ot');
  // WGF_BENCH_GRID_GAP_MS: another pause before our blocks (0: none, to see the spinning BLAS worker's effect).
  const gapMs = o.gapMs ?? Number(process.env.WGF_BENCH_GRID_GAP_MS ?? GAP_MS);
  if (!hasNumpy) process.stderr.write('bench: numpy not found for /usr/bin/python3 (apt-get install python3-numpy); peers skipped\n');
  for (const n of sizes) {
    const h = 1 / n;
    for (const regime of ['jko', 'wide'] as const) {
      const eps = regime === 'jko' ? 0.5 * h * h : 0.01;
      const grid = new Grid([n, n], [[0, 1], [0, 1]]);
      const K = new ConvolutionalGibbsKernel(grid, eps, { assembler, rows: pool });
      const rng = new Rng(0);
      const P = new Float64Array(grid.size).map(() => 0.5 + rng.uniform());
      const Q = new Float64Array(grid.size).map(() => 0.5 + rng.uniform());
      const logP = P.map(Math.log), logQ = Q.map(Math.log);
      const a = new Float64Array(grid.size), b = new Float64Array(grid.size).fill(1), t = new Float64Array(grid.size);
      const plain = () => {
        K.apply(b, t);
        divide(a, P, t);
        K.apply(a, t);
        divide(b, Q, t);
      };
      const logIteration = (g: GridGibbsGeometry) => {
        const alpha = new Float64Array(grid.size), beta = new Float64Array(grid.size);
        return () => {
          g.logApply(eps, beta, t);
          subtract(alpha, logP, t);
          g.logApplyT(eps, alpha, t);
          subtract(beta, logQ, t);
        };
      };
      const wide = regime === 'wide';
      // Medians of ≥ 300 ms of iterations (3 to 200), after ≥ 200 ms of warm-up iterations: a
      // sub-millisecond iteration (128²) timed over its first 20 runs still ran the WebAssembly
      // baseline tier (0.78 ms against 0.47 ms steady, 11:57 UTC); a solve runs hundreds.
      const minMs = 300;
      const steady = (fn: () => void) => {
        warmUp(fn, 200);
        return timeIt(fn, minMs, 3, 200);
      };
      const aloneMs = steady(plain);
      // numpy's iteration interleaved with ours (the ts-plain row); POT's barycenter per iteration from the same server.
      let inter: Interleaved | null = null;
      let potMs: number | null = null;
      const server = hasNumpy ? await startPeer('grid_sinkhorn.py', { n, eps }) : null;
      if (server) {
        try {
          inter = await interleave(plain, server, aloneMs, { gapMs });
          if (hasPot) potMs = (await server.request<{ pot_ms: number | null }>({ pot: n >= 512 ? 5 : 9 })).pot_ms;
        } finally {
          await server.close();
        }
      }
      const plainMs = inter?.oursMs ?? aloneMs;
      const shifted = new GridGibbsGeometry(grid, eps, 'auto', { assembler, rows: pool });
      const shiftedMs = steady(logIteration(shifted));
      // the log form ('log'): block-shifted, or at ε = 0.01 the dense log form (gibbs-kernel.ts applyLog)
      const blockMs = steady(logIteration(new GridGibbsGeometry(grid, eps, 'log', { assembler, rows: pool })));
      const extra = { eps: Number(eps.toPrecision(3)), w: K.halfWidths[0], trunc_err: K.truncationError, passes: K.axisPasses.join(','), ...(K.axisPasses.includes('lowrank') ? { rank: K.ranks.join(',') } : {}), threads: K.simd?.threads ?? 1 };
      const size = `${n}x${n}`;
      const push = (ours: string, ms: number, more: Record<string, number | string> = {}) => {
        const row: BenchRow = { suite: 'grid', case: `sinkhorn-iter ${regime}`, size, ours_ms: ms, ours, extra: { ...extra, ...more } };
        if (inter) Object.assign(row, { peer: 'numpy-dense', peer_ms: inter.peerMs, speedup: inter.peerMs / ms });
        if (potMs) row.extra!.pot_ms = Number(potMs.toPrecision(4));
        rows.push(row);
      };
      // Interleaved (see interleave): alone_ms, ours timed alone before (as the log rows are);
      // rounds × block_iters; round_ratio_*: numpy / ours per round; gap_ms: GAP_MS;
      // peer_cpu_in_ours, ours_cpu_in_peer: each side's CPU (cores) while the other ran (Interleaved).
      push('ts-plain', plainMs, inter ? {
        alone_ms: aloneMs, rounds: inter.rounds, block_iters: inter.k,
        round_ratio_median: median(inter.ratios), round_ratio_min: Math.min(...inter.ratios), round_ratio_max: Math.max(...inter.ratios),
        gap_ms: gapMs, ...(inter.peerCpuInOurs === null ? {} : { peer_cpu_in_ours: inter.peerCpuInOurs }), ours_cpu_in_peer: inter.oursCpuInPeer,
      } : {});
      // log_applications: how many of the shifted geometry's applications left the plain form (the range rule)
      push('ts-log-shifted', shiftedMs, { log_over_plain: shiftedMs / plainMs, log_applications: shifted.counts.log });
      push('ts-log-block', blockMs, { log_over_plain: blockMs / plainMs, log_form: K.logForm });
      if (wide && K.axisPasses.some((p) => p !== 'truncated')) {
        // The truncated passes the rule replaced, same run: one timed iteration (O(n²·w) per pass, ~0.4 s at 512²).
        const T = new ConvolutionalGibbsKernel(grid, eps, { assembler, passes: 'truncated' });
        const truncatedMs = timeIt(() => {
          T.apply(b, t);
          divide(a, P, t);
          T.apply(a, t);
          divide(b, Q, t);
        }, 1, 1, 1);
        push('ts-plain-truncated', truncatedMs, { passes: 'truncated,truncated', truncated_over_plain: truncatedMs / plainMs });
      }
    }
  }
  return rows;
}
