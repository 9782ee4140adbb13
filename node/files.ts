import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { decodeNpy, encodeNpy, type NpyArray, type NpyData } from '../engine/core/npy.ts';
import { UsageError } from '../engine/core/simulation.ts';

/**
 * The one seam through which wgflow puts bytes into files (run directories,
 * checkpoints, locks, sweep indexes). Tests replace these to make a write fail as
 * on a full disk (ENOSPC), and check that nothing half-written is left behind.
 */
export const writeCalls = {
  writeFile: (path: string, data: string | Uint8Array, flag = 'w'): void => writeFileSync(path, data, { flag }),
  /** Off the calling thread (fs.promises: libuv's thread pool), for a run directory's write queue (write-queue.ts). */
  writeFileAsync: (path: string, data: string | Uint8Array): Promise<void> => writeFile(path, data),
  appendAsync: (path: string, data: string): Promise<void> => appendFile(path, data),
};

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/** A file that could not be written: names the file and the reason in one line, keeps the errno code. */
export class WriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot write '${path}': ${reason}`);
    this.name = 'WriteError';
  }

  static of(path: string, e: unknown): WriteError {
    if (e instanceof WriteError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code ? `${REASONS[code] ?? (e as Error).message.split('\n')[0]} (${code})` : (e as Error).message;
    return new WriteError(path, code, reason);
  }
}

/** Suffix of the temporary file of an atomic write: unique per process and thread. */
const tmpSuffix = () => `.tmp-${process.pid}-${threadId}`;
/** Names of temporary files that atomic writes cut short (a kill) may leave behind. */
export const TMP_FILE = /\.tmp-\d+(-\d+)?$/;

/**
 * Writes a file atomically (temporary file + rename), so readers never see half a file.
 * When the write fails (a full disk) the temporary file is removed and a WriteError
 * naming `path` is thrown: the old content of `path`, if any, is kept.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = path + tmpSuffix();
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeCalls.writeFile(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw WriteError.of(path, e);
  }
}

/** writeFileAtomic off the calling thread: the same temporary file, rename and clean-up on failure. */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = path + tmpSuffix();
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeCalls.writeFileAsync(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw WriteError.of(path, e);
  }
}

/**
 * Appends one line (a metrics record), off the calling thread (the run directory's write
 * queue). A failed append (a full disk) is cut back to the file's previous length, so that
 * no torn line stays in the middle of the file once writes succeed again.
 */
export async function appendLineAsync(path: string, line: string): Promise<void> {
  let before = 0;
  try {
    before = (await stat(path)).size;
  } catch {
    // A new file.
  }
  try {
    await writeCalls.appendAsync(path, line.endsWith('\n') ? line : line + '\n');
  } catch (e) {
    // Nothing was created, or the file cannot even be truncated: reported below.
    await truncate(path, before).catch(() => undefined);
    throw WriteError.of(path, e);
  }
}

/**
 * Removes temporary files of atomic writes cut short by a kill (not those of live
 * writers: callers hold the directory's lock). Returns how many were removed.
 */
export function removeTmpFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const tmp = names.filter((f) => TMP_FILE.test(f));
  for (const f of tmp) rmSync(join(dir, f), { force: true });
  return tmp.length;
}

export function writeNpy(path: string, data: NpyData, shape: readonly number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

/** Reads an NPY file; a missing or malformed file is a one-line UsageError. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeNpy(bytes);
  } catch (e) {
    throw new UsageError(`'${path}' is not a readable NPY file: ${(e as Error).message}`);
  }
}

/**
 * Reads a JSON file that wgflow wrote; an unreadable or corrupted file is a one-line
 * UsageError naming it (never a raw parse error).
 */
export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new UsageError(`'${path}' is corrupted: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
