/** `wgf ot`'s options, shared by its registration (ot.ts) and its work (ot-solve.ts, loaded when it runs). */

export const METHODS = ['sinkhorn', 'divergence', 'exact1d', 'sliced'] as const;
export type Method = (typeof METHODS)[number];

export interface OtCliOptions {
  eps?: string;
  method: string;
  p: string;
  wx?: string;
  wy?: string;
  tol: string;
  maxIter: string;
  mode: string;
  directions: string;
  seed: string;
  threads?: string;
  json?: boolean;
  potentials?: string;
  plan?: string;
  map?: string;
}
