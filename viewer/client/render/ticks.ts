/**
 * Axis ticks for the viewer's frames, colour bars and chart: "nice" values
 * 1, 2 or 5 × 10^k apart (Heckbert, *Nice numbers for graph labels*, Graphics
 * Gems 1990), and short labels for them.
 */

/** A step of 1, 2, 5 or 10 × 10^k close to `span / count`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/**
 * Multiples of a nice step inside [lo, hi] (both ends included when they fall
 * on the step), about `count` of them (never fewer than 2 when lo < hi: the ends
 * themselves are used when no two multiples fit). A degenerate range gives [lo].
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi))) return [lo];
  const step = niceStep(hi - lo, count);
  const eps = 1e-9 * step;
  const out: number[] = [];
  for (let k = Math.ceil((lo - eps) / step); k * step <= hi + eps; k++) out.push(Math.abs(k * step) < eps ? 0 : k * step);
  return out.length >= 2 ? out : [lo, hi];
}

/** Powers of ten inside [lo, hi] (lo > 0) for a log axis, thinned to at most `count`; the ends when none fits. */
export function logTicks(lo: number, hi: number, count = 5): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9);
  if (b < a) return [lo, hi];
  const every = Math.max(1, Math.ceil((b - a + 1) / count));
  const out: number[] = [];
  // Parsed, not 10 ** e: 10 ** -4 is 0.00009999999999999999, '1e-4' is the double nearest 10⁻⁴.
  for (let e = a; e <= b; e += every) out.push(Number(`1e${e}`));
  return out;
}

/**
 * A short label for a tick: at most 4 significant digits, exponent form for
 * |v| < 1e-3 or ≥ 1e5 (1e-4, 2.5e+6 → 2.5e6), no trailing zeros.
 */
export function tickLabel(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) {
    const [m, e] = v.toExponential(3).split('e');
    return `${Number(m)}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(4)));
}
