"""PyTorch peer of wgflow's particle step (direct O(N^2) sum): velocity of the
attractive-repulsive interaction (|z|^2/2 - log|z| in 2D, |z|^2/2 + 1/|z| in 3D) plus a
quadratic potential, then x += tau*v, in float64, chunked over rows so memory stays
O(chunk * N). Runs on CUDA when torch sees a GPU, else on the CPU with torch's threads.
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
B = max(1, min(n, args.get("chunk_elems", 1 << 22) // n))

def velocity(x):
    v = -x.clone()  # potential |x|^2/2
    for s in range(0, n, B):
        e = min(n, s + B)
        z = x[s:e, None, :] - x[None, :, :]          # (b, n, d)
        r2 = (z * z).sum(-1)
        idx = torch.arange(s, e, device=dev)
        r2[idx - s, idx] = 1.0
        gf = 1.0 - (1.0 / r2 if d == 2 else r2.rsqrt() / r2)
        gf[idx - s, idx] = 0.0
        v[s:e] -= ((gf * w[None, :])[:, :, None] * z).sum(1)
    return v

times = []
with torch.no_grad():
    for _ in range(reps + 1):
        if dev.type == "cuda": torch.cuda.synchronize()
        t0 = time.perf_counter()
        x += tau * velocity(x)
        if dev.type == "cuda": torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[1:])
print(json.dumps({"ms": times[len(times) // 2], "device": dev.type, "threads": torch.get_num_threads()}))
