import type { WatAssembler } from '../wasm/assembler.ts';
import type { RowExecutor } from './row-kernel.ts';

/**
 * The contract between a platform and the engine's hot loops (issue #13 item 1;
 * docs/design.md §5.4): an `Accelerator` is one explicit value, built once by the platform edge
 * (the Node CLI, a sweep job, the viewer's threads, the browser worker, a test) and
 * handed to a scene in `BuildContext`. The simulation factories bind their energies'
 * hot loops to it once, before the first step; each binding asks the fixed rule where
 * the loop runs and records the answer (`loops`, written to scene.json). Nothing else
 * decides where a loop runs: no module-level switch, no ambient scope.
 *
 * Only interfaces live here (core may not import the backend layer that implements
 * them: engine/backend/accelerator.ts, node/backend/node-accelerator.ts).
 */

/**
 * What the user asked for (`--backend`):
 * - `ts`:   the plain TypeScript float64 loops (the reference);
 * - `gpu`:  gpu.js kernels in float32 for every hot loop that has one;
 * - `auto`: per loop and problem size, what the fixed rule (engine/backend/rule.ts) picks.
 */
export type BackendName = 'ts' | 'gpu' | 'auto';

/** Where one loop runs: the float64 TypeScript reference, or its gpu.js kernel. */
export type KernelTarget = 'ts' | 'gpu';

/**
 * A gpu.js pair kernel with signature (...inputs, n, i0) and one thread per row
 * i ∈ [0, rows); it writes `outDim` floats per row (engine/backend/kernel-sources.ts).
 */
export interface PairKernel {
  source: string;
  outDim: number;
  /**
   * Rows and input lengths when they differ from the loop's N (kernels over neurons ×
   * data, whose gathered length is a literal of the source).
   */
  shape?: { rows: number; inputs: readonly number[] };
}

/** Runs pair kernels on this platform (gpu.js in one thread, or split over the row pool in Node). */
export interface PairExecutor {
  /** Platform class used by the fixed rule (rule.ts), e.g. 'node-pool', 'webasm', 'webgl2'. */
  readonly platform: string;
  /** Human-readable description for notices and scene.json, e.g. 'gpu.js webasm ×2 threads'. */
  readonly description: string;
  /** Threads the rows are split over. */
  readonly threads?: number;
  /**
   * Compiles (and caches) the kernel for n rows without running its O(n²) loop; throws
   * when gpu.js cannot create it.
   */
  prepare(source: string, outDim: number, n: number): void;
  /**
   * Runs the kernel over rows [0, n) into out ([n, outDim] row-major, float32). `partners`
   * is the kernel's `n` argument, the length of its inner loop (default n).
   */
  run(source: string, outDim: number, inputs: readonly Float32Array[], n: number, out: Float32Array, partners?: number): void;
}

/**
 * Runs the OT log-sum-exp rows (engine/ot/lse-kernel.ts) over all rows [0, nr): in this
 * thread, or split over the row pool (node/backend/row-pool.ts). The same kernel for
 * every row, so the same bits for any split.
 */
export interface LseExecutor {
  /** Threads the rows are split over. */
  readonly threads: number;
  /** Fills `task.out` with the log-sum-exp of every row. */
  run(task: LseTask): void;
}

/** One call of the online log-sum-exp kernel: out[i] = log Σ_j e^{hs_j + x_i·Ys_j − |x_i|²/(2ε)} (p = 2). */
export interface LseTask {
  d: number;
  /** Cost exponent p (2: the WebAssembly SIMD kernel where available). */
  p: number;
  /** 1/ε. */
  inv: number;
  /** Rows [nr, d], their squared norms [nr]. */
  X: Float64Array;
  sqX: Float64Array;
  /** Columns scaled by 1/ε (p = 2) [nc, d], and the shifted potentials hs [nc]. */
  Ys: Float64Array;
  hs: Float64Array;
  nr: number;
  nc: number;
  out: Float64Array;
  /** Column blocks for the culled kernel (p = 2, d = 2): size, boxes lo/hi [nb, 2], hmax [nb]. */
  blocks?: { size: number; lo: Float64Array; hi: Float64Array; hmax: Float64Array };
}

