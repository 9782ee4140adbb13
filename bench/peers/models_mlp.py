"""numpy peer of wgflow's mlp-mean-field step: full-batch forward Wasserstein gradient
step of the mean-field risk of a two-layer ReLU network without bias,
f(x) = (1/m) sum_i a_i relu(w_i.x), v_i = -E_x[(f - y)(relu(w_i.x), a_i 1{w_i.x>0} x)],
theta += dt v. Inputs on the sphere S^{d-1}, teacher of 3 neurons. Prints {"ms": median}."""
import json, sys, time
import numpy as np

args = json.loads(sys.argv[1])
m, N, d, reps, dt = args["m"], args["N"], args["d"], args.get("reps", 3), args.get("dt", 0.5)
rng = np.random.default_rng(0)
X = rng.standard_normal((N, d))
X /= np.linalg.norm(X, axis=1, keepdims=True)
T = rng.standard_normal((3, d))
T /= np.linalg.norm(T, axis=1, keepdims=True)
y = np.maximum(X @ T.T, 0).mean(axis=1)
W = rng.standard_normal((m, d))
W *= 0.1 / np.linalg.norm(W, axis=1, keepdims=True)
a = np.where(rng.random(m) < 0.5, -0.1, 0.1)

def step(a, W):
    Z = X @ W.T                     # [N, m]
    H = np.maximum(Z, 0)
    r = (H @ a / m - y) / N         # residual / N
    ga = r @ H                      # [m]
    G = (Z > 0) * r[:, None]        # [N, m]
    gw = (G.T @ X) * a[:, None]     # [m, d]
    return a - dt * ga, W - dt * gw

times = []
for _ in range(reps + 1):
    t0 = time.perf_counter()
    a, W = step(a, W)
    times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[1:])
print(json.dumps({"ms": times[len(times) // 2]}))
