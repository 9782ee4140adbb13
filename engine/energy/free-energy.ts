import { UsageError } from '../core/simulation.ts';
import { BlobEntropy } from '../particles/blob-entropy.ts';
import { BlobPorous } from '../particles/blob-porous.ts';
import type { ParticleEnergy } from '../particles/energy.ts';
import { Interaction } from '../particles/interaction.ts';
import type { BlobMethodRequest, InteractionMethodRequest } from '../particles/mesh/method-rule.ts';
import { Potential, type PotentialFunction } from '../particles/potential.ts';
import type { RadialKernel } from '../particles/radial-kernels.ts';
import { gaussianPrelude, lit } from '../backend/radial-forms.ts';
import { Congestion, GridEntropy, GridPotential, Obstacles, PorousMedium, type GridEnergy } from '../grid/grid-energy.ts';
import { GridInteraction } from '../grid/grid-interaction.ts';
import type { Grid } from '../grid/grid.ts';

/**
 * One term of the interaction W: W is their sum.
 * - `quadratic`: W(z) = c|z|²/2 (c > 0 attracts towards the centre of mass; default c = 1);
 * - `gaussian`: W(z) = A e^{−|z|²/(2s²)} (A > 0 repels, A < 0 attracts);
 * - `radial`: any radial kernel of engine/particles/radial-kernels.ts (log or Newton
 *   repulsion, power, Morse): particles only — the grid refuses it (its W*ρ is computed for
 *   the two forms above, docs/design.md §1.2).
 */
export type InteractionTerm =
  | { kind: 'quadratic'; strength?: number }
  | { kind: 'gaussian'; amplitude: number; width: number }
  | { kind: 'radial'; kernel: RadialKernel };

/**
 * A free energy written once (issue #15), from which both discretizations are derived:
 *
 *     F(ρ) = ∫ V dρ + ½ ∫∫ W(x − y) dρ(x) dρ(y) + σ ∫ ρ log ρ + c ∫ ρ^m/(m−1) + ι{ρ ≤ κ} + ι{ρ = 0 on obstacles}
 *
 * `particleEnergies` gives forward Wasserstein gradient descent's energies (docs/design.md
 * §1.1), `gridEnergies` the JKO step's KL-prox terms (§1.2). A term one discretization cannot
 * take is refused there with one line naming the term and the discretization
 * (`FreeEnergyTermError`).
 */
export interface FreeEnergy {
  /** V (any `{ value, gradient? }`; the grid samples `value` at cell centres). */
  potential?: PotentialFunction;
  /** W as a sum of terms (or one term). */
  interaction?: InteractionTerm | readonly InteractionTerm[];
  /** Temperature σ > 0 of σ∫ρ log ρ. */
  entropy?: number;
  /** Porous medium c ∫ ρ^m/(m−1), m > 1, c > 0 (default 1). */
  porous?: { m: number; coefficient?: number };
  /** Congestion ρ ≤ κ (crowd motion): grids only. */
  congestion?: number;
  /** Obstacles: true where a point is blocked (V = +∞ there): grids only. */
  obstacles?: (x: Float64Array) => boolean;
}

/** The names of the terms, as the refusals and `describeFreeEnergy` call them. */
export type FreeEnergyTerm = 'potential' | 'interaction' | 'entropy' | 'porous' | 'congestion' | 'obstacles';

/** A term given to a discretization that cannot take it: one line, exit 2 in the CLI (a UsageError). */
export class FreeEnergyTermError extends UsageError {
  constructor(
    readonly term: FreeEnergyTerm,
    readonly discretization: 'particles' | 'grid',
    why: string,
  ) {
    super(`free energy term '${term}' cannot be discretized on ${discretization === 'particles' ? 'particles (forward Wasserstein gradient descent)' : 'the grid (JKO steps)'}: ${why}`);
    this.name = 'FreeEnergyTermError';
  }
}

function termsOf(w: FreeEnergy['interaction']): readonly InteractionTerm[] {
  if (!w) return [];
  return (Array.isArray(w) ? w : [w]) as readonly InteractionTerm[];
}

