/**
 * Order of 2D points along a Morton (Z-order) curve: coordinates quantized to 16 bits over
 * the cloud's bounding box, bits interleaved into a 32-bit key, indices sorted by key
 * (ties by index, so the order is deterministic). Consecutive points are then spatially
 * close, which makes blocks of them compact boxes (Morton 1966; used by KeOps/GeomLoss
 * for block-sparse reductions). z: [k, 2] → permutation [k].
 */
export function mortonOrder(z: Float64Array, k: number): Uint32Array {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < k; i++) {
    x0 = Math.min(x0, z[2 * i]);
    x1 = Math.max(x1, z[2 * i]);
    y0 = Math.min(y0, z[2 * i + 1]);
    y1 = Math.max(y1, z[2 * i + 1]);
  }
  const sx = x1 > x0 ? 65535 / (x1 - x0) : 0;
  const sy = y1 > y0 ? 65535 / (y1 - y0) : 0;
  const keys = new Uint32Array(k);
  for (let i = 0; i < k; i++) keys[i] = (spread16(Math.floor((z[2 * i] - x0) * sx)) | (spread16(Math.floor((z[2 * i + 1] - y0) * sy)) << 1)) >>> 0;
  const perm = new Uint32Array(k);
  for (let i = 0; i < k; i++) perm[i] = i;
  perm.sort((a, b) => keys[a] - keys[b] || a - b);
  return perm;
}

/** Spreads the low 16 bits of v to the even bit positions. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}
