import type { KernelTarget } from './names.ts';

/**
 * The fixed `auto` rule (DESIGN §5.4): per platform class and kernel family, the
 * smallest particle count N from which the gpu.js kernel is used. A table of
 * constants read off `wgf bench --suite backend`, never a timing taken at run
 * time, so the same command on the same platform picks the same backend and
 * gives the same bits.
 *
 * Platform classes (PairExecutor.platform):
 * - 'node-pool': Node, gpu.js WebAssembly SIMD kernels split by rows over a
 *   worker_threads pool (engine/node/backend). The gather kernels do twice the pair
 *   work of the symmetric TS loop and pay a worker round trip per call; measured on
 *   the shared 2-core machine (alternating runs, noisy), ts/gpu at N = 512: 0.9–1.7
 *   (interaction), 0.9–1.9 (blob); at N = 1024: 1.3–1.8 (interaction, d = 1–3),
 *   1.6–1.7 (blob); at N = 16384 (2D interaction, quiet machine): ≈ 2.5.
 *   Attention (transformer tokens, softmax/USA): against the TS row loop
 *   (Math.exp per pair), ts/gpu = 3.5–4.8 at N = 128–1024 (d = 3, non-symmetric
 *   logits) and 2.7–4.1 at N = 256–4096 (d = 2); against the d = 3 symmetric
 *   pair loop with the table exponential ('attention-symmetric-3d') only
 *   0.7–0.9 up to N = 1024, 1.35 at 2048, 1.1 at 4096.
 * - 'webasm': the same kernels single-threaded (no pool, or inside a worker
 *   thread): ts/gpu at N = 1024–4096 was 1.4–5 (interaction) and 1.4–1.9 (blob).
 * - 'webgl2' | 'webgl' | 'webgpu' | 'headlessgl': a real GPU; thresholds set
 *   where the per-call upload/readback (~0.5 ms) stops dominating; not measured on
 *   this machine (no GPU; its headless Chromium renders WebGL in software).
 * - 'cpu' (gpu.js's plain-JS fallback): never faster than the TS loop.
 */
export const AUTO_MIN_N: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'node-pool': { interaction: 1024, 'blob-entropy': 1024, attention: 128, 'attention-symmetric-3d': 2048 },
  // Same as node-pool on purpose: a `wgf sweep` job runs single-threaded and must pick what
  // `wgf run` picks (same bits); single-threaded, symmetric 3D attention at N ≥ 2048 is ~0.8× ts.
  webasm: { interaction: 1024, 'blob-entropy': 1024, attention: 128, 'attention-symmetric-3d': 2048 },
  webgl2: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024 },
  webgl: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024 },
  webgpu: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024 },
  headlessgl: { interaction: 1024, 'blob-entropy': 1024, attention: 256, 'attention-symmetric-3d': 1024 },
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
 * kernels); `source` is the per-step kernel's gpu.js source.
 */
export function autoTarget(platform: string, kernel: string, n: number, d: number, source = ''): KernelTarget {
  const min = AUTO_MIN_N[platform]?.[kernel];
  if (min === undefined || d > 3) return 'ts';
  if (WASM_PLATFORMS.has(platform) && callsMathImports(source)) return 'ts';
  return n >= min ? 'gpu' : 'ts';
}

/** The smallest N from which `auto` uses gpu.js for this kernel on any platform (Infinity if never). */
export function smallestAutoN(kernel: string): number {
  let min = Infinity;
  for (const table of Object.values(AUTO_MIN_N)) min = Math.min(min, table[kernel] ?? Infinity);
  return min;
}