/** Checks the values of a free energy (one line naming the term when one is out of range) and returns it. */
export function defineFreeEnergy(f: FreeEnergy): FreeEnergy {
  if (f.potential !== undefined && typeof f.potential?.value !== 'function') throw new UsageError('free energy potential needs { value(x, offset, d) } (and optionally gradient)');
  for (const t of termsOf(f.interaction)) {
    if (t.kind === 'quadratic' && t.strength !== undefined && !Number.isFinite(t.strength)) throw new UsageError(`free energy interaction: quadratic strength must be finite; got ${t.strength}`);
    if (t.kind === 'gaussian' && !(t.width > 0 && Number.isFinite(t.amplitude))) throw new UsageError(`free energy interaction: gaussian needs a finite amplitude and width > 0; got amplitude ${t.amplitude}, width ${t.width}`);
    if (t.kind === 'radial' && typeof t.kernel?.gradFactor !== 'function') throw new UsageError('free energy interaction: a radial term needs a RadialKernel (engine/particles/radial-kernels.ts)');
    if (!['quadratic', 'gaussian', 'radial'].includes(t.kind)) throw new UsageError(`free energy interaction: unknown kind '${(t as { kind: string }).kind}' (quadratic, gaussian, radial)`);
  }
  if (f.entropy !== undefined && !(f.entropy > 0)) throw new UsageError(`free energy entropy: temperature σ must be > 0; got ${f.entropy}`);
  if (f.porous !== undefined) {
    if (!(f.porous.m > 1)) throw new UsageError(`free energy porous: exponent m must be > 1; got ${f.porous.m}`);
    if (f.porous.coefficient !== undefined && !(f.porous.coefficient > 0)) throw new UsageError(`free energy porous: coefficient must be > 0; got ${f.porous.coefficient}`);
  }
  if (f.congestion !== undefined && !(f.congestion > 0)) throw new UsageError(`free energy congestion: κ must be > 0; got ${f.congestion}`);
  if (f.potential === undefined && !termsOf(f.interaction).length && f.entropy === undefined && f.porous === undefined && f.congestion === undefined) {
    throw new UsageError('free energy has no term: give at least one of potential, interaction, entropy, porous, congestion');
  }
  return f;
}

/** The terms present, in formula order. */
export function freeEnergyTerms(f: FreeEnergy): FreeEnergyTerm[] {
  const out: FreeEnergyTerm[] = [];
  if (f.potential) out.push('potential');
  if (termsOf(f.interaction).length) out.push('interaction');
  if (f.entropy !== undefined) out.push('entropy');
  if (f.porous) out.push('porous');
  if (f.congestion !== undefined) out.push('congestion');
  if (f.obstacles) out.push('obstacles');
  return out;
}

/** The formula of F with its constants, for scene descriptions and scene.json. */
export function describeFreeEnergy(f: FreeEnergy): string {
  const parts: string[] = [];
  if (f.potential) parts.push('∫V dρ');
  const w = termsOf(f.interaction).map((t) => (t.kind === 'quadratic' ? `${t.strength ?? 1}|z|²/2` : t.kind === 'gaussian' ? `${t.amplitude}·e^{−|z|²/(2·${t.width}²)}` : t.kernel.name));
  if (w.length) parts.push(`½∫∫W dρdρ (W = ${w.join(' + ')})`);
  if (f.entropy !== undefined) parts.push(`${f.entropy}∫ρ log ρ`);
  if (f.porous) parts.push(`${f.porous.coefficient ?? 1}∫ρ^${f.porous.m}/${f.porous.m - 1}`);
  if (f.congestion !== undefined) parts.push(`ι{ρ ≤ ${f.congestion}}`);
  if (f.obstacles) parts.push('obstacles');
  return `F = ${parts.join(' + ')}`;
}

/** W(z) = c|z|²/2 + Σ A_k e^{−|z|²/(2s_k²)} as one radial kernel (the particles' pair loop runs once for the sum). */
export function sumKernel(terms: readonly InteractionTerm[]): RadialKernel {
  if (terms.length === 1 && terms[0].kind === 'radial') return terms[0].kernel;
  const parts: RadialKernel[] = terms.map((t, i) => {
    if (t.kind === 'radial') return t.kernel;
    if (t.kind === 'quadratic') {
      const c = t.strength ?? 1;
      return { name: `quadratic(${c})`, singular: false, value: (r2: number) => 0.5 * c * r2, gradFactor: () => c, gpu: { grad: lit(c), value: `${lit(0.5 * c)} * r2` } };
    }
    const { amplitude: A, width: s } = t;
    const k = 1 / (2 * s * s);
    // The gpu.js form with its inline exponential, named per term so that sums of them compose.
    const g = `gE${i}`, u = `uE${i}`;
    return {
      name: `gaussian(${A}, ${s})`, singular: false, value: (r2: number) => A * Math.exp(-k * r2), gradFactor: (r2: number) => (-A / (s * s)) * Math.exp(-k * r2),
      gpu: { gradPrelude: gaussianPrelude(g, k), grad: `${lit(-A / (s * s))} * ${g}`, valuePrelude: gaussianPrelude(u, k), value: `${lit(A)} * ${u}` },
    };
  });
  if (parts.length === 1) return parts[0];
  // A gpu.js form for the sum when every part has a plain one (no logarithm, no clamp).
  const forms = parts.map((p) => p.gpu);
  const plain = forms.every((f) => f && f.logCoeff === undefined && !f.clamp && f.valueQuadratic === undefined);
  return {
    name: parts.map((p) => p.name).join(' + '),
    singular: parts.some((p) => p.singular),
    value: (r2) => parts.reduce((s, p) => s + p.value(r2), 0),
    gradFactor: (r2) => parts.reduce((s, p) => s + p.gradFactor(r2), 0),
    ...(plain ? {
      gpu: {
        gradPrelude: forms.map((f) => f!.gradPrelude ?? '').join(''), grad: forms.map((f) => `(${f!.grad})`).join(' + '),
        valuePrelude: forms.map((f) => f!.valuePrelude ?? '').join(''), value: forms.map((f) => `(${f!.value})`).join(' + '),
      },
    } : {}),
  };
}

