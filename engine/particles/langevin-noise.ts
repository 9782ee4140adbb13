import { BlobSums, blobDensity, type BlobOptions } from './blob-entropy.ts';
import type { ParticleMeasure } from './measure.ts';

/**
 * The entropy σ∫ρ log ρ discretized by Brownian noise (Euler–Maruyama for the
 * McKean–Vlasov SDE, docs/design.md §1.1): it adds √(2στ) ξ_i to each particle per step and
 * no drift. The noise belongs to the scheme (forward-scheme.ts); what is left of the
 * entropy as an energy is its value for the record, estimated here with a Gaussian
 * kernel density estimate of Silverman's bandwidth.
 */
export function kdeEntropy(m: ParticleMeasure, temperature: number, rho = new Float64Array(m.n), sums?: BlobSums): number {
  const h = silvermanBandwidth(m);
  if (!sums?.run(m, h, rho, null, temperature)) blobDensity(m, h, rho);
  let s = 0;
  for (let i = 0; i < m.n; i++) s += m.w[i] * Math.log(rho[i]);
  return temperature * s;
}

/** Silverman's rule of thumb for a Gaussian KDE: h = σ̂ (4/((d+2)n))^{1/(d+4)}. */
export function silvermanBandwidth(m: ParticleMeasure): number {
  const { n, d, x } = m;
  let varSum = 0;
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + k];
    mean /= n;
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * d + k] - mean) ** 2;
    varSum += s / Math.max(1, n - 1);
  }
  const sd = Math.sqrt(varSum / d) || 1;
  return sd * Math.pow(4 / ((d + 2) * n), 1 / (d + 4));
}

/**
 * The recorded value of the Langevin-discretized entropy (kdeEntropy), its density
 * estimate summed by a blob method (direct pairs, cells, or the O(N) mesh; BlobOptions),
 * so that recording stays O(N) at 10⁵–10⁶ particles.
 */
export class KdeEntropy {
  private rho = new Float64Array(0);
  private readonly sums: BlobSums;

  constructor(
    readonly temperature: number,
    options: Pick<BlobOptions, 'method'> & Omit<BlobOptions, 'name'> = {},
  ) {
    const { method = 'direct', ...mesh } = options;
    this.sums = new BlobSums(method, mesh);
  }

  value(m: ParticleMeasure): number {
    if (this.rho.length !== m.n) this.rho = new Float64Array(m.n);
    return kdeEntropy(m, this.temperature, this.rho, this.sums);
  }

  /** How the recorded value's density estimate is summed for N particles in dimension d. */
  describe(n: number, d: number): string {
    return `langevin (value: ${this.sums.describe(n, d)})`;
  }
}
