"""numpy / POT peers of wgflow's grid Sinkhorn iteration on an n x n grid over [0,1]^2.

numpy: the dense separable iteration with the 1D Gibbs kernel K = exp(-(x_i-x_j)^2/(2 eps))
(cell centres x_i = (i+1/2)/n), K b = K B K^T by two BLAS matrix products, then
a = P / (K b), K^T a = K^T A K, b = Q / (K^T a). POT: ot.bregman.convolutional_barycenter2d
on one image (two convolutions per iteration, POT's own kernel exp(-d^2/reg), reg = 2 eps),
time divided by the iteration count.

Two modes (bench/harness.ts runPeer / startPeer):
  grid_sinkhorn.py '{"n":..,"eps":..,"reps":..,"pot":..}'
      one shot: warm-up, timed iterations, prints {"numpy_ms": .., "pot_ms": ..|null} as JSON.
  grid_sinkhorn.py --serve '{"n":..,"eps":..}'
      server (bench/grid.ts, interleaved timing): builds K, P, Q, B once, warms up >= 0.2 s,
      prints {"ready": true}, then answers one JSON line per command line on stdin:
        {"iters": k, "warm": w}  runs w untimed iterations (default 0), then k timed ones,
                      answers {"ms": elapsed ms of the k}
        {"pot": k}    times POT's barycenter over k iterations, answers {"pot_ms": ms per iteration | null}
        {"quit": true} (or end of input) ends it.
      Between commands it blocks on stdin; BLAS keeps its default thread count (OpenBLAS's
      worker keeps spinning on a core for ~0.1 s after a call: bench/grid.ts GAP_MS)."""
import json, sys, time, warnings
import numpy as np

serve = len(sys.argv) > 2 and sys.argv[1] == "--serve"
args = json.loads(sys.argv[2] if serve else sys.argv[1])
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

def pot_ms(iters):
    """POT's convolutional barycenter per iteration (None without POT)."""
    try:
        import ot
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        A = P[None]
        iters = max(2, iters)
        ot.bregman.convolutional_barycenter2d(A, 2 * eps, numItermax=2, stopThr=0.0, warn=False)
        t0 = time.perf_counter()
        ot.bregman.convolutional_barycenter2d(A, 2 * eps, numItermax=iters, stopThr=0.0, warn=False)
        return (time.perf_counter() - t0) * 1000 / iters

# As wgflow's side (bench/grid.ts): >= 0.2 s of warm-up iterations (BLAS threads started, caches
# filled) in either mode.
t_start = time.perf_counter()
while True:
    B = iteration(B)
    if time.perf_counter() - t_start >= 0.2:
        break

if serve:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        if "iters" in cmd:
            k = int(cmd["iters"])
            for _ in range(int(cmd.get("warm", 0))):
                B = iteration(B)
            t0 = time.perf_counter()
            for _ in range(k):
                B = iteration(B)
            out = {"ms": (time.perf_counter() - t0) * 1000}
        elif "pot" in cmd:
            out = {"pot_ms": pot_ms(int(cmd["pot"]))}
        else:
            out = {"error": "unknown command: " + line.strip()}
        print(json.dumps(out), flush=True)
    sys.exit(0)

# One shot: >= `reps` timed iterations and >= 0.3 s of them (at most 200); the median.
times, t_start = [], time.perf_counter()
while len(times) < reps or (time.perf_counter() - t_start < 0.3 and len(times) < 200):
    t0 = time.perf_counter()
    B = iteration(B)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
out = {"numpy_ms": times[len(times) // 2], "pot_ms": pot_ms(reps) if want_pot else None}
print(json.dumps(out))
