"""Times float32 matrix products with numpy (OpenBLAS) for the benchmark: one thread, best of repeats.

Reads one JSON object from argv[1]:
  {"shapes": [[m, k, n, transA, transB], ...], "mlp": [[m, k, n, transA, transB], ...], "repeats": R,
   "min_seconds": S}
(each measurement: at least R timed runs, and on until S seconds have passed; the best run counts)
and prints one JSON object: {"version", "blas", "shapes": [seconds...], "mlp": seconds for the whole list}.
The caller sets OPENBLAS_NUM_THREADS=1 (and leaves OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, so OpenBLAS
picks its kernels for this CPU itself).
"""
import json
import sys
import time

import numpy as np


def operands(m, k, n, ta, tb, rng):
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    return (a.T if ta else a), (b.T if tb else b)


def best(fn, repeats, inner, min_seconds):
    fn()
    out = float("inf")
    start = time.perf_counter()
    r = 0
    while r < repeats or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out = min(out, (time.perf_counter() - t0) / inner)
        r += 1
    return out


def main():
    req = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    repeats = int(req.get("repeats", 20))
    min_seconds = float(req.get("min_seconds", 0))
    shapes = []
    for m, k, n, ta, tb in req["shapes"]:
        a, b = operands(m, k, n, ta, tb, rng)
        c = np.empty((m, n), dtype=np.float32)
        inner = max(1, int(2e7 // max(1, m * n * k)))
        shapes.append(best(lambda: np.matmul(a, b, out=c), repeats, inner, min_seconds))
    pairs = []
    for m, k, n, ta, tb in req.get("mlp", []):
        a, b = operands(m, k, n, ta, tb, rng)
        pairs.append((a, b, np.empty((m, n), dtype=np.float32)))

    def step():
        for a, b, c in pairs:
            np.matmul(a, b, out=c)

    mlp = best(step, repeats, 10, min_seconds) if pairs else None
    blas = ""
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "")
    except Exception:  # older numpy: no dict mode
        blas = "OpenBLAS (numpy's default)"
    print(json.dumps({"version": np.__version__, "blas": blas, "shapes": shapes, "mlp": mlp}))


if __name__ == "__main__":
    main()
