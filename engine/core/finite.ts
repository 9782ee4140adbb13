/** Index of the first NaN or ±∞ in `a`, or −1 when every entry is finite: the one non-finite scan. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** True when every entry of `a` is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  return firstNonFinite(a) < 0;
}
