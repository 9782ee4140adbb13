/**
 * Float64Array ↔ base64 (little-endian IEEE 754 bytes), so that array-valued scheme
 * state (e.g. a warm-start potential) fits the scalar `extra` of a Checkpoint and
 * round-trips bit-identically. Uses btoa/atob, present in browsers and Node ≥ 16.
 */
export function float64ToBase64(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

export function base64ToFloat64(s: string, length: number): Float64Array {
  const bin = atob(s);
  if (bin.length !== length * 8) throw new Error(`checkpoint array holds ${bin.length / 8} values; expected ${length}`);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}
