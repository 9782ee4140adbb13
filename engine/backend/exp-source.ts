import { lit } from './literal.ts';

/** e^y is taken as 0 below this (e^{−37} ≈ 8.5e−17: the TS blob loop drops the same pairs, CUTOFF2 = 74). */
export const EXP_CUTOFF = -37;

/** Squarings of the range reduction and degree of the Taylor polynomial. */
const SQUARINGS = 6;
const DEGREE = 8;

/**
 * e^y for y ≤ 0 in gpu.js source, with arithmetic only. gpu.js's WebAssembly
 * backend has no exp opcode and calls back into JavaScript for Math.exp (one
 * import call per pair, outside SIMD): measured ~10× slower than this form.
 *
 * e^y = (p(u))^{2^6} with u = y/64 ∈ [−37/64, 0] and p the Taylor polynomial of
 * degree 8 (truncation |u|⁹/9! < 3e−8); the six squarings multiply p's rounding
 * by 64, so the relative error is < 2e−5 (measured 1.0e−5, tests/backend/exp-source.test.ts), on a
 * par with casting positions to float32 for the pairs that matter. For
 * y < EXP_CUTOFF the value is 0, as in the TS reference.
 *
 * Returns statements that declare `const <name> = e^(<arg>)`; locals are
 * prefixed with `name` so several expansions can share a loop body.
 */
export function expNegSource(name: string, arg: string): string {
  const p = `${name}_`;
  let poly = '1.0';
  for (let q = DEGREE; q >= 1; q--) poly = `(1.0 + ${p}u * ${lit(1 / q)} * ${poly})`;
  const lines = [
    `const ${p}y = ${arg};`,
    `const ${p}u = Math.max(${p}y, ${lit(EXP_CUTOFF)}) * ${lit(2 ** -SQUARINGS)};`,
    `let ${p}e = ${poly};`,
  ];
  for (let i = 0; i < SQUARINGS; i++) lines.push(`${p}e = ${p}e * ${p}e;`);
  lines.push(`const ${name} = ${p}y > ${lit(EXP_CUTOFF)} ? ${p}e : 0.0;`);
  return lines.map((l) => `    ${l}\n`).join('');
}