/** The size the fixed rule decides a loop on. */
export interface RuleSize {
  n: number;
  d: number;
  /** Data points per call of a kernel over neurons × data (the MLP families' floor). */
  points?: number;
  /** How notices and scene.json name the size (default `N=${n}, d=${d}`). */
  label?: string;
}

/** A hot loop asking where it runs. */
export interface LoopRequest {
  /** Name in scene.json: the energy's name ('interaction', 'entropy', 'risk', 'attention'). */
  loop: string;
  /** Kernel family of the fixed rule ('interaction', 'blob-entropy', 'attention', 'mlp-relu', …). */
  family: string;
  size: RuleSize;
  /** The gpu.js kernels the loop will run on the device (compiled now); null: it has no gpu.js form. */
  kernels: readonly PairKernel[] | null;
  /**
   * Why the loop cannot take float32 energy values even where its velocity runs on the
   * device (e.g. 'backtracking' compares values closer than float32 round-off).
   */
  exactValues?: string;
  /** Whether the loop has a device form of its energy value at all (default true; attention and the MLP risk: false). */
  deviceValues?: boolean;
}

/** Where a loop was placed, as scene.json records it (`accelerator.loops`). */
export interface LoopDecision {
  family: string;
  target: KernelTarget;
  /** Precision of the loop's velocity. */
  precision: 'float64' | 'float32';
  /** Precision of the energy values computed by the loop (records, backtracking). */
  values: 'float64' | 'float32';
  /** Threads the loop's rows are split over. */
  threads: number;
  /** The size the rule decided on. */
  size: string;
  /** The executor, e.g. 'gpu.js webasm ×2 threads' (target gpu). */
  executor?: string;
  /** Why the loop is on ts although gpu was asked for or allowed. */
  reason?: string;
  /** A loop's algorithm where it has a choice (e.g. 'direct' | 'pm' | 'p3m' for the interaction). */
  method?: string;
}

/** A loop bound to the device: its executor and what the decision says about values. */
export interface DeviceLoop {
  readonly executor: PairExecutor;
  /** Energy values on the device too (float32); false: values stay on the float64 reference. */
  readonly deviceValues: boolean;
}

/**
 * Where a platform runs the engine's hot loops (`ctx.accelerator` of a scene): built once by
 * the platform edge (createAccelerator, gpuJsAccelerator, referenceAccelerator) and bound by
 * the simulation factories before the first step; every decision is recorded in `loops`.
 */
export interface Accelerator {
  /** The user's request (`--backend`), recorded in scene.json as `backend`. */
  readonly request: BackendName;
  /** The platform: 'node', 'browser', 'reference' (no executor). */
  readonly platform: string;
  /** Threads of the row pool, the same for pair kernels, OT rows and grid loops. */
  readonly threads: number;
  /** The WebAssembly text assembler of the SIMD kernels (grid, OT), or null: JavaScript loops. */
  readonly assembler: WatAssembler | null;
  /**
   * Places a pair loop by the fixed rule: compiles its kernels and returns the device
   * loop, or null when the float64 TypeScript loop runs (with a notice when gpu was
   * asked for or allowed and is unavailable). `gpu` requested and impossible is a
   * UsageError. The decision is recorded under `req.loop`.
   */
  bindPairs(req: LoopRequest): DeviceLoop | null;
  /** The executor of the OT rows (the row pool's threads); null: this thread (engine/ot/lse-executor.ts with `assembler`). */
  lse(): LseExecutor | null;
  /** The row pool for row kernels without an executor of their own (the stored OT kernel's products); null: this thread. */
  rows(): RowExecutor | null;
  /** Records a loop decided elsewhere (an OT or grid loop) under `loop`. */
  record(loop: string, decision: LoopDecision): void;
  /** Every decision so far, by loop name (scene.json `accelerator.loops`). */
  readonly loops: Readonly<Record<string, LoopDecision>>;
  /** Says something about the placement once (stderr in the CLI). */
  notice(message: string): void;
}
