import type { KernelTarget } from '../core/accelerator.ts';

/** MLP families: the count is neuron–data pairs m·N (see AUTO_MIN_N). */
const MLP_WASM = { 'mlp-relu': 2 ** 19, 'mlp-smooth': 2 ** 15 };
const MLP_GL = { 'mlp-relu': 2 ** 20, 'mlp-smooth': 2 ** 17 };

/**
 * MLP families also need N ≥ this many data points per velocity: the gpu.js passes
 * pay per neuron row (one result per neuron, unpacked on the host), which a short
 * gather over few points does not amortize. node-pool, 'mlp-relu': ts/gpu = 0.6–0.7
 * at N = 16–32 (m = 8192–16384), 1.1–1.2 at N = 64 (m = 4096–32768), 1.3 at N = 128;
 * 'mlp-smooth': 0.8–1.8 at N = 16, 1.2–2.2 at N = 32. GL: not measured, same floor.
 */
const MLP_POINTS = { 'mlp-relu': 64, 'mlp-smooth': 32 };
export const AUTO_MIN_POINTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'node-pool': MLP_POINTS, webasm: MLP_POINTS, webgl2: MLP_POINTS, webgl: MLP_POINTS, webgpu: MLP_POINTS, headlessgl: MLP_POINTS,
};

/**
 * The fixed `auto` rule (docs/design.md §5.4): per platform class and kernel family, the
 * smallest particle count N from which the gpu.js kernel is used (for the MLP
 * families, neuron–data pairs m·N, with the data-point floor AUTO_MIN_POINTS). A table of
 * constants read off `wgf bench --suite backend`, never a timing taken at run
 * time, so the same command on the same platform picks the same backend and
 * gives the same bits.
 *
 * Platform classes (PairExecutor.platform):
 * - 'node-pool': Node, gpu.js WebAssembly SIMD kernels split by rows over a
 *   worker_threads pool (node/backend). The gather kernels do twice the pair
 *   work of the symmetric TS loop and pay a worker round trip per call; measured on
 *   the shared 2-core machine (alternating runs, noisy), ts/gpu at N = 512: 0.9–1.7
 *   (interaction), 0.9–1.9 (blob); at N = 1024: 1.3–1.8 (interaction, d = 1–3),
 *   1.6–1.7 (blob); at N = 16384 (2D interaction, quiet machine): ≈ 2.5.
 *   Attention (transformer tokens, softmax/USA): against the TS row loop
 *   (Math.exp per pair), ts/gpu = 3.5–4.8 at N = 128–1024 (d = 3, non-symmetric
 *   logits) and 2.7–4.1 at N = 256–4096 (d = 2); against the d = 3 symmetric
 *   pair loop with the table exponential ('attention-symmetric-3d') only
 *   0.7–0.9 up to N = 1024, 1.35 at 2048, 1.1 at 4096.
 *   MLP passes (mlp-hooks.ts; the count is neuron–data pairs m·N, d = 3, one full
 *   forward step, shared machine): 'mlp-relu' ts/gpu = 0.3–0.6 below 2^16 pairs,
 *   0.5–1.2 at 2^16, 1.1–1.4 at 2^17, 0.9–1.6 at 2^18 for m/N from 1/64 to 64 (0.6–0.7
 *   with N ≤ 32 points: AUTO_MIN_POINTS), 1.2–1.8 at 2^19, 2.0–2.8 at 2^21 (m = 1024,
 *   N = 2048) and 2.1–2.6 at 2^23 (m = 4096); 'mlp-smooth' (tanh/sigmoid/GELU, the TS
 *   loop calls Math.tanh/exp per pair) 0.5–1.7 at 2^11–2^13 pairs, 1.2–2.5 at 2^15
 *   (0.8 with N = 16), 2.6–3.4 at 2^16–2^17, 2.2–4.3 at 2^18–2^19, 3.1–5.9 at 2^21.
 * - 'webasm': the same kernels single-threaded (no pool, or inside a worker
 *   thread): ts/gpu at N = 1024–4096 was 1.4–5 (interaction) and 1.4–1.9 (blob);
 *   MLP: 1.4 (relu) and 3.1 (tanh) at 2^18 pairs, 1.6 and 3.0 at 2^21.
 * - 'webgl2' | 'webgl' | 'webgpu' | 'headlessgl': a real GPU; thresholds set
 *   where the per-call upload/readback (~0.5 ms) stops dominating; not measured on
 *   this machine (no GPU; its headless Chromium renders WebGL in software). The MLP
 *   step makes 2–3 kernel calls, so its GL thresholds sit where the TS step takes
 *   ~4 ms (ReLU 2^20 pairs, smooth 2^17), several times that overhead.
 * - 'cpu' (gpu.js's plain-JS fallback): never faster than the TS loop.
 */
export const AUTO_MIN_N: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'node-pool': { interaction: 1024, 'blob-entropy': 1024, attention: 128, 'attention-symmetric-3d': 2048, ...MLP_WASM },
  // Same as node-pool on purpose: a `wgf sweep` job runs single-threaded and must pick what
  // `wgf run` picks (same bits); single-threaded, symmetric 3D attention at N ≥ 2048 is ~0.8× ts.
  webasm: { interaction: 1024, 'blob-entropy': 1024, attention: 128, 'attention-symmetric-3d': 2048, ...MLP_WASM },
  webgl2: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024, ...MLP_GL },
  webgl: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024, ...MLP_GL },
  webgpu: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024, ...MLP_GL },
  headlessgl: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024, ...MLP_GL },
};

/** Platforms where gpu.js compiles to WebAssembly, which has no exp/log/pow opcode. */
const WASM_PLATFORMS = new Set(['node-pool', 'webasm']);

/**
 * Whether a kernel source calls Math.exp/log/pow: on wasm each call is an import
 * call into JavaScript per pair (no SIMD), which made Gaussian and Morse kernels
 * written with Math.exp 2× slower than the TS loop at N = 2048 (they now use the
 * inline exponential), so `auto` keeps such kernels (power laws) on TS there.
 */
export function callsMathImports(source: string): boolean {
  return /Math\.(exp|log|pow|sin|cos|tanh)\(/.test(source);
}

/**
 * What `auto` runs a kernel family on for N particles in dimension d (d ≤ 3 has
 * kernels); `source` is the per-step kernel's gpu.js source; `points`, for the MLP
 * families, the data points per velocity (AUTO_MIN_POINTS).
 */
export function autoTarget(platform: string, kernel: string, n: number, d: number, source = '', points = Infinity): KernelTarget {
  const min = AUTO_MIN_N[platform]?.[kernel];
  if (min === undefined || d > 3) return 'ts';
  if (WASM_PLATFORMS.has(platform) && callsMathImports(source)) return 'ts';
  if (points < (AUTO_MIN_POINTS[platform]?.[kernel] ?? 0)) return 'ts';
  return n >= min ? 'gpu' : 'ts';
}

/** The smallest N from which `auto` uses gpu.js for this kernel on any platform (Infinity if never). */
export function smallestAutoN(kernel: string): number {
  let min = Infinity;
  for (const table of Object.values(AUTO_MIN_N)) min = Math.min(min, table[kernel] ?? Infinity);
  return min;
}

/** The smallest data-point floor of a kernel family over all platforms (0 when it has none). */
export function smallestAutoPoints(kernel: string): number {
  let min = Infinity;
  for (const table of Object.values(AUTO_MIN_POINTS)) min = Math.min(min, table[kernel] ?? 0);
  return min === Infinity ? 0 : min;
}
