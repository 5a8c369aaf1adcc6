"""Reference timings for `./permerge align-bench`: SciPy's linear_sum_assignment and numpy's float64
co-moment accumulation, on the very matrices and activations the Java side uses (handed over as raw
little-endian files). Prints one JSON object per line. Benchmark helper only: nothing in the library,
its tests or CI needs Python.

  python3 align_reference.py assign <cost.f64> <rows> <cols> <repeats>
  python3 align_reference.py stats <a.f32> <b.f32> <pool_frames> <dA> <dB> <frames> <batch> <repeats>
  python3 align_reference.py gemm <dA> <frames> <dB> <float32|float64> <repeats>   (X[frames,dA]^T Y[frames,dB], GFLOP/s)
"""
import json
import os
import sys
import time

import numpy as np


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        return cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy: not essential
        return "unknown"


def assign(path, rows, cols, repeats):
    from scipy.optimize import linear_sum_assignment
    cost = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    times = []
    total = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        r, c = linear_sum_assignment(cost, maximize=True)
        times.append(time.perf_counter() - t0)
        total = float(cost[r, c].sum())
    return {"times_s": times, "median_s": float(np.median(times)), "total": total}


def stats(path_a, path_b, pool, da, db, frames, batch, repeats):
    a_pool = np.fromfile(path_a, dtype="<f4").reshape(pool, da)
    b_pool = np.fromfile(path_b, dtype="<f4").reshape(pool, db)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n, mean_a, mean_b = 0, np.zeros(da), np.zeros(db)
        m2_a, m2_b, com = np.zeros(da), np.zeros(db), np.zeros((da, db))
        done = 0
        while done < frames:
            start = done % pool
            take = min(batch, frames - done, pool - start)
            xa = a_pool[start:start + take].astype(np.float64)
            xb = b_pool[start:start + take].astype(np.float64)
            # Same algorithm as CrossCorrelation: centre the batch on its own mean, one GEMM, Chan combine.
            ba, bb = xa.mean(0), xb.mean(0)
            xa -= ba
            xb -= bb
            cb = xa.T @ xb
            nb = take
            f = n * nb / (n + nb)
            da_, db_ = ba - mean_a, bb - mean_b
            mean_a += da_ * nb / (n + nb)
            mean_b += db_ * nb / (n + nb)
            m2_a += np.einsum("ij,ij->j", xa, xa) + da_ * da_ * f
            m2_b += np.einsum("ij,ij->j", xb, xb) + db_ * db_ * f
            com += cb
            com += f * np.outer(da_, db_)
            n += nb
            done += take
        times.append(time.perf_counter() - t0)
        checksum = float(com.sum())
    return {"times_s": times, "median_s": float(np.median(times)), "frames": n, "comoment_sum": checksum,
            "comoment_00": float(com[0, 0])}


def gemm(da, k, db, dtype, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((k, da), dtype=np.float32).astype(dtype)
    y = rng.standard_normal((k, db), dtype=np.float32).astype(dtype)
    x.T @ y  # warm-up: thread pool and page faults
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        x.T @ y
        times.append(time.perf_counter() - t0)
    flop = 2.0 * da * k * db
    return {"times_s": times, "best_gflops": flop / min(times) / 1e9, "median_gflops": flop / float(np.median(times)) / 1e9}


def main():
    mode = sys.argv[1]
    if mode == "assign":
        out = assign(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "gemm":
        out = gemm(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
    elif mode == "stats":
        out = stats(sys.argv[2], sys.argv[3], *[int(x) for x in sys.argv[4:10]])
    else:
        raise SystemExit("unknown mode " + mode)
    out["numpy"] = np.__version__
    out["blas"] = blas_name()
    out["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
