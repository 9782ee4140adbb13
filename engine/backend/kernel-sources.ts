import type { RadialForm } from './radial-forms.ts';
import { lit } from './literal.ts';
import { expNegSource } from './exp-source.ts';

/**
 * gpu.js sources of the O(N²) particle pair loops, one thread per particle i
 * (gather form: thread i sums over every j, so rows are independent and any split
 * of the rows over threads, workers or GPU cores gives the same bits).
 *
 * Every kernel has the signature (x0[, x1[, x2]], w[, inv], n, i0): positions as
 * d float32 coordinate arrays (structure of arrays, so the wasm backend loads
 * them with SIMD), weights w [n], the thread's particle is i = thread.x + i0 (a
 * worker computes rows [i0, i0 + rows)). It returns a number (d = 1) or [d]
 * (d = 2, 3). d ≤ 3: gpu.js returns at most four lanes per thread.
 *
 * The diagonal j = i is not branched on (a branch costs ~1.5× on wasm SIMD): the
 * singular kernels are evaluated at r² + EPS2 there, where z = 0 makes the term
 * vanish; EPS2 = 1e−20 keeps 1/r³ finite in float32 (r³ = 1e−30 > FLT_MIN) and
 * changes any real pair's r² by far less than one float32 ulp.
 */
export const EPS2 = 1e-20;

/** Largest dimension with a gpu.js kernel. */
export const MAX_KERNEL_DIM = 3;

function coords(d: number): string[] {
  return Array.from({ length: d }, (_, k) => `x${k}`);
}

function header(d: number, extra: string[]): string {
  return `function (${[...coords(d), 'w', ...extra, 'n', 'i0'].join(', ')}) {\n  const i = this.thread.x + i0;\n`;
}

/** `const z0 = a0 - x0[j]; …; const r2 = z0 * z0 + …` */
function pairR2(d: number, eps: string): string {
  const ks = Array.from({ length: d }, (_, k) => k);
  return (
    ks.map((k) => `    const z${k} = a${k} - x${k}[j];\n`).join('') +
    `    const r2 = ${ks.map((k) => `z${k} * z${k}`).join(' + ')}${eps};\n`
  );
}

function loads(d: number): string {
  return Array.from({ length: d }, (_, k) => `  const a${k} = x${k}[i];\n`).join('');
}

function vectorReturn(d: number): string {
  const vs = Array.from({ length: d }, (_, k) => `v${k}`);
  return d === 1 ? '  return v0;\n}' : `  return [${vs.join(', ')}];\n}`;
}

function accumulators(d: number): string {
  return Array.from({ length: d }, (_, k) => `  let v${k} = 0.0;\n`).join('');
}

/**
 * Interaction velocity v_i = −Σ_j w_j ∇W(x_i − x_j) = −Σ_j w_j g(r²_ij) (x_i − x_j)
 * (docs/design.md §1.1). `form.clamp` bounds g where a power kernel overflows float32 at the
 * diagonal (inf·0 would be NaN).
 *
 * `partnersPerTrip` 2 (the default, what the accelerator runs) takes partners j and j + 1 per
 * loop trip, each partner's statements in a block of its own and in the one-partner loop's
 * order, an odd last partner as a tail after the loop: every v_k receives the same float32
 * operations in the same order, so the rows are the one-partner loop's bit for bit
 * (tests/engine/backend/kernels.test.ts). It halves the loop's counter, compare and branch per
 * partner, and lets the translation interleave two partners' independent arithmetic: the
 * WebAssembly SIMD pass ran at ~0.7–0.75 of the one-partner loop's time. 1 is the one-partner
 * loop, kept as the reference the tests compare with.
 */
export function interactionVelocitySource(d: number, form: RadialForm, partnersPerTrip: 1 | 2 = 2): string {
  return header(d, []) + loads(d) + accumulators(d) + partnerLoop(partnersPerTrip, (jv, indent) => velocityPair(d, form, jv, indent)) + vectorReturn(d);
}

/**
 * The loop over partners j of every pair kernel here, `body(jv, indent)` the statements of
 * partner index jv: one partner per trip ('j'), or two per trip — partner j's block, then
 * j + 1's ('jb'), then `perTrip` — with an odd last partner ('jt') as a tail after the loop.
 * Each partner's statements come in the one-partner loop's order, so a row's accumulators
 * receive the same operations in the same order either way (the same bits).
 */
