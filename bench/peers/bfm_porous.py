"""Peer for `wgf bench --suite grid` (bench/grid-exact.ts): the porous-medium JKO steps by the
authors' back-and-forth code (Jacobs, Lee & Léger 2021; github.com/wonjunee/wgfBFMcodes,
python/src, built as the pybind11 module `bfmgf`), driven by the loop of their
python/BFM-porous.py: forth half-step (two c-transforms, push-forth, H¹ solve by scipy's DCT),
back half-step (c-transform, pull-back, H¹ solve, c-transform), stop when the relative change of
both half-steps' H⁻¹ errors is below 1e-3·mass or after 500 iterations.

Their code works on the unit square with densities of mean `mass`; ours on [−1, 1]² in cell
masses. For ∂ρ = Δρ² the map x' = (x + 1)/2 sends a solution to one with t' = t/16 and
ρ' = 4ρ, so this driver runs their steps with τ' = τ/16 on ρ' = n²·(cell masses), mass 1.
Preconditioner and step as in their script's form (θ₁ − θ₂Δ)⁻¹ with θ₁ = dρ/ds = 1/2
(ρ = s/2 for U = ρ²) and θ₂ = τ'·max ρ', σ = 1 (their script's constants were tuned for their
τ = 0.1, mass 0.02).

Usage: WGF_BFM_PEER=<dir holding bfmgf*.so> python3 bfm_porous.py <json args>
args: {"n", "tau", "steps", "init": path of n² float64 cell masses, "refs": [paths of the
exact masses], "refAt": [the step index (0-based) of each ref; default 0, 1, …], "out": path to write the final masses}. Prints one JSON line:
{"ms": [per step], "iterations": [per step], "l1": [per step]}.
"""
import json
import os
import sys
import time

import numpy as np
from scipy.fftpack import dctn, idctn

sys.path.insert(0, os.environ.get('WGF_BFM_PEER', '.'))
import bfmgf  # noqa: E402


def kernel_of(n):
    xx, yy = np.meshgrid(np.linspace(0, np.pi, n, False), np.linspace(0, np.pi, n, False))
    dy = 1.0 / n
    k = 2 * (1 - np.cos(xx)) / (dy * dy) + 2 * (1 - np.cos(yy)) / (dy * dy)
    k[0, 0] = 1
    return k


def solve_poisson(f, kernel, theta1, theta2):
    w = np.copy(f)
    w[0, 0] = 1
    w = dctn(w, norm='ortho') / (theta1 + theta2 * kernel)
    w[0, 0] = 0
    return idctn(w, norm='ortho')


def main():
    a = json.loads(sys.argv[1])
    n, tau, steps = a['n'], a['tau'] / 16.0, a['steps']
    m, mass = 2.0, 1.0
    mu = np.fromfile(a['init'], dtype=np.float64).reshape(n, n) * n * n
    refs = [np.fromfile(p, dtype=np.float64).reshape(n, n) for p in a['refs']]
    ref_at = a.get('refAt', list(range(len(refs))))
    method = bfmgf.BFM(n, n, tau)
    flt = bfmgf.FLT2D(n, n)
    kernel = kernel_of(n)
    V = np.zeros((n, n))
    DUstar = np.ones((n, n))
    phi = np.zeros((n, n))
    psi = np.zeros((n, n))
    push = np.zeros((n, n))
    sigma, theta1 = 1.0, 0.5
    out = {'ms': [], 'iterations': [], 'l1': []}
    for k in range(steps):
        t0 = time.perf_counter()
        theta2 = tau * mu.max()
        prev_f, prev_b = 1.0, 1.0
        it = 0
        for it in range(1, 501):
            # forth
            flt.find_c_concave(psi, phi, tau)
            flt.find_c_concave(phi, psi, tau)
            method.calculate_DUstar(DUstar, phi, V, m, mass)
            method.compute_push_forth(push, phi, psi, mu)
            f = -push + DUstar
            u = solve_poisson(f, kernel, theta1, theta2)
            phi += sigma * u
            err_f = np.mean(np.abs(u * f))
            # back
            flt.find_c_concave(psi, phi, tau)
            s = -phi - V
            s[s < 0] = 0
            DUstar[:] = ((m - 1) / m * s) ** (1 / (m - 1))
            method.compute_pull_back(push, phi, psi, DUstar)
            f = -push + mu
            u = solve_poisson(f, kernel, theta1, theta2)
            psi += sigma * u
            flt.find_c_concave(phi, psi, tau)
            err_b = np.mean(np.abs(u * f))
            change = min(abs((err_f - prev_f) / prev_f), abs((err_b - prev_b) / prev_b))
            if change < 1e-3 * mass:
                break
            prev_f, prev_b = err_f, err_b
        method.calculate_DUstar(DUstar, phi, V, m, mass)
        mu[:] = DUstar
        out['ms'].append(1000 * (time.perf_counter() - t0))
        out['iterations'].append(it)
        if k in ref_at:
            out['l1'].append(float(np.abs(mu / (n * n) - refs[ref_at.index(k)]).sum()))
    if 'out' in a:
        (mu / (n * n)).astype(np.float64).tofile(a['out'])
    print(json.dumps(out))


if __name__ == '__main__':
    main()
