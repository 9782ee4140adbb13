"""PyTorch peer of wgflow's particle step (direct O(N^2) sum): velocity of the
attractive-repulsive interaction (|z|^2/2 - log|z| in 2D, |z|^2/2 + 1/|z| in 3D) plus a
quadratic potential, then x += tau*v, in float64, chunked over rows so memory stays
O(chunk * N), pair distances and weighted sums by matmuls. Runs on CUDA when torch sees a GPU, else on the CPU with torch's threads.
Prints {"ms": median milliseconds, "device": ..., "threads": ...} as JSON."""
import json, sys, time
import torch

args = json.loads(sys.argv[1])
n, d, reps = args["n"], args["d"], args.get("reps", 3)
tau = 1e-3
dev = torch.device("cuda" if torch.cuda.is_available() and not args.get("cpu") else "cpu")
g = torch.Generator().manual_seed(0)
x = (torch.randn(n, d, generator=g, dtype=torch.float64) * 0.3).to(dev)
w = torch.full((n,), 1.0 / n, dtype=torch.float64, device=dev)
# Rows per chunk: b x n pair matrices of ~2^18 entries (2 MB in float64) stay in cache; 2^22 was
# 3x slower on the 2-core machine (the (b, n, d) difference tensor and its temporaries streamed
# through memory).
B = max(1, min(n, args.get("chunk_elems", 1 << 18) // n))
sq = (x * x).sum(1)

def velocity(x):
    # r_ij^2 = |x_i|^2 + |x_j|^2 - 2 x_i.x_j (a matmul), and sum_j g_ij w_j (x_i - x_j) =
    # x_i sum_j g_ij w_j - (g w) @ x: no (b, n, d) tensor. g = 1 - 1/r^2 (2D), 1 - 1/r^3 (3D).
    v = -x.clone()  # potential |x|^2/2
    for s in range(0, n, B):
        e = min(n, s + B)
        r2 = (sq[s:e, None] + sq[None, :]) - 2.0 * (x[s:e] @ x.T)
        idx = torch.arange(s, e, device=dev)
        r2[idx - s, idx] = 1.0
        r2.clamp_(min=1e-300)
        gw = 1.0 - (1.0 / r2 if d == 2 else r2.rsqrt() / r2)
        gw[idx - s, idx] = 0.0
        gw *= w[None, :]
        v[s:e] -= x[s:e] * gw.sum(1, keepdim=True) - gw @ x
    return v

# warmup (default on): one untimed step first; off for the large N where one step takes minutes.
warm = 1 if args.get("warmup", True) else 0
times = []
with torch.no_grad():
    for _ in range(reps + warm):
        if dev.type == "cuda": torch.cuda.synchronize()
        t0 = time.perf_counter()
        x += tau * velocity(x)
        if dev.type == "cuda": torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[warm:])
print(json.dumps({"ms": times[len(times) // 2], "device": dev.type, "threads": torch.get_num_threads()}))