type Partner = 'j' | 'jb' | 'jt';
function partnerLoop(partnersPerTrip: 1 | 2, body: (jv: Partner, indent: string) => string, perTrip = ''): string {
  if (partnersPerTrip === 1) return '  for (let j = 0; j < n; j++) {\n' + body('j', '    ') + '  }\n';
  return (
    '  let jt = 0;\n' +
    '  for (let j = 0; j + 1 < n; j += 2) {\n' +
    '    {\n' + body('j', '      ') + '    }\n' +
    '    {\n      const jb = j + 1;\n' + body('jb', '      ') + '    }\n' +
    '    jt = j + 2;\n' + perTrip +
    '  }\n' +
    '  if (jt < n) {\n' + body('jt', '    ') + '  }\n'
  );
}

/**
 * r² offset of the logarithmic kernels' value loop: 2^−60, so that the diagonal's factor
 * r²_ii = 2^−60 (exact: z = 0) keeps the running product normal in float32 (it stays in
 * [2^−64, 2^64] and every factor is ≥ 2^−60), and the host removes log 2^−60 exactly. A
 * real pair's r² moves by ≤ 1e−18, below one float32 ulp for |z| > 1e−5.
 */
export const LOG_EPS2 = 2 ** -60;

/**
 * Interaction energy by rows (the per-pair work of one velocity evaluation, so recording
 * the energy costs about one velocity):
 *
 *   e_i = Σ_{j≠i} w_j V(r²_ij)                       (row's output; the diagonal masked by w = 0)
 *   and, for W = V + c·log r² (form.logCoeff = c), P_i = Π_j (r²_ij + 2^−60) as P·2^k
 *
 * returned as [e_i, P_i, k_i]. The host forms F = ½ Σ_i w_i (e_i + c w (log P_i + k_i log 2 + 60 log 2))
 * (uniform weights w; the diagonal's 2^−60 removed) + ½ Σ w_i² W(0) for non-singular W,
 * in float64. wasm has no log opcode: a Math.log per pair would be a call into JavaScript
 * (measured ~25× slower than the velocity); the product is renormalized by 2^±64 whenever
 * it leaves [2^−64, 2^64] (exact scalings), so log is taken once per row, on the host.
 *
 * Two partners per loop trip by default (the one-partner loop's statements per partner, in its
 * order, an odd tail: the same rows bit for bit, `partnersPerTrip` 1 the tests' reference): the
 * wasm pass measured 0.9–1.45 velocity passes without a logarithm and 1.3–2.6 with one (one per
 * trip: 1.25–1.9 and 2.0–2.7; one thread, n = 2000). It runs where no record kernel fits (d = 3
 * logarithmic, W with a logarithm and no quadratic part).
 */
export function interactionEnergySource(d: number, form: RadialForm, partnersPerTrip: 1 | 2 = 2): string {
  const log = form.logCoeff !== undefined;
  const eps = log ? ` + ${lit(LOG_EPS2)}` : ` + ${lit(EPS2)}`;
  const big = lit(2 ** 64), small = lit(2 ** -64);
  const partner = (jv: Partner, indent: string) =>
    (pairR2(d, eps).replace(/\[j\]/g, `[${jv}]`) + (form.valuePrelude ?? '') +
      // The diagonal is masked in the sum (V may be singular there, and even V(2^−60) ~ 1e−19 would
      // leave a lone particle with a spurious energy); with a logarithm its factor 2^−60 in the
      // product is removed on the host.
      `    const wj = ${jv} === i ? 0.0 : w[${jv}];\n` +
      `    e += wj * ${form.clamp ? `Math.min(Math.max(${form.value}, -1e30), 1e30)` : `(${form.value})`};\n` +
      (log
        ? '    p = p * r2;\n' +
          `    const lo = p < ${small} ? ${big} : 1.0;\n` +
          `    const hi = p > ${big} ? ${small} : 1.0;\n` +
          '    p = p * lo * hi;\n' +
          '    k = k + (lo > 1.0 ? -64.0 : 0.0) + (hi < 1.0 ? 64.0 : 0.0);\n'
        : '')).replace(/^ {4}/gm, indent);
  return header(d, []) + loads(d) + '  let e = 0.0;\n' + (log ? '  let p = 1.0;\n  let k = 0.0;\n' : '') + partnerLoop(partnersPerTrip, partner) + `  return ${log ? '[e, p, k]' : 'e'};\n}`;
}

/**
 * Lanes of the record kernel (interactionRecordSource) for a form in dimension d, or null
 * when they exceed gpu.js's four per row: d + 1 (velocity, e_i), or d + 2 for a logarithmic
 * W (velocity, P_i, k_i) whose non-logarithmic part the host sums (form.valueQuadratic).
 */
