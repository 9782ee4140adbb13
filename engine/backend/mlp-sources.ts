import { expNegSource } from './exp-source.ts';
import { lit } from './literal.ts';

/**
 * gpu.js sources of the mean-field MLP passes over the data (engine/models/mlp/risk.ts,
 * docs/design.md §3.1), gather form like the pair kernels (kernel-sources.ts): one thread
 * per output row, a sequential sum over the other index, so any split of the rows
 * over threads or workers gives the same bits.
 *
 * - forward, one thread per data point k: f_k = Σ_i c_i σ(w_i·x_k + b_i), c_i = ω_i a_i;
 * - backward, one thread per neuron i: sums over the data of r_k × (σ(z_ik),
 *   σ'(z_ik) x_k, σ'(z_ik)), r_k = (f(x_k) − y_k)/N, the host multiplies by a_i.
 *
 * Signatures (x0.., c | r, w0.., b, n, i0): data inputs as d float32 coordinate arrays
 * (the feature-major layout of network.ts), neuron parameters as d + 2 arrays; `n`
 * is the number of rows (the executor's convention), the length of the gathered
 * index is a literal in the source (a run has fixed m and batch size, so each
 * kernel compiles once).
 */
export type MlpActivationName = 'relu' | 'tanh' | 'sigmoid' | 'gelu';

