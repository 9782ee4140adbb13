import type { BackendName, KernelTarget } from './names.ts';

/**
 * Which backend the energies built right now should use. Scenes build their
 * energies inside `withBackend(ctx.backend, …)` (the run preparation does it),
 * each accelerated energy takes a `BackendSlot` at construction, and the slots
 * built in one scope are returned so the caller can settle and record the
 * choice before the run starts. Outside any scope the engine API uses `ts`:
 * library results stay float64 unless acceleration is asked for.
 */
let current: BackendName = 'ts';
let collecting: BackendSlot[] | null = null;

/**
 * A gpu.js kernel an energy needs: [source, values per row] for a pair kernel over
 * the N rows of the state (prepared on zeros of length N), or with a third element
 * giving its own row count and input lengths (kernels whose rows and gathered index
 * differ, e.g. the MLP passes over neurons × data).
 */
export type KernelSpec = [string, number] | [string, number, { rows: number; inputs: readonly number[] }];

/**
 * The size the fixed rule decides a kernel family on, from the state shape [n, d]
 * the run preparation passes (by default the state shape itself); `label` names it
 * in notices (default `N=${n}, d=${d}`).
 */
export interface RuleSize {
  n: number;
  d: number;
  /** Data points per call of a kernel over neurons × data (the MLP families' AUTO_MIN_POINTS). */
  points?: number;
  label?: string;
}

/** Per-energy backend state: the request it was built under and the decision taken for its size. */
export class BackendSlot {
  /** What the kernel runs on, once decided for `decidedFor`. */
  target: KernelTarget | null = null;
  /** "rows|n,d" the decision was taken for (state rows, then the rule's size). */
  decidedFor = '';
  /** Why the kernel is on `ts` when gpu was asked for or allowed (a notice was emitted). */
  reason: string | null = null;

  constructor(
    /** Kernel family ('interaction', 'blob-entropy', 'mlp-relu', …), the key of the fixed rule. */
    readonly kernel: string,
    readonly request: BackendName,
    /**
     * gpu.js sources the energy needs in dimension d (the rule's d) for state rows n;
     * null when it has none.
     */
    readonly sources: (d: number, n: number) => KernelSpec[] | null,
    /** Maps the state shape to the rule's size (absent: the state shape is the size). */
    readonly size?: (n: number, d: number) => RuleSize,
  ) {}
}

/** A slot for an energy being constructed now (under the current scope's request). */
export function backendSlot(kernel: string, sources: (d: number, n: number) => KernelSpec[] | null, size?: (n: number, d: number) => RuleSize): BackendSlot {
  const s = new BackendSlot(kernel, current, sources, size);
  collecting?.push(s);
  return s;
}

export function currentBackend(): BackendName {
  return current;
}

/** Builds under a backend request; returns what `build` returned and the slots it created. */
export function withBackend<T>(name: BackendName, build: () => T): { value: T; slots: BackendSlot[] } {
  const prev = current;
  const prevCollect = collecting;
  const slots: BackendSlot[] = [];
  current = name;
  collecting = slots;
  try {
    return { value: build(), slots };
  } finally {
    current = prev;
    collecting = prevCollect;
  }
}

let sink: (msg: string) => void = (msg) => console.warn(msg);
const emitted = new Set<string>();

/** Sends a backend notice (once per distinct text) to the sink: stderr in the CLI, a collector in tests. */
export function backendNotice(msg: string): void {
  if (emitted.has(msg)) return;
  emitted.add(msg);
  sink(`wgflow backend: ${msg}`);
}

/** Replaces the notice sink; returns the previous one. Forgets which notices were sent. */
export function setBackendNoticeSink(f: (msg: string) => void): (msg: string) => void {
  const prev = sink;
  sink = f;
  emitted.clear();
  return prev;
}
