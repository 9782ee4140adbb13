"""numpy peer of wgflow's particle step: velocity of attractive-repulsive interaction
+ quadratic potential (+ blob entropy), then x += tau*v. Chunked over rows, in place,
so memory stays O(chunk * N). Prints {"ms": median milliseconds} as JSON."""
import json, sys, time
import numpy as np

args = json.loads(sys.argv[1])
n, d, blob, reps = args["n"], args["d"], args["blob"], args.get("reps", 3)
delta, sigma, tau = args.get("delta", 0.05), args.get("sigma", 0.1), 1e-3
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d)) * 0.3
w = np.full(n, 1.0 / n)
B = max(1, min(n, args.get("chunk_elems", 1 << 20) // n))

def pair_r2(x, s, e):
    """Per-coordinate differences (B, N) and squared distances, written in place."""
    zs = [x[s:e, k, None] - x[None, :, k] for k in range(d)]
    r2 = zs[0] * zs[0]
    for z in zs[1:]:
        r2 += z * z
    return zs, r2

def velocity(x):
    v = -x.copy()  # potential |x|^2/2
    for s in range(0, n, B):
        e = min(n, s + B)
        zs, r2 = pair_r2(x, s, e)
        idx = np.arange(s, e)
        r2[idx - s, idx] = 1.0  # diagonal, zeroed below
        if d == 2:
            g = np.reciprocal(r2)
        else:
            g = np.sqrt(r2); g *= r2; np.reciprocal(g, out=g)
        np.subtract(1.0, g, out=g)
        g[idx - s, idx] = 0.0
        g *= w[None, :]
        for k in range(d):
            zs[k] *= g
            v[s:e, k] -= zs[k].sum(axis=1)
    if blob:
        c = 1.0 / (2 * delta * delta)
        norm = (2 * np.pi * delta * delta) ** (-d / 2)
        rho = np.empty(n)
        for s in range(0, n, B):
            e = min(n, s + B)
            _, r2 = pair_r2(x, s, e)
            r2 *= -c
            np.exp(r2, out=r2)
            rho[s:e] = norm * (r2 @ w)
        inv = 1.0 / rho
        scale = sigma * norm / (delta * delta)
        for s in range(0, n, B):
            e = min(n, s + B)
            zs, f = pair_r2(x, s, e)
            f *= -c
            np.exp(f, out=f)
            f *= inv[s:e, None] + inv[None, :]
            f *= w[None, :] * scale
            for k in range(d):
                zs[k] *= f
                v[s:e, k] += zs[k].sum(axis=1)
    return v

times = []
for _ in range(reps + 1):
    t0 = time.perf_counter()
    x += tau * velocity(x)
    times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[1:])
print(json.dumps({"ms": times[len(times) // 2]}))
