import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../../engine/index.ts';

const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('NPY v1.0', () => {
  it('round-trips float64, float32, int32 bit-exactly with its shape', () => {
    const f64 = Float64Array.from([Math.PI, -0, 1e-310, Number.MAX_VALUE, -1.5, 2 ** -1074]);
    const back = decodeNpy(encodeNpy(f64, [3, 2]));
    expect(back.shape).toEqual([3, 2]);
    expect(back.dtype).toBe('<f8');
    expect(new Uint8Array(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(new Uint8Array(f64.buffer));
    const f32 = Float32Array.from([1.5, -2.25, 3e-40]);
    expect(Array.from(decodeNpy(encodeNpy(f32, [3])).data)).toEqual(Array.from(f32));
    const i32 = Int32Array.from([1, -2, 2 ** 31 - 1]);
    expect(Array.from(decodeNpy(encodeNpy(i32, [1, 3])).data)).toEqual(Array.from(i32));
  });

  it('pads the header to a multiple of 64 bytes (format v1.0)', () => {
    const bytes = encodeNpy(new Float64Array(7), [7]);
    const headerLen = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[6]).toBe(1);
  });

  it('rejects non-NPY bytes and shape mismatches with a message', () => {
    expect(() => decodeNpy(new TextEncoder().encode('hello world, not numpy'))).toThrow(/not an NPY file/);
    expect(() => encodeNpy(new Float64Array(5), [2, 2])).toThrow(/holds 4 values/);
  });

  // numpy is an optional system package (Debian python3-numpy); CI installs it.
  it.skipIf(!hasNumpy)('is read by numpy.load and reads what numpy.save writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const x = Float64Array.from({ length: 12 }, (_, i) => i * 0.1 - 0.3);
    writeFileSync(join(dir, 'a.npy'), encodeNpy(x, [4, 3]));
    const py = `import numpy as np; a = np.load('${dir}/a.npy'); assert a.shape == (4, 3) and a.dtype == np.float64; np.save('${dir}/b.npy', (a * 2).astype(np.float32)); print(repr(float(a.sum())))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout.trim())).toBeCloseTo(x.reduce((a, b) => a + b, 0), 12);
    const b = decodeNpy(new Uint8Array(readFileSync(join(dir, 'b.npy'))));
    expect(b.dtype).toBe('<f4');
    expect(b.shape).toEqual([4, 3]);
    expect(Array.from(b.data)).toEqual(Array.from(Float32Array.from(x, (v) => 2 * v)));
  });
});

describe('NPY from a view', () => {
  it('decodes bytes that are a view at an unaligned offset of a larger buffer (Node Buffers)', () => {
    const x = Float64Array.from([1.25, -3.5, 7]);
    const enc = encodeNpy(x, [3]);
    const big = new Uint8Array(enc.length + 13);
    big.set(enc, 5);
    expect(Array.from(decodeNpy(big.subarray(5, 5 + enc.length)).data)).toEqual([1.25, -3.5, 7]);
  });
});
