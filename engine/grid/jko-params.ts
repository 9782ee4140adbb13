import type { ParamSpec } from '../core/params.ts';
import { DEFAULT_TRUNCATION } from './gibbs-kernel.ts';

/**
 * Parameters shared by the grid scenes (docs/design.md §5.3 common names: grid, dt,
 * steps, eps, seed), with scene-specific defaults.
 */
export function jkoParams(d: { grid: number; dt: number; steps: number; eps: number; tol?: number; maxGrid?: number }) {
  return {
    grid: { type: 'integer', default: d.grid, min: 4, max: d.maxGrid ?? 65536, description: 'cells per axis (refused beyond 4 GiB of work arrays)' },
    dt: { type: 'number', default: d.dt, min: 0, minExclusive: true, max: 10, description: 'JKO time step τ' },
    steps: { type: 'integer', default: d.steps, min: 0, max: 1e9, description: 'number of JKO steps' },
    eps: { type: 'number', default: d.eps, min: 0, minExclusive: true, max: 10, description: 'entropic regularization ε of W_ε (kernel exp(−|x−y|²/(2ε)))' },
    tol: { type: 'number', default: d.tol ?? 1e-9, min: 0, minExclusive: true, max: 1e-2, description: 'Sinkhorn stopping tolerance on the L1 marginal error' },
    form: { type: 'choice', default: 'auto', values: ['auto', 'plain', 'log'], description: 'kernel form: plain scalings, log-domain (small ε), or auto' },
    truncation: { type: 'number', default: DEFAULT_TRUNCATION, min: 0, max: 1e-3, description: 'drop kernel entries below this (0: full kernel)' },
    scheme: { type: 'choice', default: 'entropic', values: ['entropic', 'exact'], description: 'JKO step: entropic (Sinkhorn on W_ε, blurred by ε/(2τ)) or exact (back-and-forth on W2)' },
    exact_tol: { type: 'number', default: 1e-5, min: 0, minExclusive: true, max: 1e-1, description: 'exact scheme: stopping tolerance on the L1 marginal error ‖ρ − T#μ‖₁' },
    exact_max_iter: { type: 'integer', default: 500, min: 1, max: 1e6, description: 'exact scheme: ascent half-steps per JKO step' },
    seed: { type: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'random seed (the grid scheme is deterministic; kept for sweeps)' },
  } as const satisfies Record<string, ParamSpec>;
}

/** The scheme options from resolved jkoParams values. */
export function jkoOptions(p: { dt: number; eps: number; tol: number; form: string; truncation: number; scheme: string; exact_tol: number; exact_max_iter: number }) {
  return {
    tau: p.dt, eps: p.eps, tol: p.tol, form: p.form as 'auto' | 'plain' | 'log', truncation: p.truncation,
    scheme: p.scheme as 'entropic' | 'exact', exactTol: p.exact_tol, exactMaxIter: p.exact_max_iter,
  };
}