/** GELU's tanh form, as engine/models/mlp/activations.ts defines it (Hendrycks & Gimpel 2016). */
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * Statements that declare `s` = σ(z) and/or `ds` = σ'(z) for the float32 local `z`.
 * tanh and the logistic are formed from e = e^{−2|u|} resp. e^{−|z|} (the inline
 * exponential of exp-source.ts, argument ≤ 0; wasm has no exp opcode):
 * tanh u = sgn(u)(1 − e)/(1 + e), σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) below.
 * With |Δe| ≤ ε e (ε = exp-source's relative error) these lose at most ε/2 (tanh)
 * and ε/4 (logistic) absolutely; no cancellation grows it, since e ≤ 1.
 */
export function activationSource(act: MlpActivationName, value: boolean, derivative: boolean): string {
  const out: string[] = [];
  const tanhOf = (name: string, u: string) => {
    out.push(...expNegSource(`${name}E`, `-2.0 * Math.abs(${u})`).split('\n').filter(Boolean).map((l) => l.trim()));
    out.push(`const ${name}M = (1.0 - ${name}E) / (1.0 + ${name}E);`);
    out.push(`const ${name} = ${u} < 0.0 ? -${name}M : ${name}M;`);
  };
  switch (act) {
    case 'relu':
      if (value) out.push('const s = Math.max(z, 0.0);');
      if (derivative) out.push('const ds = z > 0.0 ? 1.0 : 0.0;');
      break;
    case 'tanh':
      tanhOf('th', 'z');
      if (value) out.push('const s = th;');
      if (derivative) out.push('const ds = 1.0 - th * th;');
      break;
    case 'sigmoid':
      out.push(...expNegSource('e', '-Math.abs(z)').split('\n').filter(Boolean).map((l) => l.trim()));
      out.push('const p = (z < 0.0 ? e : 1.0) / (1.0 + e);');
      if (value) out.push('const s = p;');
      if (derivative) out.push('const ds = p * (1.0 - p);');
      break;
    case 'gelu':
      out.push(`const gu = ${lit(GELU_C)} * (z + ${lit(GELU_A)} * z * z * z);`);
      tanhOf('th', 'gu');
      if (value) out.push('const s = 0.5 * z * (1.0 + th);');
      if (derivative) out.push(`const ds = 0.5 * (1.0 + th) + 0.5 * z * (1.0 - th * th) * ${lit(GELU_C)} * (1.0 + ${lit(3 * GELU_A)} * z * z);`);
      break;
  }
  return out.map((l) => `    ${l}\n`).join('');
}

function coords(prefix: string, d: number): string[] {
  return Array.from({ length: d }, (_, k) => `${prefix}${k}`);
}

/** `const z = b + Σ_q w_q x_q;` with the operand expressions given (thread's own vs the gathered index's). */
function preActivation(d: number, bias: string, w: (k: number) => string, x: (k: number) => string): string {
  return `    const z = ${[bias, ...Array.from({ length: d }, (_, k) => `${w(k)} * ${x(k)}`)].join(' + ')};\n`;
}

/** Forward pass: f_k = Σ_{i<m} c_i σ(w_i·x_k + b_i), one thread per data point k. */
export function mlpForwardSource(d: number, act: MlpActivationName, m: number): string {
  const args = [...coords('x', d), 'c', ...coords('w', d), 'b', 'n', 'i0'];
  return (
    `function (${args.join(', ')}) {\n  const k = this.thread.x + i0;\n` +
    coords('', d).map((_, q) => `  const p${q} = x${q}[k];\n`).join('') +
    '  let f = 0.0;\n' +
    `  for (let i = 0; i < ${m}; i++) {\n` +
    preActivation(d, 'b[i]', (q) => `w${q}[i]`, (q) => `p${q}`) +
    activationSource(act, true, false) +
    '    f += c[i] * s;\n  }\n  return f;\n}'
  );
}

/**
 * One lane of the backward pass: 'a' = Σ_k r_k σ(z_ik), 'x<q>' = Σ_k r_k σ'(z_ik) x_k[q],
 * 'b' = Σ_k r_k σ'(z_ik).
 */
export type MlpLane = 'a' | 'b' | `x${number}`;

/**
 * What the host needs per neuron. ReLU: (x, 1)-sums only, d + 1 ≤ 4 lanes, the
 * a-component is ⟨(w, b), g⟩ by 1-homogeneity (as relu-kernels.ts does); the
 * others: σ-sum, σ'x-sums and, with a bias, the σ'-sum (d + 2 lanes).
 */
export function mlpLanes(d: number, act: MlpActivationName, bias: boolean): MlpLane[] {
  const xs = Array.from({ length: d }, (_, q) => `x${q}` as MlpLane);
  if (act === 'relu') return [...xs, 'b'];
  return ['a', ...xs, ...(bias ? ['b' as MlpLane] : [])];
}

/** gpu.js returns at most four floats per thread: the lanes are cut into kernels of ≤ 4. */
export function laneGroups(lanes: readonly MlpLane[]): MlpLane[][] {
  const g: MlpLane[][] = [];
  for (let i = 0; i < lanes.length; i += 4) g.push(lanes.slice(i, i + 4));
  return g;
}

/** Backward pass over N data points for the given lanes (≤ 4), one thread per neuron i. */
export function mlpBackwardSource(d: number, act: MlpActivationName, N: number, lanes: readonly MlpLane[]): string {
  if (lanes.length < 1 || lanes.length > 4) throw new Error(`a backward kernel returns 1 to 4 lanes; got ${lanes.length}`);
  const args = [...coords('x', d), 'r', ...coords('w', d), 'b', 'n', 'i0'];
  const needDs = lanes.some((l) => l !== 'a');
  const acc = (l: MlpLane) => `g${l}`;
  const update = (l: MlpLane) => (l === 'a' ? '    ga += rk * s;\n' : l === 'b' ? '    gb += t;\n' : `    g${l} += t * ${l}[k];\n`);
  return (
    `function (${args.join(', ')}) {\n  const i = this.thread.x + i0;\n` +
    coords('', d).map((_, q) => `  const q${q} = w${q}[i];\n`).join('') +
    '  const bi = b[i];\n' +
    lanes.map((l) => `  let ${acc(l)} = 0.0;\n`).join('') +
    `  for (let k = 0; k < ${N}; k++) {\n` +
    preActivation(d, 'bi', (q) => `q${q}`, (q) => `x${q}[k]`) +
    activationSource(act, lanes.includes('a'), needDs) +
    '    const rk = r[k];\n' +
    (needDs ? '    const t = rk * ds;\n' : '') +
    lanes.map(update).join('') +
    '  }\n' +
    (lanes.length === 1 ? `  return ${acc(lanes[0])};\n}` : `  return [${lanes.map(acc).join(', ')}];\n}`)
  );
}
