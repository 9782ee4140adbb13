import { Rng } from '../core/rng.ts';
import { randomDirection } from '../ot/sliced.ts';
import type { ParticleMeasure } from '../particles/measure.ts';
import { argsortFloat64, sortFloat64, SortHint } from '../core/sort.ts';

/**
 * The law of s = θ·X for X uniform on the unit d-ball and any unit θ (the same for
 * every θ, by rotation invariance): density f(s) = c_d (1 − s²)^{(d−1)/2} on [−1, 1].
 * Closed forms for d = 1, 2, 3 (the dimensions of the particle scenes):
 *   CDF F(t), partial first moment M(t) = ∫_{−1}^t s f(s) ds = −c_d/(d+1) (1 − t²)^{(d+1)/2},
 *   second moment E s² = 1/(d + 2).
 */
interface ProjectedBallLaw {
  cdf(t: number): number;
  density(t: number): number;
  partialMean(t: number): number;
  secondMoment: number;
}

function projectedBallLaw(d: number): ProjectedBallLaw {
  const clamp = (t: number) => Math.min(1, Math.max(-1, t));
  switch (d) {
    case 1:
      return { cdf: (t) => (clamp(t) + 1) / 2, density: () => 0.5, partialMean: (t) => (clamp(t) ** 2 - 1) / 4, secondMoment: 1 / 3 };
    case 2:
      return {
        cdf: (t) => {
          const u = clamp(t);
          return 0.5 + (u * Math.sqrt(1 - u * u) + Math.asin(u)) / Math.PI;
        },
        density: (t) => (2 / Math.PI) * Math.sqrt(Math.max(0, 1 - t * t)),
        partialMean: (t) => (-2 / (3 * Math.PI)) * Math.max(0, 1 - clamp(t) ** 2) ** 1.5,
        secondMoment: 1 / 4,
      };
    case 3:
      return {
        cdf: (t) => {
          const u = clamp(t);
          return (2 + 3 * u - u ** 3) / 4;
        },
        density: (t) => 0.75 * Math.max(0, 1 - t * t),
        partialMean: (t) => (-3 / 16) * Math.max(0, 1 - clamp(t) ** 2) ** 2,
        secondMoment: 1 / 5,
      };
    default:
      throw new Error(`the uniform-ball sliced metric is defined for d = 1, 2, 3; got d = ${d}`);
  }
}

/** Quantile Q(u) of the projected law: safeguarded Newton on F(t) = u (F is increasing on [−1, 1]). */
function quantile(law: ProjectedBallLaw, u: number): number {
  if (u <= 0) return -1;
  if (u >= 1) return 1;
  let lo = -1, hi = 1, t = 0;
  for (let it = 0; it < 100; it++) {
    const F = law.cdf(t) - u;
    if (Math.abs(F) < 1e-15) break;
    if (F > 0) hi = t;
    else lo = t;
    const f = law.density(t);
    let next = f > 0 ? t - F / f : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) < 1e-15) {
      t = next;
      break;
    }
    t = next;
  }
  return t;
}

/**
 * M(Q(i/n)) for i = 0..n: a function of (d, n) only, kept for the last (d, n) asked (a
 * run records the same n at every step; n Newton solves cost more than the sorts).
 */
let lastMoments: { d: number; n: number; Mq: Float64Array } | null = null;
function equalWeightMoments(law: ProjectedBallLaw, d: number, n: number): Float64Array {
  if (lastMoments?.d !== d || lastMoments.n !== n) {
    lastMoments = { d, n, Mq: Float64Array.from({ length: n + 1 }, (_, i) => law.partialMean(quantile(law, i / n))) };
  }
  return lastMoments.Mq;
}

/**
 * One sort hint per direction (the directions are the same at every record): the previous
 * record's order of the projections on direction l. Kept per position array (a scheme
 * moves its particles in place, so a run's records share one), so the hints live and die
 * with the simulation that owns the positions — no state shared between runs in a process
 * (a hint only makes the sort faster or not); none above HINT_MAX entries.
 */
const hintsOf = new WeakMap<Float64Array, SortHint[]>();
const HINT_MAX = 2 ** 22;

/**
 * Sliced W2 between the particles (centred at `centre`) and the uniform law on the
 * unit d-ball, the equilibrium of the aggregation scenes:
 *
 *   SW2² = E_θ W2²(θ#μ, ν₁),   ν₁ the projected ball law (the same for every θ),
 *
 * estimated with L seeded directions. Each 1D term is exact, not sampled: with the
 * projections sorted, s_(1) ≤ … ≤ s_(n), weights w and cumulative weights U_i,
 *   W2² = Σ_i ∫_{U_{i−1}}^{U_i} (s_(i) − Q(u))² du
 *       = Σ_i [w_i s_(i)² − 2 s_(i) (M(Q(U_i)) − M(Q(U_{i−1})))] + E s²
 * (Q the quantile, M the partial first moment: ∫_a^b Q(u) du = M(Q(b)) − M(Q(a))).
 * So the only error is the Monte Carlo one over θ (O(L^{−1/2}) relative, the same
 * directions at every recorded step). A measure equal to the ball scaled by r gives
 * (1 − r)²/(d + 2) exactly (the quantiles scale).
 */
export function slicedW2ToUniformBall(m: ParticleMeasure, centre?: ArrayLike<number>, opts: { directions?: number; seed?: number } = {}): number {
  const { n, d, x, w } = m;
  const law = projectedBallLaw(d);
  const L = opts.directions ?? 32;
  const rng = new Rng(opts.seed ?? 0);
  const theta = new Float64Array(d);
  const s = new Float64Array(n);
  let mass = 0;
  let equal = true;
  for (let i = 0; i < n; i++) {
    mass += w[i];
    if (w[i] !== w[0]) equal = false;
  }
  // Equal weights: U_i = i/n whatever the direction, so M(Q(U_i)) is computed once
  // (n quantiles instead of L·n) and the projections sort as plain numbers.
  const Mq = equal ? equalWeightMoments(law, d, n) : null;
  const idx = equal ? null : new Uint32Array(n);
  let total = 0;
  for (let l = 0; l < L; l++) {
    randomDirection(rng, theta);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += (x[i * d + k] - (centre ? centre[k] : 0)) * theta[k];
      s[i] = v;
    }
    let sum = law.secondMoment;
    if (Mq) {
      if (n * L <= HINT_MAX) {
        let hints = hintsOf.get(x);
        if (!hints) hintsOf.set(x, (hints = []));
        (hints[l] ??= new SortHint()).sortInto(s.slice(), s);
      }
      else sortFloat64(s);
      for (let i = 0; i < n; i++) sum += s[i] * s[i] / n - 2 * s[i] * (Mq[i + 1] - Mq[i]);
    } else {
      argsortFloat64(s, idx!);
      let U = 0;
      let Mprev = law.partialMean(-1);
      for (const i of idx!) {
        const wi = w[i] / mass;
        U = Math.min(1, U + wi);
        const M = law.partialMean(quantile(law, U));
        sum += wi * s[i] * s[i] - 2 * s[i] * (M - Mprev);
        Mprev = M;
      }
    }
    total += Math.max(0, sum);
  }
  return Math.sqrt(total / L);
}