export function recordLanes(d: number, form: RadialForm): number | null {
  if (form.logCoeff !== undefined && form.valueQuadratic === undefined) return null;
  const lanes = d + (form.logCoeff !== undefined ? 2 : 1);
  return lanes <= 4 ? lanes : null;
}

/**
 * Velocity and energy rows in one pass, for a recorded state (whose velocity the next step
 * asks): the velocity lanes are interactionVelocitySource's statements unchanged — the same
 * float32 operations in the same order, so the same bits — and the value lanes those of
 * interactionEnergySource: [v_0..v_{d−1}, e_i] or, for a logarithmic W, [v_0..v_{d−1}, P_i, k_i]
 * (e_i = Σ_j w_j c r²_ij is then summed on the host through moments; the product's loop is
 * logRecordSource's). Null where the lanes do not fit (recordLanes).
 *
 * Both run the velocity's partner loop (partnerLoop), the value statements of
 * each partner inside its block: e_i gets the partners in the one-partner loop's order too, so
 * `partnersPerTrip` 1 (the non-logarithmic kernel's one-partner loop, the tests' reference)
 * gives the same rows bit for bit. Two per trip, the non-logarithmic record pass measured
 * 1.1–1.8 velocity passes over the forms and d = 1..3 (one per trip: 1.55–2.2; gpu.js wasm,
 * one thread, n = 2000): what remains is mostly the value's diagonal mask, a select per partner.
 */
export function interactionRecordSource(d: number, form: RadialForm, partnersPerTrip: 1 | 2 = 2): string | null {
  if (recordLanes(d, form) === null) return null;
  if (form.logCoeff !== undefined) return logRecordSource(d, form);
  const ks = Array.from({ length: d }, (_, k) => k);
  const value = (jv: Partner, indent: string) =>
    ((form.valuePrelude ?? '') +
      `    const wj = ${jv} === i ? 0.0 : w[${jv}];\n` +
      `    e += wj * ${form.clamp ? `Math.min(Math.max(${form.value}, -1e30), 1e30)` : `(${form.value})`};\n`).replace(/^ {4}/gm, indent);
  const loop = partnerLoop(partnersPerTrip, (jv, indent) => velocityPair(d, form, jv, indent) + value(jv, indent));
  return header(d, []) + loads(d) + accumulators(d) + '  let e = 0.0;\n' + loop + `  return [${[...ks.map((k) => `v${k}`), 'e'].join(', ')}];\n}`;
}

/**
 * The velocity's statements for partner index `jv` (interactionVelocitySource's loop body, which
 * the record kernels repeat verbatim): z_k, r², the prelude, g, v_k −= g z_k.
 */
function velocityPair(d: number, form: RadialForm, jv: Partner, indent: string): string {
  const g = form.clamp ? `Math.min(Math.max(${form.grad}, -1e30), 1e30)` : `(${form.grad})`;
  const ks = Array.from({ length: d }, (_, k) => k);
  const body =
    pairR2(d, ` + ${lit(EPS2)}`).replace(/\[j\]/g, `[${jv}]`) + (form.gradPrelude ?? '') +
    `    const g = w[${jv}] * ${g};\n` +
    ks.map((k) => `    v${k} -= g * z${k};\n`).join('');
  return body.replace(/^ {4}/gm, indent);
}

