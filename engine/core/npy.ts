/**
 * NumPy .npy format, version 1.0 (little-endian), as bytes in and out so that it
 * runs in Node and in the browser. Reference: numpy/lib/format.py.
 */
export type NpyDtype = '<f8' | '<f4' | '<i4' | '<u1';
/** The typed arrays of those dtypes. */
export type NpyData = Float64Array | Float32Array | Int32Array | Uint8Array;

/** A decoded NPY array: dtype, shape and the flat C-ordered data. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  return '<u1';
}

/** Encodes a C-ordered array. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so that magic(6)+version(2)+len(2)+header+'\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Decodes .npy bytes (versions 1–3; little-endian f8, f4, i4, u1; C order). */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new Error('not an NPY file (bad magic bytes)');
  }
  const major = bytes[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
    offset = 12;
  } else {
    throw new Error(`unsupported NPY version ${major}`);
  }
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error('not an NPY file (unreadable header)');
  if (fortran === 'True') throw new Error('NPY arrays in Fortran order are not supported; save with np.ascontiguousarray');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const dtype = (descr === '|u1' ? '<u1' : descr) as NpyDtype;
  const ctor = { '<f8': Float64Array, '<f4': Float32Array, '<i4': Int32Array, '<u1': Uint8Array }[dtype];
  if (!ctor) throw new Error(`unsupported NPY dtype '${descr}' (allowed: float64, float32, int32, uint8, little-endian)`);
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength - start < byteLength) throw new Error('NPY file is truncated');
  // Copy into a fresh, aligned buffer: `bytes` may be a view (a Node Buffer from a pool).
  const body = new Uint8Array(byteLength);
  body.set(bytes.subarray(start, start + byteLength));
  return { dtype, shape, data: new ctor(body.buffer, 0, count) };
}

/** Returns the array's values as float64 (copy). */
export function npyToFloat64(a: NpyArray): Float64Array {
  return Float64Array.from(a.data as ArrayLike<number>);
}