/** How the particles discretize the terms that need a choice. */
export interface ParticleDiscretizationOptions {
  /** The entropy: 'blob' (deterministic, Carrillo–Craig–Patacchini) or 'langevin' (noise √(2στ)ξ). Default 'blob'. */
  entropy?: 'blob' | 'langevin';
  /** Blob width δ of the entropy and of the porous term (required when either is discretized by blobs). */
  delta?: number;
  /** How the blob entropy's sums run (direct, cells, mesh, auto). */
  entropyMethod?: BlobMethodRequest;
  /** How the interaction's pair sums run (direct, pm, p3m, auto). */
  interactionMethod?: InteractionMethodRequest;
}

/** What forward Wasserstein gradient descent needs: the energies, and the Langevin temperature when the entropy is noise. */
export interface ParticleDiscretization {
  energies: ParticleEnergy[];
  noise?: { temperature: number; method?: BlobMethodRequest };
}

/**
 * The particle energies of F (docs/design.md §1.1): `Potential`, one `Interaction` for the
 * sum W, the entropy by blobs (`BlobEntropy`) or by Langevin noise (the scheme's `noise`),
 * the porous medium by blobs (`BlobPorous`). Congestion and obstacles are refused: a hard
 * bound on the density has no particle velocity.
 */
export function particleEnergies(f: FreeEnergy, o: ParticleDiscretizationOptions = {}): ParticleDiscretization {
  if (f.congestion !== undefined) {
    throw new FreeEnergyTermError('congestion', 'particles', 'the density bound ρ ≤ κ is a hard constraint with no particle velocity; use the grid (entropic JKO)');
  }
  if (f.obstacles) throw new FreeEnergyTermError('obstacles', 'particles', 'V = +∞ on the obstacles has no gradient there; use the grid (entropic JKO)');
  const energies: ParticleEnergy[] = [];
  if (f.potential) energies.push(new Potential(f.potential));
  const terms = termsOf(f.interaction);
  if (terms.length) energies.push(new Interaction(sumKernel(terms), { method: o.interactionMethod ?? 'direct' }));
  const needDelta = (f.entropy !== undefined && (o.entropy ?? 'blob') === 'blob') || f.porous !== undefined;
  if (needDelta && !(o.delta !== undefined && o.delta > 0)) throw new UsageError(`the blob ${f.porous ? 'porous medium' : 'entropy'} needs a width delta > 0; got ${o.delta}`);
  let noise: ParticleDiscretization['noise'];
  if (f.entropy !== undefined) {
    if ((o.entropy ?? 'blob') === 'blob') energies.push(new BlobEntropy(f.entropy, o.delta!, { method: o.entropyMethod ?? 'direct' }));
    else noise = { temperature: f.entropy, method: o.entropyMethod };
  }
  if (f.porous) energies.push(new BlobPorous(f.porous.m, o.delta!, f.porous.coefficient ?? 1));
  return { energies, ...(noise ? { noise } : {}) };
}

/** What the JKO step needs: its energies, and the obstacle mask when F has obstacles. */
export interface GridDiscretization {
  energies: GridEnergy[];
  mask?: Uint8Array;
}

/**
 * The grid energies of F (docs/design.md §1.2; both the entropic and the exact JKO step take
 * them): `GridPotential` (V at cell centres), `GridInteraction` per quadratic or Gaussian
 * term of W (semi-implicit, V += W * p_k), `GridEntropy`, `PorousMedium`, `Congestion`,
 * `Obstacles` with the mask of blocked cell centres. A `radial` interaction term (singular
 * kernels) is refused: the grid's W * p is computed for quadratic and Gaussian W only.
 */
export function gridEnergies(f: FreeEnergy, grid: Grid): GridDiscretization {
  const energies: GridEnergy[] = [];
  const d = grid.dim;
  if (f.potential) {
    const V = f.potential;
    energies.push(new GridPotential(grid.evaluate((x) => V.value(x, 0, d))));
  }
  for (const t of termsOf(f.interaction)) {
    if (t.kind === 'radial') {
      throw new FreeEnergyTermError('interaction', 'grid', `W = ${t.kernel.name} has no grid convolution (the grid takes quadratic and Gaussian W: { kind: 'quadratic' } or { kind: 'gaussian' })`);
    }
    energies.push(t.kind === 'quadratic' ? GridInteraction.quadratic(grid, t.strength ?? 1) : GridInteraction.gaussian(grid, t.amplitude, t.width));
  }
  if (f.entropy !== undefined) energies.push(new GridEntropy(f.entropy));
  if (f.porous) energies.push(new PorousMedium(f.porous.m, f.porous.coefficient ?? 1));
  if (f.congestion !== undefined) energies.push(new Congestion(f.congestion));
  let mask: Uint8Array | undefined;
  if (f.obstacles) {
    const blocked = f.obstacles;
    mask = Uint8Array.from(grid.evaluate((x) => (blocked(x) ? 1 : 0)));
    energies.push(new Obstacles());
  }
  return { energies, ...(mask ? { mask } : {}) };
}
