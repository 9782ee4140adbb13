import type { RowArgs, RowExecutor, RowKernel, RowRunner } from '../../../engine/core/row-kernel.ts';
import type { WatAssembler } from '../../../engine/wasm/assembler.ts';

/**
 * A row executor in this thread that behaves like a pool of `threads` threads: it cuts every
 * call into uneven chunks and runs them round-robin on one runner per thread index (each
 * with its own RowEnv.thread, so its own panel), recording what it was asked.
 */
export function slicingExecutor(threads: number, assembler: WatAssembler | null): RowExecutor & { calls: { kernel: string; rows: number; threads: number }[] } {
  const runners = new Map<string, RowRunner<RowArgs>>();
  const calls: { kernel: string; rows: number; threads: number }[] = [];
  return {
    threads,
    calls,
    run<A extends RowArgs>(kernel: RowKernel<A>, args: A, rows: number, asked = threads) {
      calls.push({ kernel: kernel.name, rows, threads: asked });
      kernel.prepare?.({ assembler }, args);
      const runner = (t: number) => {
        const key = `${kernel.name}|${t}`;
        if (!runners.has(key)) runners.set(key, kernel.create({ assembler, thread: t }) as unknown as RowRunner<RowArgs>);
        return runners.get(key)! as unknown as RowRunner<A>;
      };
      // chunks of 1, 5, 2, 7, … rows (never a multiple of the row tile), thread t = chunk mod threads
      let r = 0;
      for (let c = 0; r < rows; c++) {
        const size = [1, 5, 2, 7, 3][c % 5];
        runner(c % threads)(args, r, Math.min(rows, r + size));
        r += size;
      }
    },
  };
}
