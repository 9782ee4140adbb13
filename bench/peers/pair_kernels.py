"""numpy peer of wgflow's gpu.js pair kernels (bench/backend.ts): one evaluation of
the interaction velocity -sum_j w_j grad W(x_i - x_j) (W = |z|^2/2 - log|z| in 2D,
|z|^2/2 + 1/|z| in 3D) or of the blob-entropy velocity (two passes: densities,
then forces), chunked over rows so memory stays O(chunk * N).
Prints {"ms": median milliseconds} as JSON."""
import json, sys, time
import numpy as np

args = json.loads(sys.argv[1])
n, d, kind, reps = args["n"], args["d"], args["kind"], args.get("reps", 3)
delta, sigma = 0.05, 0.1
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d)) * 0.3
w = np.full(n, 1.0 / n)
B = max(1, min(n, (1 << 20) // n))

def diffs(s, e):
    zs = [x[s:e, k, None] - x[None, :, k] for k in range(d)]
    r2 = zs[0] * zs[0]
    for z in zs[1:]:
        r2 += z * z
    return zs, r2

def interaction():
    v = np.zeros((n, d))
    for s in range(0, n, B):
        e = min(n, s + B)
        zs, r2 = diffs(s, e)
        idx = np.arange(s, e)
        r2[idx - s, idx] = 1.0
        g = np.reciprocal(r2) if d == 2 else np.reciprocal(np.sqrt(r2) * r2)
        np.subtract(1.0, g, out=g)
        g[idx - s, idx] = 0.0
        g *= w[None, :]
        for k in range(d):
            v[s:e, k] -= (zs[k] * g).sum(axis=1)
    return v

def blob():
    c = 1.0 / (2 * delta * delta)
    rho = np.empty(n)
    for s in range(0, n, B):
        e = min(n, s + B)
        _, r2 = diffs(s, e)
        rho[s:e] = np.exp(-c * r2) @ w
    inv = 1.0 / rho
    v = np.zeros((n, d))
    for s in range(0, n, B):
        e = min(n, s + B)
        zs, r2 = diffs(s, e)
        f = np.exp(-c * r2) * (inv[s:e, None] + inv[None, :]) * w[None, :]
        for k in range(d):
            v[s:e, k] += (zs[k] * f).sum(axis=1)
    return v * (sigma / (delta * delta))

fn = interaction if kind == "interaction" else blob
times = []
for _ in range(reps + 1):
    t0 = time.perf_counter()
    fn()
    times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[1:])
print(json.dumps({"ms": times[len(times) // 2]}))
