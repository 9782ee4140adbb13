import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeNpy, encodeNpy, type NpyArray, type NpyData } from '../engine/core/npy.ts';
import { UsageError } from '../engine/core/simulation.ts';

/** Writes a file atomically (temporary file + rename), so readers never see half a file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
