/**
 * What the `wgf` command line touches outside itself, passed in so that `main(argv, io)`
 * runs in process (tests) exactly as from bin/wgf.mjs: its output streams, its
 * environment and its signals. Nothing in cli/ writes to `process.stdout`, reads
 * `process.env`, listens to `process` signals or ends the process itself.
 */
export interface OutStream {
  write(chunk: string): unknown;
  /** A terminal: progress bars instead of lines (cli-progress needs a real TTY stream then). */
  isTTY?: boolean;
}

export type SignalName = 'SIGINT' | 'SIGTERM';

/** Where SIGINT/SIGTERM come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: SignalName, listener: () => void): unknown;
  off(signal: SignalName, listener: () => void): unknown;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Environment read by the CLI (the scheduler variables of `wgf sweep`). */
  env: Record<string, string | undefined>;
  signals: SignalSource;
  /**
   * Called on a second SIGINT/SIGTERM during a run or sweep: the user insists, end
   * now. bin/wgf.mjs passes `process.exit`; absent (tests), the first request to
   * stop stands and the run ends at its next step.
   */
  exitNow?: (code: number) => void;
}

/** The process's own streams, environment and signals. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process };
}

/**
 * One call of the CLI: its io and the exit code its command chose (130 for an
 * interrupted run, 1 for failed sweep runs, 3 for a diverged `wgf ot`). Each call of
 * `main` has its own, so nothing carries over between calls.
 */
export interface CliContext {
  io: CliIo;
  exitCode: number;
}

/**
 * SIGINT/SIGTERM ask a run or sweep to stop (`onStop`, once); a second one calls
 * `io.exitNow(130)`. Returns the function that removes the listeners.
 */
export function trapSignals(io: CliIo, onStop: () => void): () => void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) {
      io.exitNow?.(130);
      return;
    }
    stopping = true;
    onStop();
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  return () => {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  };
}
