"""numpy / POT peers of wgflow's grid Sinkhorn iteration on an n x n grid over [0,1]^2.

numpy: the dense separable iteration with the 1D Gibbs kernel K = exp(-(x_i-x_j)^2/(2 eps))
(cell centres x_i = (i+1/2)/n), K b = K B K^T by two BLAS matrix products, then
a = P / (K b), K^T a = K^T A K, b = Q / (K^T a). POT: ot.bregman.convolutional_barycenter2d
on one image (two convolutions per iteration, POT's own kernel exp(-d^2/reg), reg = 2 eps),
time divided by the iteration count. Prints {"numpy_ms": .., "pot_ms": ..|null} as JSON."""
import json, sys, time, warnings
import numpy as np

args = json.loads(sys.argv[1])
n, eps, reps, want_pot = args["n"], args["eps"], args.get("reps", 5), args.get("pot", True)
x = (np.arange(n) + 0.5) / n
K = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * eps))
rng = np.random.default_rng(0)
P = rng.random((n, n)) + 0.5; P /= P.sum()
Q = rng.random((n, n)) + 0.5; Q /= Q.sum()
B = np.ones((n, n))

def iteration(B):
    Kb = K @ B @ K.T
    A = P / Kb
    Kta = K.T @ A @ K
    return Q / Kta

# As wgflow's side (bench/grid.ts): >= 0.2 s of warm-up iterations (BLAS threads started, caches
# filled), then >= `reps` timed iterations and >= 0.3 s of them (at most 200); the median.
t_start = time.perf_counter()
while True:
    B = iteration(B)
    if time.perf_counter() - t_start >= 0.2:
        break
times, t_start = [], time.perf_counter()
while len(times) < reps or (time.perf_counter() - t_start < 0.3 and len(times) < 200):
    t0 = time.perf_counter()
    B = iteration(B)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
out = {"numpy_ms": times[len(times) // 2], "pot_ms": None}

if want_pot:
    try:
        import ot
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            A = P[None]
            iters = max(2, reps)
            ot.bregman.convolutional_barycenter2d(A, 2 * eps, numItermax=2, stopThr=0.0, warn=False)
            t0 = time.perf_counter()
            ot.bregman.convolutional_barycenter2d(A, 2 * eps, numItermax=iters, stopThr=0.0, warn=False)
            out["pot_ms"] = (time.perf_counter() - t0) * 1000 / iters
    except ImportError:
        pass
print(json.dumps(out))
