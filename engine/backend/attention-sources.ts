import { expNegSource, logUnitSource } from './exp-source.ts';
import { lit } from './literal.ts';

/**
 * gpu.js source of plain self-attention (docs/design.md §3.2; Geshkovski et al. 2023), one
 * thread per token i, gather form, d ≤ 3:
 *
 *   m_i = max_j β⟨x_i, kx_j⟩,   z_i = Σ_j w_j e^{β⟨x_i, kx_j⟩ − m_i},   o_i = Σ_j w_j e^{…} vx_j.
 *
 * Signature (x0.., k0.., v0.., w, n, i0): tokens x, keys kx = M x and values vx = V x
 * as d float32 coordinate arrays each. Returns [o_i/z_i (d values), L_i = m_i + log z_i]:
 * the softmax output itself; USA's is e^{L_i} o_i/z_i = e^{m_i} o_i (formed by the host in
 * float64); L_i is the log of the row's total weight Σ_j w_j e^{β⟨x_i, kx_j⟩}, from which the
 * energy E_β of the same state follows (token-field.ts). (gpu.js returns at most 4 values.) Shifting each row by its own maximum keeps every exponent ≤ 0, so the
 * inline exponential (exp-source.ts) applies; terms below e^{−37} of a row's largest
 * are dropped (≤ N·e^{−37} ≈ N·1e−16 relative).
 */
export function attentionSource(d: number, beta: number): string {
  const ks = Array.from({ length: d }, (_, k) => k);
  const args = [...ks.map((k) => `x${k}`), ...ks.map((k) => `k${k}`), ...ks.map((k) => `v${k}`), 'w', 'n', 'i0'];
  // Distinct loop variables: gpu.js's GLSL puts both loops in one scope (a second `j` is a redefinition).
  const dot = (v: string) => ks.map((k) => `a${k} * k${k}[${v}]`).join(' + ');
  return (
    `function (${args.join(', ')}) {\n  const i = this.thread.x + i0;\n` +
    ks.map((k) => `  const a${k} = ${lit(beta)} * x${k}[i];\n`).join('') +
    '  let m = -3.0e38;\n' +
    `  for (let q = 0; q < n; q++) {\n    m = Math.max(m, ${dot('q')});\n  }\n` +
    '  let z = 0.0;\n' + ks.map((k) => `  let o${k} = 0.0;\n`).join('') +
    '  for (let j = 0; j < n; j++) {\n' +
    expNegSource('e', `${dot('j')} - m`) +
    '    const a = w[j] * e;\n    z += a;\n' +
    ks.map((k) => `    o${k} += a * v${k}[j];\n`).join('') +
    '  }\n' +
    logUnitSource('lz', 'z') +
    `  return [${[...ks.map((k) => `o${k} / z`), 'm + lz'].join(', ')}];\n}`
  );
}
