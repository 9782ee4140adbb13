"""numpy peer of wgflow's transformer-tokens step: one RK4 step of
x_i' = P_{x_i}(sum_j A_ij x_j), A = softmax(beta x x^T) row-wise (Q = K = V = I, uniform
weights), tokens on the sphere, then the retraction x <- x/|x|. Prints {"ms": median}."""
import json, sys, time
import numpy as np

args = json.loads(sys.argv[1])
n, d, reps, beta, dt = args["n"], args["d"], args.get("reps", 3), args.get("beta", 1.0), args.get("dt", 0.1)
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d))
x /= np.linalg.norm(x, axis=1, keepdims=True)
S = np.empty((n, n))

def field(y):
    np.matmul(y, y.T, out=S)
    np.multiply(S, beta, out=S)
    np.subtract(S, S.max(axis=1, keepdims=True), out=S)
    np.exp(S, out=S)
    u = (S @ y) / S.sum(axis=1, keepdims=True)
    # P_y u = u - (<y,u>/|y|^2) y
    c = np.einsum("ij,ij->i", y, u) / np.einsum("ij,ij->i", y, y)
    u -= c[:, None] * y
    return u

def step(x):
    k1 = field(x)
    k2 = field(x + 0.5 * dt * k1)
    k3 = field(x + 0.5 * dt * k2)
    k4 = field(x + dt * k3)
    x = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return x / np.linalg.norm(x, axis=1, keepdims=True)

times = []
for _ in range(reps + 1):
    t0 = time.perf_counter()
    x = step(x)
    times.append((time.perf_counter() - t0) * 1000)
times = sorted(times[1:])
print(json.dumps({"ms": times[len(times) // 2]}))