/**
 * The record kernel of a logarithmic W: velocity lanes as interactionVelocitySource's (its
 * two-partner loop, partnerLoop, so the same bits), and P_i = Π_j (r²_ij + 2^−60) as p·2^k.
 *
 * Two partners per loop trip (the velocity statements of j, then of j + 1, in sibling blocks
 * that each declare the form's names; an odd last partner is a tail after the loop). The
 * one-partner loop renormalized the product at every partner and counted its scalings with
 * compares and selects; its cost was the instructions (and the vector registers they hold),
 * not the serial chain: a pass cost ~1.65 velocity passes. Here, per trip:
 *
 *   rp = r² + 2^−60 ∈ [2^−60, 2^62) for each partner (|x_i − x_j| < 2^31);
 *   q  = ra·rb ∈ [2^−120, 2^124), normal in float32;
 *   q' = q·qs, qs = 2^64 if q < 1, 2^−64 if q ≥ 2^64, else 1:  q' ∈ [2^−56, 2^64);
 *   p  ← p·q' with p ∈ [2^−64, 2^64): p·q' ∈ [2^−120, 2^128) — normal, and finite since both
 *        factors are below 2^64 (their product rounds to at most 2^128 − 2^105);
 *   p  ← p·ps, ps = 2^64 if p < 2^−64, 2^−64 if p ≥ 2^64, else 1: back in [2^−64, 2^64).
 *
 * The tail multiplies one factor rp ∈ [2^−60, 2^62) into p (p·rp ∈ [2^−124, 2^126)) and
 * renormalizes the same way. Every scaling is by an exact power of two; a factor is rounded in
 * rp (r², its offset), then in q and in p·q', each rounding shared by two factors (the tail's in
 * p·rp alone): per factor the one-partner loop's bound (rp, then p·rp).
 *
 * k counts the scalings without compares or selects: for a scale s ∈ {2^64, 1, 2^−64},
 * ceil((1 − s)·2^−64) is −1, 0, +1 exactly (1 − 2^64 rounds to −2^64, 1 − 2^−64 to 1), the
 * exponent the scaling removed is 64 times it, and k = 64·Σ is returned (the host's lane, as
 * interactionEnergySource's k). Constants are few on purpose (1.0 and 2^±64 serve as both
 * thresholds and scales): each further vector constant or live value made V8 spill the loop's
 * accumulators (measured ~1.6 velocity passes with ±64/0 selects for k, ~1.17 with this).
 */
function logRecordSource(d: number, form: RadialForm): string {
  const ks = Array.from({ length: d }, (_, k) => k);
  const rp = `${ks.map((k) => `z${k} * z${k}`).join(' + ')} + ${lit(LOG_EPS2)}`;
  const big = lit(2 ** 64), small = lit(2 ** -64);
  const renorm = (indent: string) =>
    `${indent}const ps = p < ${small} ? ${big} : (p >= ${big} ? ${small} : 1.0);\n` +
    `${indent}p = p * ps;\n`;
  const count = (s: string) => `Math.ceil((1.0 - ${s}) * ${small})`;
  return (
    header(d, []) + loads(d) + accumulators(d) +
    '  let p = 1.0;\n  let k = 0.0;\n  let ra = 1.0;\n  let rb = 1.0;\n' +
    partnerLoop(
      2,
      (jv, indent) => velocityPair(d, form, jv, indent) + (jv === 'j' ? `      ra = ${rp};\n` : jv === 'jb' ? `      rb = ${rp};\n`
        : `    p = p * (${rp});\n` + renorm('    ') + `    k = k + ${count('ps')};\n`),
      '    const q = ra * rb;\n' +
        `    const qs = q < 1.0 ? ${big} : (q >= ${big} ? ${small} : 1.0);\n` +
        '    p = p * (q * qs);\n' +
        renorm('    ') +
        `    k = k + (${count('qs')} + ${count('ps')});\n`,
    ) +
    `  return [${[...ks.map((k) => `v${k}`), 'p', 'k * 64.0'].join(', ')}];\n}`
  );
}

/**
 * Unnormalized blob density s_i = Σ_j w_j e^{−c |x_i − x_j|²}, self term included,
 * c = 1/(2δ²); the host multiplies by (2πδ²)^{−d/2} (Carrillo, Craig & Patacchini 2019).
 * The exponential is the inline form of exp-source.ts (wasm has no exp opcode).
 */
export function blobDensitySource(d: number, c: number): string {
  return (
    header(d, []) + loads(d) + '  let s = 0.0;\n' +
    '  for (let j = 0; j < n; j++) {\n' + pairR2(d, '') +
    expNegSource('e', `-${lit(c)} * r2`) +
    `    s += w[j] * e;\n  }\n  return s;\n}`
  );
}

/**
 * Unscaled blob velocity u_i = Σ_j w_j e^{−c r²_ij} (1/ρ_i + 1/ρ_j) (x_i − x_j); the
 * host adds σ (2πδ²)^{−d/2}/δ² · u_i to the velocity (blob-entropy.ts). `inv` = 1/ρ.
 */
export function blobVelocitySource(d: number, c: number): string {
  const ks = Array.from({ length: d }, (_, k) => k);
  return (
    header(d, ['inv']) + loads(d) + '  const invi = inv[i];\n' + accumulators(d) +
    '  for (let j = 0; j < n; j++) {\n' + pairR2(d, '') +
    expNegSource('e', `-${lit(c)} * r2`) +
    `    const f = w[j] * e * (invi + inv[j]);\n` +
    ks.map((k) => `    v${k} += f * z${k};\n`).join('') +
    '  }\n' + vectorReturn(d)
  );
}
