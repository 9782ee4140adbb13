import type {
  Accelerator, BackendName, DeviceLoop, KernelTarget, LoopDecision, LoopRequest, LseExecutor, PairExecutor,
} from '../core/accelerator.ts';
import { UsageError } from '../core/simulation.ts';
import type { RowExecutor } from '../core/row-kernel.ts';
import type { WatAssembler } from '../wasm/assembler.ts';
import { MAX_KERNEL_DIM } from './kernel-sources.ts';
import { autoTarget, smallestAutoN, smallestAutoPoints } from './rule.ts';

/** What a platform edge knows when it builds its accelerator. */
export interface AcceleratorOptions {
  request: BackendName;
  /** 'node', 'browser', or 'reference' (default: no executor at all). */
  platform?: string;
  /** Threads of the row pool (pair kernels, OT rows, grid loops); default 1. */
  threads?: number;
  /**
   * Makes this platform's pair executor; called once, when the first loop is allowed on
   * the device (so `--backend ts` and small `auto` runs never load gpu.js or start threads).
   */
  pairs?: () => PairExecutor;
  /**
   * Makes the OT rows' executor (the row pool's threads), once, when a loop first asks;
   * absent or null: the geometry runs its rows in this thread.
   */
  lse?: () => LseExecutor | null;
  /**
   * The row pool itself, for row kernels without an executor of their own (the stored OT
   * kernel's products, engine/ot/wasm-matvec.ts); made once when first asked; absent or null: this thread.
   */
  rows?: () => RowExecutor | null;
  assembler?: WatAssembler | null;
  /** Where notices go (stderr in the CLI); each distinct text once. */
  notice?: (message: string) => void;
}

/**
 * The accelerator of a platform (the implementation of core/accelerator.ts): the fixed
 * rule (rule.ts) applied to each loop that binds to it, the lazily made pair executor,
 * the OT executor and the assembler, and the record of every decision.
 */
class PlatformAccelerator implements Accelerator {
  readonly request: BackendName;
  readonly platform: string;
  readonly threads: number;
  readonly assembler: WatAssembler | null;
  readonly loops: Record<string, LoopDecision> = {};
  private readonly makePairs: (() => PairExecutor) | undefined;
  private executor: PairExecutor | null = null;
  private failure: string | null = null;
  private readonly makeLse: (() => LseExecutor | null) | undefined;
  private lseExecutor: LseExecutor | null | undefined;
  private readonly makeRows: (() => RowExecutor | null) | undefined;
  private rowExecutor: RowExecutor | null | undefined;
  private readonly sink: (message: string) => void;
  private readonly said = new Set<string>();

  constructor(o: AcceleratorOptions) {
    this.request = o.request;
    this.platform = o.platform ?? 'reference';
    this.threads = Math.max(1, Math.floor(o.threads ?? 1));
    this.assembler = o.assembler ?? null;
    this.makePairs = o.pairs;
    this.makeLse = o.lse;
    this.makeRows = o.rows;
    this.sink = o.notice ?? ((m) => console.warn(m));
  }

  notice(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.sink(`wgflow backend: ${message}`);
  }

  lse(): LseExecutor | null {
    if (this.lseExecutor === undefined) this.lseExecutor = this.makeLse?.() ?? null;
    return this.lseExecutor;
  }

  rows(): RowExecutor | null {
    if (this.rowExecutor === undefined) this.rowExecutor = this.makeRows?.() ?? null;
    return this.rowExecutor;
  }

  record(loop: string, decision: LoopDecision): void {
    this.loops[loop] = decision;
  }

  /** The pair executor, made on first use; null (with `failure`) when none can be made. */
  private pairExecutor(): PairExecutor | null {
    if (this.executor || this.failure) return this.executor;
    if (!this.makePairs) {
      this.failure = 'no gpu.js executor on this platform';
      return null;
    }
    try {
      this.executor = this.makePairs();
    } catch (e) {
      this.failure = `gpu.js is not available: ${(e as Error).message.split('\n')[0]}`;
    }
    return this.executor;
  }

  bindPairs(req: LoopRequest): DeviceLoop | null {
    const { n, d, label = `N=${n}, d=${d}` } = req.size;
    const decision: LoopDecision = { family: req.family, target: 'ts', precision: 'float64', values: 'float64', threads: 1, size: label };
    const target = this.place(req, decision);
    if (target === 'gpu') {
      const ex = this.executor!;
      const deviceValues = req.deviceValues !== false && (this.request === 'gpu' || req.exactValues === undefined);
      Object.assign(decision, { target, precision: 'float32', values: deviceValues ? 'float32' : 'float64', threads: ex.threads ?? 1, executor: ex.description });
      this.loops[req.loop] = decision;
      if (deviceValues && req.exactValues !== undefined) {
        this.notice(`--backend gpu sums ${req.loop} values in float32 (relative round-off ~1e-6) although ${req.exactValues} compares them: use --backend auto or ts for exact values`);
      }
      return { executor: ex, deviceValues };
    }
    this.loops[req.loop] = decision;
    return null;
  }

  /** The fixed rule and the kernels' compilation; fills decision.reason on a fallback. */
  private place(req: LoopRequest, decision: LoopDecision): KernelTarget {
    const { n, d, points, label = `N=${n}, d=${d}` } = req.size;
    if (this.request === 'ts' || n === 0) return 'ts';
    const fallback = (why: string, fatal: boolean): KernelTarget => {
      if (fatal && this.request === 'gpu') throw new UsageError(`--backend gpu: ${req.family} (${label}): ${why}`);
      decision.reason = why;
      this.notice(`${req.family} (${label}) runs on the float64 TypeScript loop: ${why}`);
      return 'ts';
    };
    if (d > MAX_KERNEL_DIM) return fallback(`gpu.js kernels exist for d ≤ ${MAX_KERNEL_DIM}`, false);
    if (!req.kernels || req.kernels.length === 0) return fallback('this kernel has no gpu.js form', false);
    // Below every platform's threshold `auto` is ts whatever the platform: decided before the
    // executor is made, which loads gpu.js and starts the thread pool.
    if (this.request === 'auto' && (n < smallestAutoN(req.family) || (points ?? Infinity) < smallestAutoPoints(req.family))) return 'ts';
    const ex = this.pairExecutor();
    if (!ex) return fallback(this.failure ?? 'no gpu.js executor', true);
    if (this.request === 'auto' && autoTarget(ex.platform, req.family, n, d, req.kernels[0].source, points) === 'ts') return 'ts';
    try {
      for (const k of req.kernels) {
        // A kernel with its own rows and input lengths is prepared by one run on zeros (its loop bound is a literal).
        if (k.shape) ex.run(k.source, k.outDim, k.shape.inputs.map((len) => new Float32Array(len)), k.shape.rows, new Float32Array(k.shape.rows * k.outDim));
        else ex.prepare(k.source, k.outDim, n);
      }
    } catch (e) {
      return fallback(`gpu.js cannot create the kernel (${(e as Error).message.split('\n')[0]})`, true);
    }
    return 'gpu';
  }
}

/** An accelerator for a platform (the Node edge adds its row pool and assembler: node/backend/node-accelerator.ts). */
export function createAccelerator(o: AcceleratorOptions): Accelerator {
  return new PlatformAccelerator(o);
}

/**
 * The float64 TypeScript reference: what a simulation built without an accelerator uses
 * (library users who pass nothing), and what `--backend ts` means for the pair loops.
 */
export function referenceAccelerator(): Accelerator {
  return new PlatformAccelerator({ request: 'ts' });
}
