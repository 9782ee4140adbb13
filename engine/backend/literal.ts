/** A float literal that GLSL, WGSL and the wasm compiler all read as float. */
export function lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`kernel constant must be finite; got ${x}`);
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
